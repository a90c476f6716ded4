/**
 * One Firmata board on one serial port, shared by every HAL device wired to it (see
 * board-registry.ts). It opens the port (serialport 13), runs the handshake through firmata-io
 * (version, firmware, capabilities, analog mapping) with johnny-five's Board as the headless
 * owner of that IO — no REPL, no SIGINT handler, no debug output, and taken out of
 * johnny-five's module-wide board list when closed — and then keeps proving the firmware is
 * alive with a REPORT_VERSION heartbeat.
 *
 * It is lost (every device on it with it) when the port closes under it, the heartbeat goes
 * unanswered, or the board announces a restart. Garbage on the line is counted, reported and
 * answered by re-reading the inputs. Outputs are written one pin at a time (SET_DIGITAL_PIN_VALUE)
 * so that no write touches another device's pins.
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import type { BoardSettings } from './config.ts';
import { BoardError, openErrorCode, openErrorMessage } from './errors.ts';
import { BoardPins } from './board-pins.ts';
import {
  decodeAnalogMapping,
  decodeCapabilities,
  decodeFirmware,
  decodePinState,
  decodeString,
  encodeCapabilityQuery,
  encodeAnalogMappingQuery,
  encodeFirmwareQuery,
  encodeVersionQuery,
  MIN_PROTOCOL,
  REPORT_VERSION,
  START_SYSEX,
  type PinCapability,
} from './protocol.ts';
import { LinkWatch } from './link-watch.ts';
import { GuardedTransport } from './transport.ts';
import { raceAbort, withLimit } from './waits.ts';
import { loadFirmataVendor, type FiveBoard, type FirmataIo } from './vendor.ts';

export interface BoardTarget {
  path: string;
  baudRate: number;
}

export interface BoardIdentity {
  firmwareName: string;
  firmwareVersion: string;
  protocolVersion: string;
  pinCount: number;
}

export type BoardState = 'idle' | 'connecting' | 'ready' | 'lost' | 'closed';

export interface BoardEvents {
  lost: [error: BoardError];
  /** Bytes that were not Firmata, at most once per second (the count since the last report). */
  garbage: [bytes: number, reason: string];
}

/** Handshake queries lost on the way (a board still booting) are asked again this often. */
const HANDSHAKE_RETRY_MS = 200;
const DRAIN_LIMIT_MS = 500;

interface SerialPortLike {
  readonly isOpen: boolean;
  open(callback: (error: Error | null) => void): void;
  close(callback?: (error: Error | null) => void): void;
  drain(callback?: (error: Error | null) => void): void;
  write(data: Buffer, callback?: (error?: Error | null) => void): boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
}

export class FirmataBoard extends EventEmitter<BoardEvents> {
  readonly target: BoardTarget;
  readonly settings: BoardSettings;
  readonly pins: BoardPins;
  readonly #clock: Clock;
  #state: BoardState = 'idle';
  readonly #after: Promise<void>;
  #closed: Promise<void> = Promise.resolve();
  #attempt: Promise<void> | undefined;
  #stop = new AbortController();
  #port: SerialPortLike | undefined;
  #transport: GuardedTransport | undefined;
  #io: FirmataIo | undefined;
  #five: FiveBoard | undefined;
  #identity: BoardIdentity | undefined;
  #capabilities: PinCapability[] = [];
  #analogMapping: number[] = [];
  #handshake = { version: false, firmware: false, capabilities: false, mapping: false };
  #handshakeFailed: ((error: BoardError) => void) | undefined;
  #retryTimer: TimerHandle | undefined;
  readonly #link: LinkWatch;
  #boardMessages: string[] = [];

