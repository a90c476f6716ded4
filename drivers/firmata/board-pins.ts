/**
 * The pins of one board and who uses them. A device claims its pins when it opens (two devices
 * never share a pin: the second gets EBUSY), sets their modes, listens to its inputs and writes
 * its outputs; pin-state queries read back what the board really has.
 */
import type { PinRef } from './config.ts';
import { BoardError } from './errors.ts';
import {
  encodePinStateQuery,
  encodeSetDigitalPinValue,
  encodeSetPinMode,
  modeName,
  PinMode,
  type PinCapability,
  type PinState,
} from './protocol.ts';
import type { FirmataIo } from './vendor.ts';

export type PinUse = 'input' | 'pullup-input' | 'output' | 'pwm' | 'analog';

const USE_MODE: Record<PinUse, number> = {
  input: PinMode.INPUT,
  'pullup-input': PinMode.PULLUP,
  output: PinMode.OUTPUT,
  pwm: PinMode.PWM,
  analog: PinMode.ANALOG,
};

export interface PinsHost {
  write(bytes: Buffer): void;
  io(): FirmataIo;
  capabilities(): PinCapability[];
  analogMapping(): number[];
}

interface Claim {
  owner: string;
  use: PinUse;
}

interface Waiter {
  resolve(state: PinState): void;
  reject(error: unknown): void;
}

export class BoardPins {
  readonly #host: PinsHost;
  readonly #claims = new Map<number, Claim>();
  readonly #digital = new Map<number, (high: boolean) => void>();
  readonly #analog = new Map<number, (raw: number) => void>();
  readonly #safeAfterRestart = new Map<number, boolean>();
  readonly #waiters = new Map<number, Set<Waiter>>();
  #listening: FirmataIo | undefined;

  constructor(host: PinsHost) {
    this.#host = host;
  }

  /** The Firmata pin number of a manifest pin name. */
  resolve(ref: PinRef): number {
    if (typeof ref === 'number') return ref;
    const number = Number(ref.slice(1));
    if (ref.startsWith('D')) return number;
    const pin = this.#host.analogMapping().indexOf(number);
    if (pin < 0) throw new BoardError('ENOTSUP', `the board has no analog channel ${ref}`);
    return pin;
  }

  /** Claims every pin or none: EBUSY when another device has one, ENOTSUP when the board cannot. */
  claim(owner: string, wanted: Array<{ pin: number; use: PinUse; name: string }>): void {
    const capabilities = this.#host.capabilities();
    for (const { pin, use, name } of wanted) {
      const held = this.#claims.get(pin);
      if (held && held.owner !== owner) throw new BoardError('EBUSY', `pin ${pin} (${name}) is already used by ${held.owner}`);
      const modes = capabilities[pin]?.modes;
      if (!modes) throw new BoardError('ENOTSUP', `the board has no pin ${pin} (${name}); it has ${capabilities.length} pins`);
      const mode = USE_MODE[use];
      if (!modes.has(mode)) {
        const offered = [...modes.keys()].map(modeName).join(', ') || 'nothing';
        throw new BoardError('ENOTSUP', `pin ${pin} (${name}) cannot be ${modeName(mode)} on this board (it offers ${offered})`);
      }
    }
    for (const { pin, use } of wanted) this.#claims.set(pin, { owner, use });
  }

  /** Forgets an owner's pins and listeners (the device closed). */
  release(owner: string): void {
    for (const [pin, claim] of this.#claims) {
      if (claim.owner !== owner) continue;
      this.#claims.delete(pin);
      this.#digital.delete(pin);
      this.#safeAfterRestart.delete(pin);
      const channel = this.#host.analogMapping()[pin];
      if (channel !== undefined) this.#analog.delete(channel);
    }
  }

  /** A digital input; `listener` gets every level the board reports (repeats included). */
  input(pin: number, pullUp: boolean, listener: (high: boolean) => void): void {
    const io = this.listen();
    this.#digital.set(pin, listener);
    io.pinMode(pin, pullUp ? PinMode.PULLUP : PinMode.INPUT);
    // Since protocol 2.4 enabling a port's reporting makes the board report it at once.
    io.reportDigitalPin(pin, 1);
  }

  /** An analog input by its pin; `listener` gets raw ADC values every sampling interval. */
  analog(pin: number, listener: (raw: number) => void): void {
    const io = this.listen();
    const channel = this.#host.analogMapping()[pin];
    if (channel === undefined || channel === 127) throw new BoardError('ENOTSUP', `pin ${pin} has no analog channel`);
    this.#analog.set(channel, listener);
    this.#host.write(encodeSetPinMode(pin, PinMode.ANALOG));
    if (io.pins[pin]) io.pins[pin].mode = PinMode.ANALOG;
    io.reportAnalogPin(channel, 1);
  }

