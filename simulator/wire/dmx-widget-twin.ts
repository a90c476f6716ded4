/**
 * A DMX USB Pro widget on the device end of a PTY pair: it reads the Enttec API framing
 * (0x7E label len-LSB len-MSB data 0xE7) the way the widget's firmware does, keeps the 512 slot
 * values of the last DMX packet, answers the identify requests (label 10 serial number, label 3
 * widget parameters), and lets tests make it misbehave: fall silent, answer slowly, leave one
 * request unanswered or answer it wrongly, send garbage, be unplugged and plugged back in.
 *
 * It has its own reader written from the API description, not the driver's decoder: the two
 * meet only on the wire. Bytes that are not a frame are skipped (counted as garbage); a frame
 * with an impossible length or no end byte is counted as bad and the hunt for the next start
 * byte resumes at the byte that broke it.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { systemClock, type Clock, type TimerHandle } from '../../hal/clock.ts';
import type { DeviceErrorCode } from '../../hal/errors.ts';
import { PtyPair } from './pty-pair.ts';

/** Message labels of the widget API this twin understands. */
export const WIDGET_LABEL = { getParameters: 3, setParameters: 4, sendDmx: 6, getSerial: 10 } as const;

const SOM = 0x7e;
const EOM = 0xe7;
const MAX_LENGTH = 600;
const SLOTS = 512;
const KEPT_TIMES = 1000;

export interface DmxWidgetTwinOptions {
  /** An existing pair; without one the twin makes its own and removes it on close. */
  pair?: PtyPair;
  /** Eight decimal digits, reported in BCD. */
  serial?: string;
  firmware?: { major: number; minor: number };
  /** Output rate the widget reports, packets per second. */
  outputRate?: number;
  /** Time source for frame timestamps and delayed answers (a test's fake clock). */
  clock?: Clock;
}

export interface DmxWidgetTwinEvents {
  /** A DMX packet with the null start code arrived; the slot values after it. */
  frame: [slots: Uint8Array];
  /** A request arrived (before any answer). */
  request: [label: number];
  /** A frame was rejected. */
  'bad-frame': [reason: string];
}

interface Pending {
  label: number | undefined;
  code?: DeviceErrorCode;
}

type ReadState = 'hunt' | 'label' | 'lengthLow' | 'lengthHigh' | 'data' | 'end';

export class DmxWidgetTwin extends EventEmitter<DmxWidgetTwinEvents> {
  readonly pair: PtyPair;
  /** DMX packets with the null start code received. */
  framesReceived = 0;
  /** Clock time of each of the last 1000 such packets. */
  readonly frameTimes: number[] = [];
  /** Slot count of the last DMX packet. */
  lastFrameSlots = 0;
  alternateStartCodeFrames = 0;
  badFrames = 0;
  garbageBytes = 0;
  answersSent = 0;
  readonly #requests = new Map<number, number>();
  readonly #ownsPair: boolean;
  readonly #clock: Clock;
  readonly #slots = new Uint8Array(SLOTS);
  readonly #delayed = new Set<TimerHandle>();
  #serial: string;
  readonly #firmware: { major: number; minor: number };
  #breakTime = 9;
  #mabTime = 1;
  #outputRate: number;
  #port: SerialPort | undefined;
  #silent = false;
  #answerDelayMs = 0;
  #hang: Pending | undefined;
  #fail: Pending | undefined;
  #unplugging: Promise<void> | undefined;
  #unplugDone = true;
  // reader state
  #state: ReadState = 'hunt';
  #label = 0;
  #length = 0;
  #data: number[] = [];