  /**
   * `after`: the previous board on this path still closing; the port is opened once it has let go
   * (its lock on the port would refuse this one with EBUSY).
   */
  constructor(target: BoardTarget, settings: BoardSettings, clock: Clock, after: Promise<void> = Promise.resolve()) {
    super();
    this.target = target;
    this.settings = settings;
    this.#clock = clock;
    this.#after = after;
    this.pins = new BoardPins({
      write: (bytes) => this.write(bytes),
      io: () => this.io(),
      capabilities: () => this.#capabilities,
      analogMapping: () => this.#analogMapping,
    });
    this.#link = new LinkWatch(clock, settings, {
      sendHeartbeat: () => this.sendFromTimer(() => this.write(encodeVersionQuery())),
      resync: () => void this.sendFromTimer(() => this.pins.resync()),
      silent: (reason) => this.lose(reason),
      garbage: (bytes, reason) => {
        if (this.#state === 'ready') this.emit('garbage', bytes, reason);
      },
    });
  }

  get state(): BoardState {
    return this.#state;
  }

  get identity(): BoardIdentity | undefined {
    return this.#identity;
  }

  /** Link facts for health reports. */
  health(): Record<string, string | number | boolean> {
    return {
      link: this.#state === 'ready' ? 'up' : 'down',
      port: this.target.path,
      ...(this.#identity ? { firmware: `${this.#identity.firmwareName} ${this.#identity.firmwareVersion}` } : {}),
      ...this.#link.health(),
      ...(this.#boardMessages.length > 0 ? { boardSays: this.#boardMessages.at(-1)! } : {}),
    };
  }

  /** Resolves once the port is closed after the board was lost or closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** True while the heartbeat is answered in time. */
  get alive(): boolean {
    return this.#state === 'ready' && this.#link.alive;
  }

  /**
   * Connects, or joins the connection in progress. `signal` only ends this caller's wait: the
   * attempt goes on for the other devices and stops when the last one lets go (`close`).
   */
  async connect(signal: AbortSignal): Promise<void> {
    if (this.#state === 'ready') return;
    if (this.#state === 'lost' || this.#state === 'closed') throw new BoardError('ENODEV', `board on ${this.target.path} is ${this.#state}`);
    if (!this.#attempt) {
      this.#attempt = this.attempt();
      this.#attempt.catch(() => undefined); // every waiter gets the error; nobody waiting is fine too
    }
    await raceAbort(this.#attempt, signal);
  }

  /** Writes what is queued, closes the port. Never throws. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasReady = this.#state === 'ready';
    this.#state = 'closed';
    this.#stop.abort(new BoardError('ENODEV', `board on ${this.target.path} closed`));
    this.#closed = this.teardown(wasReady);
    await this.#closed;
  }

  /** Writes raw bytes; ENODEV when the board is not connected. */
  write(bytes: Buffer): void {
    if (this.#state !== 'ready' && this.#state !== 'connecting') throw new BoardError('ENODEV', `board on ${this.target.path} is ${this.#state}`);
    if (!this.#port?.isOpen) throw new BoardError('ENODEV', `serial port ${this.target.path} is not open`);
    this.#port.write(bytes, () => undefined);
  }

  /** The firmata-io instance, once the handshake is done. */
  io(): FirmataIo {
    if (this.#state !== 'ready' || !this.#io) throw new BoardError('ENODEV', `board on ${this.target.path} is ${this.#state}`);
    return this.#io;
  }

  private async attempt(): Promise<void> {
    this.#state = 'connecting';
    const stop = this.#stop.signal;
    try {
      await raceAbort(this.#after, stop);
      await this.openPort(stop);
      await this.handshake(stop);
      await this.adopt(stop);
      if (this.#state !== 'connecting') throw stop.reason;
      this.#state = 'ready';
      this.#link.start();
    } catch (error) {
      if (this.#state === 'connecting') {
        this.#state = 'closed';
        this.#closed = this.teardown(false);
        await this.#closed;
      }
      throw error;
    }
  }

  private async openPort(stop: AbortSignal): Promise<void> {
    const { SerialPort } = await import('serialport');
    stop.throwIfAborted();
    const port = new SerialPort({ path: this.target.path, baudRate: this.target.baudRate, autoOpen: false }) as unknown as SerialPortLike;
    this.#port = port;
    port.on('error', (error: Error) => this.lose(`serial port error: ${error.message}`));
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (this.#state === 'ready' || this.#state === 'connecting') this.lose(error?.disconnected ? 'serial port disconnected (unplugged)' : 'serial port closed');
    });
    await new Promise<void>((resolve, reject) =>
      port.open((error) => (error ? reject(new BoardError(openErrorCode(error), openErrorMessage(this.target.path, error), { cause: error })) : resolve())),
    );
    stop.throwIfAborted();
  }

  private async handshake(stop: AbortSignal): Promise<void> {
    const { Firmata } = loadFirmataVendor();
    const transport = new GuardedTransport(this.#port as never, {
      frame: (frame) => this.onFrame(frame),
      garbage: (bytes, reason) => this.#link.garbage(bytes, reason),
    });
    this.#transport = transport;
    // firmata-io's own "ask after a while" timer is parked: the retry below asks at once and again.
    const io = new Firmata(transport, { reportVersionTimeout: 24 * 3600 * 1000, samplingInterval: this.settings.samplingIntervalMs });
    this.#io = io;
    transport.attachParser(io);
    io.on('error', (error: Error) => this.lose(`firmata: ${error.message}`));
    const ready = new Promise<void>((resolve, reject) => {
      io.once('ready', () => resolve());
      this.#handshakeFailed = reject;
    });
    this.askHandshake();
    try {
      await raceAbort(ready, stop);
    } finally {
      this.#retryTimer?.cancel();
      this.#retryTimer = undefined;
      this.#handshakeFailed = undefined;
    }
    transport.handshakeDone();
  }

  /** Sends the query of the handshake step not answered yet, and again after HANDSHAKE_RETRY_MS. */
  private askHandshake(): void {
    const step = this.#handshake;
    const sent = this.sendFromTimer(() => {
      if (!step.version) {
        this.write(encodeVersionQuery());
        this.write(encodeFirmwareQuery());
      } else if (!step.firmware) this.write(encodeFirmwareQuery());
      else if (!step.capabilities) this.write(encodeCapabilityQuery());
      else if (!step.mapping) this.write(encodeAnalogMappingQuery());
    });
    if (sent) this.#retryTimer = this.#clock.setTimeout(() => this.askHandshake(), HANDSHAKE_RETRY_MS);
  }

  /**
   * Writes from a timer: the port may have closed before its `close` event came. Nothing may throw
   * out of a timer (it would end boothd), so a failed write loses the board instead.
   */
  private sendFromTimer(send: () => void): boolean {
    try {
      send();
      return true;
    } catch (error) {
      this.lose(`write failed: ${(error as Error).message}`);
      return false;
    }
  }

  /** johnny-five's Board takes the ready IO; it emits its own `ready` on the next tick. */
  private async adopt(stop: AbortSignal): Promise<void> {
    const { Board } = loadFirmataVendor();
    const io = this.#io!;
    const five = new Board({ io, id: `firmata:${this.target.path}`, repl: false, debug: false, sigint: false });
    this.#five = five;
    // johnny-five re-emits IO errors on the board; an unheard `error` event would throw.
    five.on('error', (error: Error) => this.lose(`johnny-five: ${error?.message ?? error}`));
    await raceAbort(new Promise<void>((resolve) => five.once('ready', () => resolve())), stop);
    const firmware = io.firmware;
    this.#identity = {
      firmwareName: firmware.name || 'unnamed firmware',
      firmwareVersion: firmware.version ? `${firmware.version.major}.${firmware.version.minor}` : '?',
      protocolVersion: `${io.version.major}.${io.version.minor}`,
      pinCount: this.#capabilities.length,
    };
  }

  /** Sees every whole message before firmata-io; returns whether firmata-io should see it too. */
  private onFrame(frame: Buffer): boolean {
    if (frame[0] === REPORT_VERSION) {
      const major = frame[1]!;
      const minor = frame[2]!;
      if (major !== MIN_PROTOCOL.major || minor < MIN_PROTOCOL.minor) {
        const error = new BoardError(
          'ENOTSUP',
          `board on ${this.target.path} speaks Firmata protocol ${major}.${minor}; this driver needs ${MIN_PROTOCOL.major}.${MIN_PROTOCOL.minor} or newer (StandardFirmata 2.5+)`,
        );
        if (this.#state === 'connecting') this.#handshakeFailed?.(error);
        else this.lose(error.message, 'ENOTSUP');
        return false;
      }
      this.#handshake.version = true;
      this.#link.answered();
      return true;
    }
    if (frame[0] !== START_SYSEX) return true;
    const pinState = decodePinState(frame);
    if (pinState) {
      this.pins.answer(pinState);
      return true;
    }
    if (decodeFirmware(frame)) {
      if (this.#state === 'ready') {
        this.restarted();
        return false;
      }
      if (this.#handshake.version) this.#handshake.firmware = true;
      return true;
    }
    const capabilities = decodeCapabilities(frame);
    if (capabilities) {
      if (!this.#handshake.capabilities && this.#handshake.firmware) {
        this.#capabilities = capabilities;
        this.#handshake.capabilities = true;
      }
      return true;
    }
    const mapping = decodeAnalogMapping(frame);
    if (mapping) {
      if (!this.#handshake.mapping && this.#handshake.capabilities) {
        this.#analogMapping = mapping;
        this.#handshake.mapping = true;
      }
      return true;
    }
    const text = decodeString(frame);
    if (text !== undefined) this.#boardMessages = [...this.#boardMessages.slice(-9), text];
    return true;
  }

  /**
   * The board sent its firmware report unasked: it restarted and every pin is back at its power-up
   * default. Outputs that are unsafe at that default (an active-low lock relay is energised by the
   * LOW StandardFirmata drives after a reset) get their safe level at once, then the board is lost
   * so every device sets itself up again.
   */
  private restarted(): void {
    try {
      this.pins.writeSafeLevelsAfterRestart();
    } catch {
      // the port closed meanwhile: an unplugged board leaves its outputs unpowered anyway
    }
    // Drained before the port closes, so the safe levels reach the board.
    this.lose('board restarted by itself (power dip, brown-out or watchdog): its pin setup is gone', 'ENODEV', true);
  }

  /** The board went away: everything on it is lost. */
  private lose(reason: string, code: BoardError['code'] = 'ENODEV', drain = false): void {
    const error = new BoardError(code, `board on ${this.target.path}: ${reason}`);
    if (this.#state === 'connecting') {
      this.#handshakeFailed?.(error);
      this.#stop.abort(error);
      return;
    }
    if (this.#state !== 'ready') return;
    this.#state = 'lost';
    this.#stop.abort(error);
    this.#closed = this.teardown(drain);
    this.emit('lost', error);
  }

  /** Stops timers, lets go of johnny-five and firmata-io, closes the port. */
  private async teardown(drain: boolean): Promise<void> {
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    this.#link.stop();
    this.pins.abandon(new BoardError('ENODEV', `board on ${this.target.path} is ${this.#state}`));
    const io = this.#io;
    if (io) {
      clearTimeout(io.reportVersionTimeoutId);
      io.removeAllListeners();
      io.on('error', () => undefined);
    }
    const five = this.#five;
    if (five) {
      // No global board: johnny-five keeps every Board in a module-wide list, which would keep
      // this one alive and make it the default of any component created without a board.
      const cache = loadFirmataVendor().Board.cache;
      const index = cache.indexOf(five);
      if (index >= 0) cache.splice(index, 1);
      five.removeAllListeners();
      five.on('error', () => undefined);
    }
    this.#five = undefined;
    this.#io = undefined;
    this.#transport?.removeAllListeners();
    this.#transport = undefined;
    const port = this.#port;
    this.#port = undefined;
    if (!port) return;
    port.removeAllListeners('close');
    port.removeAllListeners('data');
    if (!port.isOpen) return;
    if (drain) await withLimit(new Promise<void>((resolve) => port.drain(() => resolve())), DRAIN_LIMIT_MS);
    await withLimit(new Promise<void>((resolve) => port.close(() => resolve())), DRAIN_LIMIT_MS);
  }
}