  /**
   * A digital output set to `high` in the same burst as its mode (StandardFirmata drives a pin LOW
   * when it becomes an output). `safeAfterRestart` is the level to restore when the board
   * restarts on its own.
   */
  output(pin: number, high: boolean, safeAfterRestart?: boolean): void {
    this.#host.io().pinMode(pin, PinMode.OUTPUT);
    this.writeDigital(pin, high);
    if (safeAfterRestart !== undefined) this.#safeAfterRestart.set(pin, safeAfterRestart);
  }

  pwm(pin: number, duty: number): void {
    this.#host.io().pinMode(pin, PinMode.PWM);
    this.writePwm(pin, duty);
  }

  writeDigital(pin: number, high: boolean): void {
    const io = this.#host.io();
    this.#host.write(encodeSetDigitalPinValue(pin, high));
    if (io.pins[pin]) io.pins[pin].value = high ? 1 : 0;
  }

  writePwm(pin: number, duty: number): void {
    this.#host.io().pwmWrite(pin, duty);
  }

  /** Largest value of a mode on a pin, from the resolution the board announced. */
  maxValue(pin: number, use: 'pwm' | 'analog'): number {
    const bits = this.#host.capabilities()[pin]?.modes.get(USE_MODE[use]) ?? (use === 'pwm' ? 8 : 10);
    return 2 ** bits - 1;
  }

  /** Asks the board for a pin's mode and state; resolves with the next answer for that pin. */
  query(pin: number, signal: AbortSignal): Promise<PinState> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<PinState>((resolve, reject) => {
      const waiters = this.#waiters.get(pin) ?? new Set<Waiter>();
      this.#waiters.set(pin, waiters);
      const onAbort = () => {
        waiters.delete(waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        resolve: (state) => {
          signal.removeEventListener('abort', onAbort);
          resolve(state);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        this.#host.write(encodePinStateQuery(pin));
      } catch (error) {
        waiters.delete(waiter);
        waiter.reject(error);
      }
    });
  }

  /**
   * Reads a pin back until it shows `state` in one of `modes`. A wrong mode is final (the board
   * lost its setup); a stale state may be the answer to an earlier query, so it asks again, up to
   * three times.
   */
  async expect(pin: number, name: string, modes: readonly number[], state: number | undefined, signal: AbortSignal): Promise<PinState> {
    let answer: PinState | undefined;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      answer = await this.query(pin, signal);
      if (answer.mode === -1) throw new BoardError('EIO', `the board answers that it has no pin ${pin} (${name})`);
      if (!modes.includes(answer.mode)) {
        throw new BoardError(
          'EIO',
          `pin ${pin} (${name}) is in ${modeName(answer.mode)} mode on the board, expected ${modes.map(modeName).join(' or ')} (board restarted or reconfigured?)`,
        );
      }
      if (state === undefined || answer.state === state) return answer;
    }
    throw new BoardError('EIO', `pin ${pin} (${name}) reads back ${answer?.state} after ${state} was written`);
  }

  /** A pin-state answer from the board. */
  answer(state: PinState): void {
    const waiters = this.#waiters.get(state.pin);
    if (!waiters) return;
    this.#waiters.delete(state.pin);
    for (const waiter of waiters) waiter.resolve(state);
  }

  /** Enables reporting again for every input port and repeats every unanswered query. */
  resync(): void {
    const io = this.#host.io();
    const ports = new Set<number>();
    for (const pin of this.#digital.keys()) {
      if (ports.has(pin >> 3)) continue;
      ports.add(pin >> 3);
      io.reportDigitalPin(pin, 1);
    }
    for (const pin of this.#waiters.keys()) this.#host.write(encodePinStateQuery(pin));
  }

  /** After an unasked restart every pin is at its power-up default; put unsafe outputs right. */
  writeSafeLevelsAfterRestart(): void {
    for (const [pin, high] of this.#safeAfterRestart) {
      this.#host.write(encodeSetPinMode(pin, PinMode.OUTPUT));
      this.#host.write(encodeSetDigitalPinValue(pin, high));
    }
  }

  /** The board is gone: every waiting query fails, every claim and listener is dropped. */
  abandon(error: BoardError): void {
    for (const waiters of this.#waiters.values()) for (const waiter of waiters) waiter.reject(error);
    this.#waiters.clear();
    this.#claims.clear();
    this.#digital.clear();
    this.#analog.clear();
    this.#safeAfterRestart.clear();
    this.#listening = undefined;
  }

  private listen(): FirmataIo {
    const io = this.#host.io();
    if (this.#listening !== io) {
      this.#listening = io;
      io.on('digital-read', ({ pin, value }: { pin: number; value: number }) => this.#digital.get(pin)?.(value === 1));
      io.on('analog-read', ({ pin, value }: { pin: number; value: number }) => this.#analog.get(pin)?.(value));
    }
    return io;
  }
}
