/**
 * The serial link to one widget: opens the port, splits what the widget sends into messages,
 * matches replies to requests by label, and writes DMX frames one at a time (latest wins).
 * It knows the framing, not lighting; the driver (index.ts) decides what to send.
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import { DmxLinkError, openFailure } from './errors.ts';
import {
  encodeMessage,
  LABEL_GET_PARAMETERS,
  LABEL_GET_SERIAL,
  UsbProDecoder,
  type DecodeResult,
  type UsbProMessage,
} from './protocol.ts';

export interface SerialTarget {
  path: string;
  baudRate: number;
}

export interface LinkStats {
  framesSent: number;
  writeErrors: number;
  /** Clock time of the last write the OS accepted; 0 before the first. */
  lastWriteAt: number;
  /** Clock time of the last reply that matched a request; 0 before the first. */
  lastAnswerAt: number;
  garbageBytes: number;
  badFrames: number;
  /** Replies that came after their request had given up (a slow widget). */
  lateAnswers: number;
  /** Messages the widget sent on its own (e.g. received-DMX packets), ignored. */
  unsolicited: number;
}

export interface LinkEvents {
  /** The port closed under us (cable pulled, USB reset). Emitted once. */
  lost: [reason: string];
  /** The widget sent bytes that are not a valid frame. */
  garbage: [report: DecodeResult];
}

interface Waiter {
  resolve: (data: Buffer) => void;
  reject: (error: unknown) => void;
}

export class UsbProLink extends EventEmitter<LinkEvents> {
  readonly stats: LinkStats = emptyStats();
  readonly #clock: Clock;
  readonly #target: SerialTarget;
  readonly #interByteTimeoutMs: number;
  readonly #decoder = new UsbProDecoder();
  readonly #waiters = new Map<number, Set<Waiter>>();
  #port: SerialPort | undefined;
  #closing = false;
  #partialTimer: TimerHandle | undefined;
  #frameWriting = false;
  #frameQueued: { render: () => Buffer; waiters: Waiter[] } | undefined;

  constructor(clock: Clock, target: SerialTarget, interByteTimeoutMs: number) {
    super();
    this.#clock = clock;
    this.#target = target;
    this.#interByteTimeoutMs = interByteTimeoutMs;
  }

  get isOpen(): boolean {
    return this.#port?.isOpen === true && !this.#closing;
  }

  async open(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const port = new SerialPort({ path: this.#target.path, baudRate: this.#target.baudRate, autoOpen: false });
    // An 'error' event without a listener would crash the process; failures reach callers through callbacks.
    port.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(openFailure(this.#target.path, error)) : resolve())));
    if (signal.aborted) {
      await closePort(port);
      signal.throwIfAborted();
    }
    this.#port = port;
    port.on('data', (chunk: Buffer) => this.#onData(chunk));
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (this.#closing) return;
      const reason = error?.disconnected ? 'serial port disconnected' : `serial port closed${error ? `: ${error.message}` : ''}`;
      this.#shutDown(new DmxLinkError('ENODEV', reason));
      this.emit('lost', reason);
    });
  }

  /**
   * Sends `label` with `data` and resolves with the data of the next message with the same label.
   * Every request waiting for that label gets the same reply (they asked the same question).
   * With `resendEveryMs` the request is repeated until answered (used while identifying).
   */
  request(label: number, data: Uint8Array, signal: AbortSignal, resendEveryMs?: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      let resend: TimerHandle | undefined;
      const waiter: Waiter = {
        resolve: (reply) => finish(() => resolve(reply)),
        reject: (error) => finish(() => reject(error)),
      };
      const onAbort = () => waiter.reject(signal.reason);
      const finish = (settle: () => void) => {
        resend?.cancel();
        signal.removeEventListener('abort', onAbort);
        this.#waiters.get(label)?.delete(waiter);
        settle();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const waiting = this.#waiters.get(label) ?? new Set<Waiter>();
      waiting.add(waiter);
      this.#waiters.set(label, waiting);
      const message = encodeMessage(label, data);
      const send = () => {
        this.#write(message).catch((error: unknown) => waiter.reject(error));
        if (resendEveryMs !== undefined) resend = this.#clock.setTimeout(send, resendEveryMs);
      };
      send();
    });
  }

  /**
   * Writes one DMX frame. `render` is called when the frame actually goes out, so a frame asked
   * for while another is being written carries the newest levels, and several such requests
   * share one write. Resolves when the OS accepted the frame.
   */
  sendFrame(render: () => Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve: () => resolve(), reject };
      if (this.#frameWriting) {
        this.#frameQueued ??= { render, waiters: [] };
        this.#frameQueued.render = render;
        this.#frameQueued.waiters.push(waiter);
        return;
      }
      this.#writeFrame(render, [waiter]);
    });
  }

