/**
 * The device end of a booth line protocol (BSP, BES) on one end of a PTY pair: written from
 * docs/protocols/*-serial.md alone (it shares no code with the drivers — they meet only on the
 * wire), with the hooks a test needs to make the device misbehave: go silent, ignore or refuse
 * one request, answer slowly, announce another protocol version, send garbage or half a line,
 * and be unplugged and plugged back in through the PtyPair.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { SerialPort } from 'serialport';
import type { DeviceErrorCode } from '../../hal/errors.ts';
import type { PtyPair } from './pty-pair.ts';

export interface LineTwinOptions {
  model: string;
  serial: string;
  firmware: string;
  /** The MAJOR.MINOR the device announces in its HELLO answer. */
  version: string;
  /** How long the device takes to answer a request. */
  latencyMs: number;
  baudRate: number;
  /** What ends the lines the device sends (hosts accept both). */
  lineEnding: '\r\n' | '\n';
}

export type TwinFields = Record<string, string | number>;

/** What the device does with one request. `after` runs once the answer has been written. */
export type TwinReply = { ok: TwinFields; after?: () => void } | { err: string; msg?: string };

const MAX_LINE_BYTES = 1024;

/** What a garbled answer puts on the line: control bytes, high bytes and text, no `$`, one line end. */
const GARBLED_ANSWER = Uint8Array.from([0x15, 0x8a, 0x3f, 0x23, 0x7e, 0xff, 0x00, ...Buffer.from(' OK t=?', 'latin1'), 0xfe, 0x0d, 0x0a]);

/** The doc's table, read backwards: which ERR code makes the host report each HAL code. */
const ERR_FOR: Record<DeviceErrorCode, string> = {
  EIO: 'HW',
  EBUSY: 'BUSY',
  ENOTSUP: 'NOTSUP',
  EBADMSG: 'BADARG',
  ETIMEDOUT: 'TIMEOUT',
  ENODEV: 'NODEV',
  ECANCELED: 'CANCELED',
};

function crc8(text: string): number {
  let crc = 0x00;
  for (const char of text) {
    crc ^= char.charCodeAt(0);
    for (let i = 0; i < 8; i += 1) crc = (crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1) & 0xff;
  }
  return crc;
}

