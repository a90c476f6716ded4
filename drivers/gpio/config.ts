/**
 * Pieces of `props` shared by the `gpio,*` compatibles: how a line is named and wired (active
 * level, bias, debounce), the settings of the device's watch, and the chip from the manifest bus.
 */
import { z } from 'zod';

/** A line offset on the chip (`gpioinfo` lists them). */
export const lineOffset = z.number().int().min(0).max(1023);

/** The chip's own pull resistor; `as-is` (the default) leaves it as the firmware set it. Needs kernel ≥ 5.5. */
export const lineBias = z.enum(['as-is', 'disable', 'pull-up', 'pull-down']);

/**
 * How a debounced input reports (as for the Firmata inputs). `leading`: the first edge is
 * reported at once, then the input is deaf for `debounceMs` — for inputs whose activation must act
 * fast (exit button, fire alarm). `settle`: a change is reported once the level has held for
 * `debounceMs` — for inputs where a glitch must not count (door contact, PIR, tamper).
 */
export const debounceMode = z.enum(['leading', 'settle']);

export interface InputDefaults {
  debounce: z.infer<typeof debounceMode>;
  debounceMs: number;
}

/** An input line. "Active" means what the input is about: pressed, open, alarm, motion, engaged. */
export function lineInput(defaults: InputDefaults) {
  return z
    .object({
      line: lineOffset,
      /** Active is the LOW level (a contact to ground with a pull-up); libgpiod applies it. */
      activeLow: z.boolean().default(false),
      bias: lineBias.default('as-is'),
      debounceMs: z.number().int().min(0).max(2000).default(defaults.debounceMs),
      debounce: debounceMode.default(defaults.debounce),
    })
    .strict();
}
export type LineInputSpec = z.infer<ReturnType<typeof lineInput>>;

/** An output line; `activeLow`: driving the pin LOW switches the load on. */
export const lineOutput = z
  .object({
    line: lineOffset,
    activeLow: z.boolean().default(false),
  })
  .strict();
export type LineOutputSpec = z.infer<typeof lineOutput>;

/** The device's background work, shared by the `gpio,*` compatibles. */
export const gpioWatchSettings = {
  /**
   * Every this often the device reads its lines back: a chip that went away is found (ENODEV →
   * `lost`) even with no edge to report, and an edge the kernel dropped is caught up.
   */
  watchMs: z.number().int().min(20).max(60_000).default(500),
};

/** Adds an issue for every line named twice in one device's props. */
export function checkDistinctLines(lines: Array<[path: (string | number)[], line: number]>, context: z.RefinementCtx): void {
  const seen = new Map<number, string>();
  for (const [path, line] of lines) {
    const first = seen.get(line);
    if (first === undefined) seen.set(line, path.join('.'));
    else context.addIssue({ code: 'custom', path, message: `line ${line} is already used by ${first}` });
  }
}

/** The chip of a manifest bus; a GPIO device lives on nothing else. */
export function gpioChipOf(bus: { type: string; chip?: string }, deviceId: string): string {
  if (bus.type !== 'gpio' || !bus.chip) throw new Error(`${deviceId}: a GPIO device needs bus { type: gpio, chip }, not "${bus.type}"`);
  return bus.chip;
}