  private constructor(pair: PtyPair, ownsPair: boolean, options: DmxWidgetTwinOptions) {
    super();
    this.pair = pair;
    this.#ownsPair = ownsPair;
    this.#clock = options.clock ?? systemClock;
    this.#serial = options.serial ?? '12345678';
    this.#firmware = options.firmware ?? { major: 1, minor: 44 };
    this.#outputRate = options.outputRate ?? 40;
    if (!/^[0-9]{8}$/.test(this.#serial)) throw new RangeError(`serial "${this.#serial}" is not eight decimal digits`);
  }

  /** Opens the device end of `options.pair` (or of a new pair) and starts answering. */
  static async start(options: DmxWidgetTwinOptions = {}): Promise<DmxWidgetTwin> {
    const pair = options.pair ?? (await PtyPair.open());
    const twin = new DmxWidgetTwin(pair, options.pair === undefined, options);
    await twin.#openPort();
    return twin;
  }

  /** The 512 slot values of the last DMX packet; `[0]` is slot 1. A copy. */
  get slots(): Uint8Array {
    return this.#slots.slice();
  }

  /** One slot, numbered 1–512 as on a fixture's address switch. */
  slot(n: number): number {
    return this.#slots[n - 1] ?? 0;
  }

  requestsSeen(label: number): number {
    return this.#requests.get(label) ?? 0;
  }

  get plugged(): boolean {
    return this.pair.connected;
  }

  // ---- hooks ----

  /** Stop answering requests altogether (frames are still read). */
  goSilent(silent = true): void {
    this.#silent = silent;
  }

  /** Answer every request this long after it arrived, on the twin's clock. */
  setAnswerDelay(ms: number): void {
    this.#answerDelayMs = ms;
  }

  /** Leave the next request (of `label`, or of any label) unanswered. */
  hangNextRequest(label?: number): void {
    this.#hang = { label };
  }

  /**
   * Answer the next request (of `label`, or any) wrongly: `EIO` a well-framed reply with no
   * data (the widget has nothing to give), `EBADMSG` a reply with the wrong data length,
   * `ETIMEDOUT` no reply, `ENODEV` pulls the cable.
   */
  failNextRequest(code: DeviceErrorCode, label?: number): void {
    this.#fail = { label, code };
  }

  /** Writes bytes that are not a valid frame to the driver (default: a mix with stray 0x7E/0xE7 and an impossible length). */
  sendGarbage(bytes: Uint8Array = Uint8Array.of(0x00, 0xff, EOM, SOM, 0x06, 0xff, 0xff, 0x42, 0x13, EOM, 0x10)): void {
    this.sendRaw(bytes);
  }

  sendRaw(bytes: Uint8Array): void {
    this.#port?.write(Buffer.from(bytes));
  }

  /** Another widget from now on (the driver should notice the serial number changed). */
  setSerial(serial: string): void {
    if (!/^[0-9]{8}$/.test(serial)) throw new RangeError(`serial "${serial}" is not eight decimal digits`);
    this.#serial = serial;
  }

  /** Pulls the cable: socat dies, both ends hang up. The widget loses power and forgets its slots. */
  unplug(): Promise<void> {
    this.#unplugDone = false;
    this.#slots.fill(0);
    const port = this.#port;
    this.#port = undefined;
    this.#unplugging = (async () => {
      await this.pair.unplug();
      if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    })().finally(() => {
      this.#unplugDone = true;
    });
    return this.#unplugging;
  }

  /** Plugs the cable back in: a fresh pair under the same names, the twin on its end again. */
  async replug(): Promise<void> {
    await this.#unplugging;
    await this.pair.replug();
    await this.#openPort();
  }

