/**
 * Tagged records in traditional encoding (ANSI/NIST-ITL 1-2011, Annex B): `T.FFF:value` fields
 * separated by GS, the record ended by FS, subfields by RS, information items by US. Field 1
 * (LEN) is the record's own byte count, itself included, so it is found as a fixed point. Field
 * 999 (DATA) holds raw image bytes — which may contain separator bytes — and is always last:
 * a reader finds its end from LEN, never by scanning.
 */
import { AnsiNistError } from './errors.ts';
import { FS, GS, RS, US, isSeparator } from './separators.ts';

/** A field's text: its subfields, each a list of information items. */
export type FieldValue = string[][];

export interface TaggedRecord {
  type: number;
  /** Fields 2..998; .001 LEN is computed when writing, .999 is `data`. */
  fields: Map<number, FieldValue>;
  data?: Uint8Array;
}

export const LEN_FIELD = 1;
export const DATA_FIELD = 999;
const utf8 = new TextEncoder();

export function encodeTaggedRecord(record: TaggedRecord): Uint8Array {
  const { type } = record;
  if (!Number.isInteger(type) || type < 1 || type > 99) throw new AnsiNistError(`record type ${type} is not 1..99`);
  const parts: Uint8Array[] = [];
  for (const field of [...record.fields.keys()].sort((a, b) => a - b)) {
    if (!Number.isInteger(field) || field <= LEN_FIELD || field >= DATA_FIELD) {
      throw new AnsiNistError(`field number ${field} is not 2..998 (LEN and DATA are written by the encoder)`, { recordType: type });
    }
    parts.push(Uint8Array.of(GS), tag(type, field), encodeValue(type, field, record.fields.get(field)!));
  }
  if (record.data !== undefined) parts.push(Uint8Array.of(GS), tag(type, DATA_FIELD), record.data);
  parts.push(Uint8Array.of(FS));
  const lenTag = tag(type, LEN_FIELD);
  const rest = parts.reduce((sum, part) => sum + part.length, 0);
  // LEN counts its own digits: grow the guess until it describes itself.
  let length = lenTag.length + 1 + rest;
  while (lenTag.length + String(length).length + rest !== length) length = lenTag.length + String(length).length + rest;
  return concat([lenTag, utf8.encode(String(length)), ...parts]);
}

/** Reads the tagged record of type `type` that starts at `start`; `end` is where the next one starts. */
export function decodeTaggedRecord(bytes: Uint8Array, start: number, type: number): { record: TaggedRecord; end: number } {
  const fail = (message: string, field?: number, offset?: number): never => {
    throw new AnsiNistError(message, { recordType: type, ...(field === undefined ? {} : { field }), ...(offset === undefined ? {} : { offset }) });
  };
  const lenTag = readTag(bytes, start, type, fail);
  if (lenTag.field !== LEN_FIELD) fail(`the first field is ${lenTag.field}, not LEN (1)`, lenTag.field, start);
  let cursor = lenTag.valueStart;
  while (cursor < bytes.length && bytes[cursor] !== GS && bytes[cursor] !== FS) cursor += 1;
  const lenText = latin1(bytes, lenTag.valueStart, cursor);
  if (!/^\d{1,12}$/.test(lenText)) fail(`LEN ${JSON.stringify(lenText.slice(0, 20))} is not a byte count`, LEN_FIELD, lenTag.valueStart);
  const length = Number(lenText);
  const end = start + length;
  if (length < cursor - start + 1) fail(`LEN ${length} is shorter than the LEN field itself`, LEN_FIELD, lenTag.valueStart);
  if (end > bytes.length) fail(`LEN ${length} runs past the end of the transaction (${bytes.length - start} bytes left)`, LEN_FIELD, lenTag.valueStart);
  if (bytes[end - 1] !== FS) fail(`the record does not end with FS at byte ${end - 1}, where LEN ${length} says it ends`, LEN_FIELD, end - 1);

  const fields = new Map<number, FieldValue>();
  let data: Uint8Array | undefined;
  while (bytes[cursor] === GS) {
    const fieldTag = readTag(bytes, cursor + 1, type, fail);
    const { field, valueStart } = fieldTag;
    if (field === LEN_FIELD || fields.has(field)) fail(`field ${field} appears twice`, field, cursor + 1);
    if (field === DATA_FIELD) {
      data = bytes.slice(valueStart, end - 1);
      cursor = end - 1;
      break;
    }
    let valueEnd = valueStart;
    while (valueEnd < end - 1 && bytes[valueEnd] !== GS) valueEnd += 1;
    fields.set(field, decodeValue(bytes, valueStart, valueEnd, field, fail));
    cursor = valueEnd;
  }
  if (cursor !== end - 1) fail(`unexpected byte 0x${(bytes[cursor] ?? 0).toString(16)} where a GS or the closing FS belongs`, undefined, cursor);
  return { record: { type, fields, ...(data === undefined ? {} : { data }) }, end };
}

function readTag(bytes: Uint8Array, at: number, type: number, fail: (message: string, field?: number, offset?: number) => never) {
  let colon = at;
  while (colon < bytes.length && colon - at < 16 && bytes[colon] !== 0x3a) colon += 1;
  const text = latin1(bytes, at, colon);
  const match = /^(\d{1,2})\.(\d{1,9})$/.exec(text);
  if (bytes[colon] !== 0x3a || !match) fail(`expected a field tag like "${type}.002:", found ${JSON.stringify(text.slice(0, 16))}`, undefined, at);
  const [, recordType, field] = match!;
  if (Number(recordType) !== type) fail(`the tag says record type ${recordType}`, Number(field), at);
  return { field: Number(field), valueStart: colon + 1 };
}

function decodeValue(bytes: Uint8Array, start: number, end: number, field: number, fail: (message: string, field?: number, offset?: number) => never): FieldValue {
  const subfields: FieldValue = [[]];
  let itemStart = start;
  for (let at = start; at <= end; at += 1) {
    const byte = at === end ? US : bytes[at]!;
    if (at < end && byte === FS) fail('FS inside a field', field, at);
    if (byte !== US && byte !== RS && at !== end) continue;
    let text = '';
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(itemStart, at));
    } catch {
      fail('an information item is not UTF-8', field, itemStart);
    }
    subfields.at(-1)!.push(text);
    if (byte === RS) subfields.push([]);
    itemStart = at + 1;
  }
  return subfields;
}

function encodeValue(type: number, field: number, value: FieldValue): Uint8Array {
  if (!Array.isArray(value) || value.length === 0 || value.some((subfield) => !Array.isArray(subfield) || subfield.length === 0)) {
    throw new AnsiNistError('a field needs at least one subfield of at least one item', { recordType: type, field });
  }
  const text = value.map((subfield) => subfield.join(String.fromCharCode(US))).join(String.fromCharCode(RS));
  const bytes = utf8.encode(text);
  value.flat().forEach((item) => {
    if (typeof item !== 'string') throw new AnsiNistError(`an item is ${typeof item}, not text`, { recordType: type, field });
    if ([...item].some((char) => isSeparator(char.charCodeAt(0)))) throw new AnsiNistError('an item contains a separator character (FS, GS, RS or US)', { recordType: type, field });
    if (type === 1 && /[^\x20-\x7e]/.test(item)) throw new AnsiNistError('Type-1 allows printable 7-bit ASCII only', { recordType: type, field });
  });
  return bytes;
}

function tag(type: number, field: number): Uint8Array {
  return utf8.encode(`${type}.${String(field).padStart(3, '0')}:`);
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, end - start)).toString('latin1');
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
