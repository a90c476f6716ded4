/**
 * johnny-five and firmata-io, loaded on first use (johnny-five alone takes ~45 ms to load, which
 * a booth without a Firmata board should not pay at start-up), with the small typed surface this
 * driver uses. Neither package ships types.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

/** firmata-io's Firmata board (the IO plugin johnny-five drives). */
export interface FirmataIo extends EventEmitter {
  isReady: boolean;
  pins: Array<{ supportedModes: number[]; mode?: number; value?: number; state?: number; analogChannel?: number; report?: number }>;
  analogPins: number[];
  version: { major?: number; minor?: number };
  firmware: { name?: string; version?: { major: number; minor: number } };
  buffer: number[];
  RESOLUTION: { ADC: number | null; PWM: number | null };
  reportVersionTimeoutId: ReturnType<typeof setTimeout> | undefined;
  pinMode(pin: number, mode: number): void;
  reportDigitalPin(pin: number, value: 0 | 1): void;
  reportAnalogPin(channel: number, value: 0 | 1): void;
  pwmWrite(pin: number, value: number): void;
  queryCapabilities(callback: () => void): void;
  queryAnalogMapping(callback: () => void): void;
  setSamplingInterval(ms: number): void;
}

export interface FirmataIoConstructor {
  new (transport: EventEmitter, options: { reportVersionTimeout: number; samplingInterval?: number }): FirmataIo;
}

/** johnny-five's Board, used only as the headless owner of the IO plugin. */
export interface FiveBoard extends EventEmitter {
  readonly id: string;
  readonly isReady: boolean;
  readonly io: FirmataIo;
  readonly repl: unknown;
}

export interface FiveBoardConstructor {
  new (options: { io: FirmataIo; id: string; repl: false; debug: false; sigint: false; timeout?: number }): FiveBoard;
  /** johnny-five's module-wide list of every Board ever made; components use its first entry by default. */
  readonly cache: FiveBoard[];
}

export interface FirmataVendor {
  Firmata: FirmataIoConstructor;
  Board: FiveBoardConstructor;
}

/** The two packages; Node's module cache makes every call after the first cheap. */
export function loadFirmataVendor(): FirmataVendor {
  const require = createRequire(import.meta.url);
  const { Firmata } = require('firmata-io') as { Firmata: FirmataIoConstructor };
  const { Board } = require('johnny-five') as { Board: FiveBoardConstructor };
  return { Firmata, Board };
}
