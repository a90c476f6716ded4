/**
 * Framing shared by the booth's serial line protocols (BSP signature pad, BES env sensor), host
 * side: `$<body>*<HH>` lines of printable ASCII, CRC-8/SMBUS over the body, requests with a
 * sequence id, `OK`/`ERR` answers and numbered `!` events. Pure encode/decode: no I/O, no state.
 * The normative text is docs/protocols/signature-pad-serial.md ("Framing") — both protocol docs
 * carry the same rules. This folder is shared by the line-protocol drivers; it is not a compatible.
 */

/** Longest line either end sends or accepts, from `$` to the checksum, without the terminator. */
export const MAX_LINE_BYTES = 1024;

/** Text values and keys as they travel: key → decoded UTF-8 text. */
export type Fields = Readonly<Record<string, string>>;

export interface ResponseFrame {
  kind: 'response';
  seq: number;
  ok: boolean;
  /** For `ERR`: `code` and `msg` are among the fields. */
  fields: Fields;
}

export interface EventFrame {
  kind: 'event';
  eseq: number;
  name: string;
  fields: Fields;
}

export type Frame = ResponseFrame | EventFrame;

export type Decoded =
  | { frame: Frame; noise: boolean }
  | { bad: string; noise: boolean }
  | { empty: true };

/** CRC-8/SMBUS: polynomial 0x07, initial value 0x00, no reflection, no final XOR. */
export function crc8(text: string): number {
  let crc = 0;
  for (let i = 0; i < text.length; i += 1) {
    crc ^= text.charCodeAt(i) & 0xff;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

const hex2 = (value: number) => value.toString(16).toUpperCase().padStart(2, '0');

/** Wraps a body into a line: `$body*HH\r\n`. */
export function frameLine(body: string): string {
  return `$${body}*${hex2(crc8(body))}\r\n`;
}

/**
 * Percent-encodes UTF-8 text for a value: every byte outside 0x21–0x7E, and `%`, `*`, `$`,
 * becomes `%HH` (upper-case hex).
 */
export function encodeText(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const printable = byte >= 0x21 && byte <= 0x7e && byte !== 0x25 && byte !== 0x2a && byte !== 0x24;
    out += printable ? String.fromCharCode(byte) : `%${hex2(byte)}`;
  }
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Inverse of {@link encodeText}; throws on a broken `%` escape or bytes that are not UTF-8. */
export function decodeText(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i += 1) {
    const char = value.charCodeAt(i);
    if (char !== 0x25) {
      bytes.push(char);
      continue;
    }
    const escape = value.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(escape)) throw new Error('broken % escape');
    bytes.push(Number.parseInt(escape, 16));
    i += 2;
  }
  return strictUtf8.decode(Uint8Array.from(bytes));
}

/** The body of a request line: `<seq> <VERB> key=value…` (values encoded here). */
export function encodeRequest(seq: number, verb: string, fields: Fields = {}): string {
  const parts = [String(seq), verb];
  for (const [key, value] of Object.entries(fields)) parts.push(`${key}=${encodeText(value)}`);
  return frameLine(parts.join(' '));
}

const KEY = /^[a-z][a-z0-9_]*$/;
const NAME = /^[A-Z][A-Z0-9_]*$/;
const NUMBER = /^(0|[1-9][0-9]{0,4})$/;

/**
 * Decodes one received line (terminator already removed; a trailing CR is dropped here).
 * `noise` says bytes before the line's last `$` were thrown away (a partial line glued to it).
 * The reasons in `bad` never quote the line: it may carry pen samples.
 */
export function decodeLine(raw: string): Decoded {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.length === 0) return { empty: true };
  if (line.length > MAX_LINE_BYTES) return { bad: `line longer than ${MAX_LINE_BYTES} bytes`, noise: false };
  const start = line.lastIndexOf('$');
  if (start < 0) return { bad: 'no "$" start of line', noise: false };
  const noise = start > 0;
  const text = line.slice(start + 1);
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return { bad: 'byte outside printable ASCII', noise };
  }
  const star = text.lastIndexOf('*');
  if (star < 0) return { bad: 'no "*" checksum', noise };
  const body = text.slice(0, star);
  const sum = text.slice(star + 1);
  if (!/^[0-9A-Fa-f]{2}$/.test(sum)) return { bad: 'checksum is not two hex digits', noise };
  if (Number.parseInt(sum, 16) !== crc8(body)) return { bad: 'checksum mismatch', noise };
  const words = body.split(' ');
  if (words.some((word) => word.length === 0)) return { bad: 'empty field', noise };
  const [first, second, third] = words;
  if (first === '!') {
    if (second === undefined || !NUMBER.test(second) || Number(second) > 65_535) return { bad: 'bad event number', noise };
    if (third === undefined || !NAME.test(third)) return { bad: 'bad event name', noise };
    const fields = decodeFields(words.slice(3));
    if (typeof fields === 'string') return { bad: fields, noise };
    return { frame: { kind: 'event', eseq: Number(second), name: third, fields }, noise };
  }
  if (first === undefined || !NUMBER.test(first) || Number(first) === 0 || Number(first) > 65_535) {
    return { bad: 'bad sequence id', noise };
  }
  if (second !== 'OK' && second !== 'ERR') return { bad: 'neither OK nor ERR', noise };
  const fields = decodeFields(words.slice(2));
  if (typeof fields === 'string') return { bad: fields, noise };
  if (second === 'ERR' && !fields.code) return { bad: 'ERR without code', noise };
  return { frame: { kind: 'response', seq: Number(first), ok: second === 'OK', fields }, noise };
}

function decodeFields(words: string[]): Fields | string {
  const fields: Record<string, string> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    const key = eq < 0 ? word : word.slice(0, eq);
    if (eq < 0 || !KEY.test(key)) return 'field is not key=value';
    if (Object.hasOwn(fields, key)) return 'duplicate key';
    try {
      fields[key] = decodeText(word.slice(eq + 1));
    } catch {
      return 'value is not percent-encoded UTF-8';
    }
  }
  return fields;
}

/** `NAME/MAJOR.MINOR`, e.g. `BSP/1.0`. */
export interface ProtocolVersion {
  name: string;
  major: number;
  minor: number;
}

export function parseProtocolVersion(text: string | undefined): ProtocolVersion | undefined {
  const match = /^([A-Z][A-Z0-9]{0,15})\/(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$/.exec(text ?? '');
  if (!match) return undefined;
  return { name: match[1] as string, major: Number(match[2]), minor: Number(match[3]) };
}

/** A decimal integer value within [min, max], or undefined. */
export function intField(fields: Fields, key: string, min: number, max: number): number | undefined {
  const text = fields[key];
  if (text === undefined || !/^-?(0|[1-9][0-9]{0,9})$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/** A decimal number (optional sign, optional fraction) within [min, max], or undefined. */
export function decimalField(fields: Fields, key: string, min: number, max: number): number | undefined {
  const text = fields[key];
  if (text === undefined || !/^-?(0|[1-9][0-9]{0,5})(\.[0-9]{1,3})?$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}