  /**
   * Replug for callers that cannot await (the contract harness's `replug(): void`): returns once
   * the driver's end exists again, so an `open` right after finds the port. The twin opens its
   * own end a moment later; the driver's identify retries cover that gap.
   */
  replugBlocking(limitMs = 5000): void {
    if (!this.#unplugDone) throw new Error('replugBlocking: the unplug has not finished yet');
    const replugged = this.pair.replug().then(() => this.#openPort());
    replugged.catch(() => undefined);
    this.#unplugging = undefined;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + limitMs;
    while (!(existsSync(this.pair.driverPath) && existsSync(this.pair.devicePath))) {
      if (Date.now() > deadline) throw new Error(`replugBlocking: no PTY pair after ${limitMs} ms`);
      Atomics.wait(pause, 0, 0, 5);
    }
  }

  async close(): Promise<void> {
    for (const timer of this.#delayed) timer.cancel();
    this.#delayed.clear();
    const port = this.#port;
    this.#port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    await this.#unplugging?.catch(() => undefined);
    if (this.#ownsPair) await this.pair.close();
  }

  // ---- the widget ----

  async #openPort(): Promise<void> {
    const port = new SerialPort({ path: this.pair.devicePath, baudRate: 115_200, autoOpen: false });
    port.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    this.#state = 'hunt';
    port.on('data', (chunk: Buffer) => {
      for (const byte of chunk) this.#read(byte);
    });
    port.on('close', () => {
      if (this.#port === port) this.#port = undefined;
    });
    this.#port = port;
  }

  #read(byte: number): void {
    switch (this.#state) {
      case 'hunt':
        if (byte === SOM) this.#state = 'label';
        else this.garbageBytes += 1;
        return;
      case 'label':
        this.#label = byte;
        this.#state = 'lengthLow';
        return;
      case 'lengthLow':
        this.#length = byte;
        this.#state = 'lengthHigh';
        return;
      case 'lengthHigh':
        this.#length |= byte << 8;
        if (this.#length > MAX_LENGTH) return this.#bad(`declared length ${this.#length} exceeds ${MAX_LENGTH}`);
        this.#data = [];
        this.#state = this.#length === 0 ? 'end' : 'data';
        return;
      case 'data':
        this.#data.push(byte);
        if (this.#data.length === this.#length) this.#state = 'end';
        return;
      case 'end':
        if (byte !== EOM) {
          this.#bad(`no end-of-message byte after ${this.#length} data bytes`);
          if (byte === SOM) this.#state = 'label';
          return;
        }
        this.#state = 'hunt';
        this.#message(this.#label, Uint8Array.from(this.#data));
    }
  }

  #bad(reason: string): void {
    this.badFrames += 1;
    this.#state = 'hunt';
    this.emit('bad-frame', reason);
  }

  #message(label: number, data: Uint8Array): void {
    if (label === WIDGET_LABEL.sendDmx) return this.#dmx(data);
    if (label === WIDGET_LABEL.setParameters) {
      if (data.length >= 5) [this.#breakTime, this.#mabTime, this.#outputRate] = [data[2] ?? 9, data[3] ?? 1, data[4] ?? 40];
      return;
    }
    if (label !== WIDGET_LABEL.getParameters && label !== WIDGET_LABEL.getSerial) return;
    this.#requests.set(label, this.requestsSeen(label) + 1);
    this.emit('request', label);
    this.#answer(label, data);
  }

  #dmx(data: Uint8Array): void {
    const slots = data.length - 1;
    if (slots < 24 || slots > SLOTS) return this.#bad(`DMX packet of ${slots} slots is outside 24–${SLOTS}`);
    if (data[0] !== 0) {
      this.alternateStartCodeFrames += 1;
      return;
    }
    this.#slots.set(data.subarray(1));
    this.lastFrameSlots = slots;
    this.framesReceived += 1;
    this.frameTimes.push(this.#clock.now());
    if (this.frameTimes.length > KEPT_TIMES) this.frameTimes.shift();
    this.emit('frame', this.slots);
  }

  #answer(label: number, request: Uint8Array): void {
    if (this.#silent) return;
    if (this.#hang && (this.#hang.label === undefined || this.#hang.label === label)) {
      this.#hang = undefined;
      return;
    }
    let reply = label === WIDGET_LABEL.getSerial ? this.#serialReply() : this.#parametersReply(request);
    const fail = this.#fail && (this.#fail.label === undefined || this.#fail.label === label) ? this.#fail.code : undefined;
    if (fail) {
      this.#fail = undefined;
      if (fail === 'ETIMEDOUT') return;
      if (fail === 'ENODEV') return void this.unplug();
      reply = fail === 'EBADMSG' ? reply.subarray(0, 2) : new Uint8Array(0);
    }
    const frame = Buffer.alloc(reply.length + 5);
    frame.set([SOM, label, reply.length & 0xff, reply.length >> 8]);
    frame.set(reply, 4);
    frame[frame.length - 1] = EOM;
    const send = () => {
      this.answersSent += 1;
      this.#port?.write(frame);
    };
    if (this.#answerDelayMs === 0) return send();
    const timer = this.#clock.setTimeout(() => {
      this.#delayed.delete(timer);
      send();
    }, this.#answerDelayMs);
    this.#delayed.add(timer);
  }

  #serialReply(): Uint8Array {
    return Uint8Array.from(Buffer.from(this.#serial, 'hex').reverse());
  }

  #parametersReply(request: Uint8Array): Uint8Array {
    const userConfigSize = Math.min(508, (request[0] ?? 0) | ((request[1] ?? 0) << 8));
    const reply = new Uint8Array(5 + userConfigSize);
    reply.set([this.#firmware.minor, this.#firmware.major, this.#breakTime, this.#mabTime, this.#outputRate]);
    return reply;
  }
}