  async close(): Promise<void> {
    const port = this.#port;
    this.#shutDown(new DmxLinkError('ENODEV', 'link closed'));
    if (port) await closePort(port);
  }

  #writeFrame(render: () => Buffer, waiters: Waiter[]): void {
    this.#frameWriting = true;
    this.#write(render()).then(
      () => {
        this.stats.framesSent += 1;
        for (const waiter of waiters) waiter.resolve(Buffer.alloc(0));
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    ).finally(() => {
      this.#frameWriting = false;
      const next = this.#frameQueued;
      this.#frameQueued = undefined;
      if (next) this.#writeFrame(next.render, next.waiters);
    });
  }

  #write(bytes: Buffer): Promise<void> {
    const port = this.#port;
    if (!port || !this.isOpen) return Promise.reject(new DmxLinkError('ENODEV', 'serial port is not open'));
    return new Promise<void>((resolve, reject) => {
      port.write(bytes, (error) => {
        if (error) {
          this.stats.writeErrors += 1;
          reject(new DmxLinkError(this.isOpen ? 'EIO' : 'ENODEV', `write failed: ${error.message}`, { cause: error }));
          return;
        }
        this.stats.lastWriteAt = this.#clock.now();
        resolve();
      });
    });
  }

  #onData(chunk: Buffer): void {
    this.#partialTimer?.cancel();
    this.#partialTimer = undefined;
    this.#handle(this.#decoder.push(chunk));
  }

  #handle(result: DecodeResult): void {
    if (result.garbageBytes > 0 || result.badFrames.length > 0) {
      this.stats.garbageBytes += result.garbageBytes;
      this.stats.badFrames += result.badFrames.length;
      this.emit('garbage', result);
    }
    for (const message of result.messages) this.#dispatch(message);
    if (this.#decoder.pendingBytes > 0 && !this.#closing) {
      this.#partialTimer = this.#clock.setTimeout(() => {
        this.#partialTimer = undefined;
        this.#handle(this.#decoder.abandonPartial());
      }, this.#interByteTimeoutMs);
    }
  }

  #dispatch(message: UsbProMessage): void {
    const waiting = this.#waiters.get(message.label);
    if (!waiting || waiting.size === 0) {
      if (message.label === LABEL_GET_PARAMETERS || message.label === LABEL_GET_SERIAL) this.stats.lateAnswers += 1;
      else this.stats.unsolicited += 1;
      return;
    }
    this.stats.lastAnswerAt = this.#clock.now();
    for (const waiter of [...waiting]) waiter.resolve(message.data);
  }

  #shutDown(reason: DmxLinkError): void {
    this.#closing = true;
    this.#partialTimer?.cancel();
    this.#partialTimer = undefined;
    for (const waiting of this.#waiters.values()) for (const waiter of [...waiting]) waiter.reject(reason);
    this.#waiters.clear();
    const queued = this.#frameQueued;
    this.#frameQueued = undefined;
    for (const waiter of queued?.waiters ?? []) waiter.reject(reason);
  }
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

/** Zeroed counters. */
export function emptyStats(): LinkStats {
  return { framesSent: 0, writeErrors: 0, lastWriteAt: 0, lastAnswerAt: 0, garbageBytes: 0, badFrames: 0, lateAnswers: 0, unsolicited: 0 };
}

/** Adds `from`'s counters to `into` (timestamps: the later one). */
export function addStats(into: LinkStats, from: LinkStats): void {
  into.framesSent += from.framesSent;
  into.writeErrors += from.writeErrors;
  into.garbageBytes += from.garbageBytes;
  into.badFrames += from.badFrames;
  into.lateAnswers += from.lateAnswers;
  into.unsolicited += from.unsolicited;
  into.lastWriteAt = Math.max(into.lastWriteAt, from.lastWriteAt);
  into.lastAnswerAt = Math.max(into.lastAnswerAt, from.lastAnswerAt);
}