function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => (byte > 0x20 && byte < 0x7f && !'%*$'.includes(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

function percentDecode(value: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) return undefined;
  const bytes = Buffer.from(value.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

interface Request {
  seq: string;
  verb: string;
  fields: Record<string, string>;
}

/** Parses a host line; undefined for anything the doc says to discard. */
function parseRequest(line: string): Request | undefined {
  const start = line.lastIndexOf('$');
  if (start < 0 || line.length > MAX_LINE_BYTES) return undefined;
  const match = /^\$([\x20-\x7e]*)\*([0-9A-Fa-f]{2})$/.exec(line.slice(start));
  if (!match || crc8(match[1] as string) !== Number.parseInt(match[2] as string, 16)) return undefined;
  const [seq, verb, ...rest] = (match[1] as string).split(' ');
  if (!seq || !/^[1-9][0-9]{0,4}$/.test(seq) || Number(seq) > 65_535 || !verb || !/^[A-Z][A-Z0-9_]*$/.test(verb)) return undefined;
  const fields: Record<string, string> = {};
  for (const word of rest) {
    const eq = word.indexOf('=');
    const value = eq > 0 ? percentDecode(word.slice(eq + 1)) : undefined;
    if (value === undefined) return undefined;
    fields[word.slice(0, eq)] = value;
  }
  return { seq, verb, fields };
}

export abstract class LineTwin {
  readonly pair: PtyPair;
  /** Verbs received, in order (arguments are not kept). */
  readonly received: string[] = [];
  /** Host lines the device discarded (bad checksum, framing, …). */
  badLines = 0;
  protected abstract readonly protocolName: string;
  protected options: LineTwinOptions;
  #port: SerialPort | undefined;
  #incoming = '';
  #session = false;
  #eventNumber = 0;
  #silent = false;
  #hangNext = false;
  #garbleNext = false;
  #failNext: DeviceErrorCode | undefined;
  #replyNext: TwinReply | undefined;

  constructor(pair: PtyPair, options: LineTwinOptions) {
    this.pair = pair;
    this.options = options;
  }

  /** The device is powered and its end of the line is open. */
  get attached(): boolean {
    return this.#port?.isOpen ?? false;
  }

  /** A host said HELLO since the device powered up: events flow. */
  get inSession(): boolean {
    return this.#session && this.attached;
  }

  /** Powers the device on: opens its end of the PTY pair. */
  async attach(): Promise<void> {
    if (this.attached) return;
    const port = new SerialPort({ path: this.pair.devicePath, baudRate: this.options.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    this.#incoming = '';
    this.#port = port;
    port.on('data', (chunk: Buffer) => this.receive(chunk.toString('latin1')));
    port.on('error', () => undefined);
    port.on('close', () => {
      if (this.#port === port) this.powerLoss();
    });
  }

  /** Test hook: pull the cable (socat dies, both ends of the line drop). */
  async unplug(): Promise<void> {
    await this.pair.unplug();
    const port = this.#port;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.powerLoss();
  }

  /** Test hook: plug it back in: the same two names, a device that has just powered up. */
  async replug(): Promise<void> {
    await this.pair.replug();
    await this.attach();
  }

  /** Stops the device and removes its PTY pair. */
  async close(): Promise<void> {
    const port = this.#port;
    this.powerLoss();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    await this.pair.close();
  }

  /** Test hook: the next request (other than PING) is read and never answered. */
  hangNextCommand(): void {
    this.#hangNext = true;
  }

  /**
   * Test hook: the next request (other than PING) is answered with bytes that are not this
   * protocol (no `$`, no checksum: line noise from a confused firmware) in place of its answer.
   */
  garbleNextAnswer(): void {
    this.#garbleNext = true;
  }

  /** Test hook: the next request (other than PING) is answered with the ERR code the host maps to `code`. */
  failNextCommand(code: DeviceErrorCode): void {
    this.#failNext = code;
  }

  /** Test hook: the next request (other than PING) gets exactly this answer, right or wrong. */
  replyNextWith(reply: TwinReply): void {
    this.#replyNext = reply;
  }

  /** Test hook: an event with whatever fields the test gives, well framed and numbered. */
  sendEventAsIs(name: string, fields: TwinFields = {}): void {
    this.sendEvent(name, fields);
  }

  /** Test hook: the device stops answering anything and sends no events (a hung firmware). */
  setSilent(silent: boolean): void {
    this.#silent = silent;
  }

  /** Test hook: how long every answer takes from now on. */
  setLatency(latencyMs: number): void {
    this.options = { ...this.options, latencyMs };
  }

  /** Test hook: the MAJOR.MINOR the next HELLO answer announces. */
  setProtocolVersion(version: string): void {
    this.options = { ...this.options, version };
  }

  /** Test hook: raw bytes on the line, as a bad cable or a rebooting device would send. */
  sendGarbage(bytes: Uint8Array | string): void {
    this.#port?.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes));
  }

  /** Test hook: the start of a line and no more (the device reset mid-line). */
  sendPartialLine(text = '$17 OK t=2'): void {
    this.sendGarbage(text);
  }

  /** Test hook: an event line whose checksum is wrong (it still uses up an event number). */
  sendCorruptEvent(name: string, fields: TwinFields = {}): void {
    const line = this.eventBody(name, fields);
    this.sendGarbage(`$${line}*${((crc8(line) + 1) & 0xff).toString(16).toUpperCase().padStart(2, '0')}${this.options.lineEnding}`);
  }

  /** Test hook: the device reports a fault on its own (FAULT event). */
  raiseFault(code: DeviceErrorCode, message: string): void {
    this.sendEvent('FAULT', { code: ERR_FOR[code], msg: message });
  }

  /** The fields of the HELLO answer after `proto=` (identity and device-specific keys). */
  protected abstract helloFields(): TwinFields;
  /** A request other than HELLO and PING. */
  protected abstract handle(verb: string, fields: Record<string, string>): TwinReply;
  /** Power-up state (after a power loss, and before a HELLO is answered). */
  protected abstract reset(): void;
  /** Events the device sends right after answering HELLO. */
  protected afterHello(): void {}

  /** Sends an event when a host is in session; a silent or unpowered device sends nothing. */
  protected sendEvent(name: string, fields: TwinFields = {}): void {
    if (!this.inSession || this.#silent) return;
    this.writeLine(this.eventBody(name, fields));
  }

  private eventBody(name: string, fields: TwinFields): string {
    const number = this.#eventNumber;
    this.#eventNumber = (this.#eventNumber + 1) % 65_536;
    return ['!', String(number), name, ...this.encodeFields(fields)].join(' ');
  }

  private encodeFields(fields: TwinFields): string[] {
    return Object.entries(fields).map(([key, value]) => `${key}=${percentEncode(String(value))}`);
  }

  private writeLine(body: string): void {
    this.#port?.write(Buffer.from(`$${body}*${crc8(body).toString(16).toUpperCase().padStart(2, '0')}${this.options.lineEnding}`, 'latin1'));
  }

  private powerLoss(): void {
    this.#port = undefined;
    this.#session = false;
    this.reset();
  }

  private receive(text: string): void {
    this.#incoming += text;
    let newline: number;
    while ((newline = this.#incoming.indexOf('\n')) >= 0) {
      const line = this.#incoming.slice(0, newline).replace(/\r$/, '');
      this.#incoming = this.#incoming.slice(newline + 1);
      if (line.length > 0) this.request(line);
    }
    if (this.#incoming.length > MAX_LINE_BYTES) this.#incoming = ''; // the doc: discard an overlong line
  }

  private request(line: string): void {
    const request = parseRequest(line);
    if (!request) {
      this.badLines += 1;
      return;
    }
    this.received.push(request.verb);
    if (this.#silent) return;
    if (request.verb !== 'PING') {
      if (this.#hangNext) {
        this.#hangNext = false;
        return;
      }
      if (this.#garbleNext) {
        this.#garbleNext = false;
        return this.later(() => this.sendGarbage(GARBLED_ANSWER));
      }
      const failure = this.#failNext;
      if (failure) {
        this.#failNext = undefined;
        return this.answer(request.seq, { err: ERR_FOR[failure], msg: 'simulated device failure' });
      }
      const reply = this.#replyNext;
      if (reply) {
        this.#replyNext = undefined;
        return this.answer(request.seq, reply);
      }
    }
    if (request.verb === 'HELLO') return this.answer(request.seq, this.hello());
    if (request.verb === 'PING') return this.answer(request.seq, { ok: {} });
    this.answer(request.seq, this.handle(request.verb, request.fields));
  }

  private hello(): TwinReply {
    this.reset();
    this.#session = false; // no events until the answer is out
    return {
      ok: { proto: `${this.protocolName}/${this.options.version}`, ...this.helloFields() },
      after: () => {
        // Numbering restarts with the first event after each HELLO answer, also when a slow
        // device answers several HELLOs that crossed on the wire.
        this.#eventNumber = 0;
        this.#session = true;
        this.afterHello();
      },
    };
  }

  private answer(seq: string, reply: TwinReply): void {
    const port = this.#port;
    const send = () => {
      if (this.#port !== port || this.#silent) return;
      if ('err' in reply) {
        this.writeLine([seq, 'ERR', ...this.encodeFields({ code: reply.err, ...(reply.msg ? { msg: reply.msg } : {}) })].join(' '));
        return;
      }
      this.writeLine([seq, 'OK', ...this.encodeFields(reply.ok)].join(' '));
      reply.after?.();
    };
    this.later(send);
  }

  /** Runs `action` after the device's answer latency (at once without one). */
  private later(action: () => void): void {
    if (this.options.latencyMs <= 0) action();
    else void delay(this.options.latencyMs).then(action);
  }
}
