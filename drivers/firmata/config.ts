/**
 * Pieces of `props` shared by the Firmata compatibles: how a pin is named, how an input is
 * wired (active level, pull-up, debounce), and the settings of the shared board connection.
 */
import { z } from 'zod';

/** A Firmata pin number (7), a digital pin name ("D7") or an analog channel ("A0", resolved on the board). */
export const pinRef = z.union([
  z.number().int().min(0).max(127),
  z.string().regex(/^(D\d{1,3}|A\d{1,2})$/, 'expected a pin number, "D<n>" or "A<n>"'),
]);
export type PinRef = z.infer<typeof pinRef>;

/**
 * How a debounced input reports. `leading`: the first edge is reported at once and the input is
 * then deaf for `debounceMs` (the contact bounce), for inputs whose activation must act fast
 * (exit button, fire alarm). `settle`: a change is reported once the level has held for
 * `debounceMs`, for inputs where a glitch must not count (door contact, PIR, tamper).
 */
export const debounceMode = z.enum(['leading', 'settle']);
export type DebounceMode = z.infer<typeof debounceMode>;

export interface InputDefaults {
  debounce: DebounceMode;
  debounceMs?: number;
}

/** A digital input. "Active" means what the input is about: pressed, open, alarm, motion. */
export function inputSpec(defaults: InputDefaults) {
  return z
    .object({
      pin: pinRef,
      /** The input is active when the pin reads LOW (a contact to ground with a pull-up). */
      activeLow: z.boolean().default(false),
      /** Use the board's internal pull-up (Firmata PULLUP mode) instead of plain INPUT. */
      pullUp: z.boolean().default(false),
      debounceMs: z.number().int().min(0).max(2000).default(defaults.debounceMs ?? 20),
      debounce: debounceMode.default(defaults.debounce),
    })
    .strict();
}
export type InputSpec = z.infer<ReturnType<typeof inputSpec>>;

/** A digital output; `activeLow`: driving the pin LOW switches the load on. */
export const outputSpec = z
  .object({
    pin: pinRef,
    activeLow: z.boolean().default(false),
  })
  .strict();
export type OutputSpec = z.infer<typeof outputSpec>;

/**
 * Settings of the one connection every device on the same serial path shares. The first device
 * to open the board sets them; a device asking for different ones is refused (EBUSY).
 */
export const boardSettings = z
  .object({
    /** A REPORT_VERSION query every this often proves the firmware is alive. */
    heartbeatMs: z.number().int().min(20).max(60_000).default(1000),
    /** No answer to the heartbeat within this: the board is lost. */
    heartbeatTimeoutMs: z.number().int().min(20).max(120_000).default(2500),
    /** Analog inputs are reported this often (Firmata SAMPLING_INTERVAL). */
    samplingIntervalMs: z.number().int().min(10).max(10_000).default(100),
  })
  .strict()
  .refine((settings) => settings.heartbeatTimeoutMs > settings.heartbeatMs, {
    message: 'heartbeatTimeoutMs must be longer than heartbeatMs',
    path: ['heartbeatTimeoutMs'],
  });
export type BoardSettings = z.infer<typeof boardSettings>;

export const DEFAULT_BOARD_SETTINGS: BoardSettings = boardSettings.parse({});

/** Adds an issue for every pin named twice in one device's props. */
export function checkDistinctPins(pins: Array<[path: (string | number)[], pin: PinRef]>, context: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  for (const [path, pin] of pins) {
    const key = typeof pin === 'number' ? `D${pin}` : pin;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, path.join('.'));
    else context.addIssue({ code: 'custom', path, message: `pin ${key} is already used by ${first}` });
  }
}

/** The serial port of a manifest bus; a Firmata board lives on nothing else. */
export function serialTarget(bus: { type: string; path?: string; baudRate?: number }, deviceId: string): { path: string; baudRate: number } {
  if (bus.type !== 'serial' || !bus.path) throw new Error(`${deviceId}: a Firmata board needs a serial bus with a path, not "${bus.type}"`);
  return { path: bus.path, baudRate: bus.baudRate ?? 57_600 };
}
