/**
 * What the GPIO drivers need of the Linux GPIO character device, and nothing more: open a chip,
 * request a line as an output, an input or an edge-event input (with a consumer name and the
 * active-low flag), read and drive it, wait for edges with a timeout, release, close. The TSDoc
 * here is the contract; `libgpiod.ts` implements it over libgpiod's v1 API through koffi, and the
 * tests implement it with an in-process fake chip (tests/support/fake-gpio-chip.ts). The drivers
 * see only this file, never koffi.
 *
 * Values are LOGICAL everywhere: `true` is the line's active level. A line requested with
 * `activeLow` is active when the pin is LOW; the kernel applies the inversion (libgpiod's
 * GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW), for values read, values written and the edge events.
 *
 * Failures throw (or reject with) {@link GpioError}, whose `code` is the HAL code:
 * `ENODEV` the chip is not there or went away, `EBUSY` the line is held by another consumer,
 * `ENOTSUP` the chip or kernel cannot do what was asked (offset beyond the chip, bias flags on an
 * old kernel, libgpiod missing), `EIO` anything else the kernel reported.
 */
import type { GpioError } from './errors.ts';

export type LineBias = 'as-is' | 'disable' | 'pull-up' | 'pull-down';

export interface LineRequest {
  /** Shown by `gpioinfo` as the line's user; the drivers use "boothd:<device id>". */
  consumer: string;
  /** Active (logical `true`) is the LOW level of the pin. */
  activeLow: boolean;
  /** The chip's own pull resistor (kernel ≥ 5.5); `as-is` leaves it as firmware set it. */
  bias?: LineBias;
}

export interface OutputRequest extends LineRequest {
  /** The logical value the line takes at the moment it is requested. */
  initial: boolean;
}

/** One edge as the kernel reported it. */
export interface GpioEdgeEvent {
  offset: number;
  /**
   * The logical level the line went to: `true` for a GPIOD_LINE_EVENT_RISING_EDGE (to active),
   * `false` for a falling one. With both edges requested the kernel samples the level after the
   * edge, so a bouncing contact may give two events of the same kind in a row.
   */
  active: boolean;
  /** The kernel's timestamp of the edge, in nanoseconds. */
  timestampNs: bigint;
}

export interface GpioLine {
  readonly offset: number;
  /**
   * Reads the line's logical value. Runs off the event loop (a chip behind I2C or USB may take
   * milliseconds, a wedged bus forever); rejects with a {@link GpioError}.
   */
  read(): Promise<boolean>;
  /**
   * Drives an output line, synchronously: a fail-safe release must never wait in a queue behind
   * other work. Throws a {@link GpioError}.
   */
  write(active: boolean): void;
  /**
   * Gives the line back to the kernel. Never throws. When a call on the line is still running the
   * release happens after it returns (the line's file descriptor stays valid while in use).
   */
  release(): void;
}

export interface GpioChip {
  /** The kernel's name of the chip, e.g. "gpiochip0". */
  readonly name: string;
  /** The chip's label, e.g. "INT34C6:00" or "gpio-sim.0-node0". */
  readonly label: string;
  readonly lineCount: number;
  /** What answers, e.g. "libgpiod 1.6.3". */
  readonly library: string;
  /** Requests an output line; it takes `initial` at once. */
  requestOutput(offset: number, request: OutputRequest): GpioLine;
  /** Requests an input line without edge events. */
  requestInput(offset: number, request: LineRequest): GpioLine;
  /** Requests an input line with events on both edges (see {@link waitEvents}). */
  requestEvents(offset: number, request: LineRequest): GpioLine;
  /**
   * Waits up to `timeoutMs` for edges on `lines` (edge-event lines of this chip) and returns the
   * events queued on them, oldest first; `[]` when the time passed without one. Runs off the event
   * loop. Edges that happen while nobody waits are queued by the kernel (16 per line; beyond that
   * they are dropped, so a caller re-reads levels now and then). Rejects with ENODEV when the
   * chip went away. Keep `timeoutMs` short (≈100 ms): releasing the lines waits for it.
   */
  waitEvents(lines: readonly GpioLine[], timeoutMs: number): Promise<GpioEdgeEvent[]>;
  /**
   * Releases every line still requested through this handle and closes the chip, after any call
   * still running on it returns. Never rejects. Resolves when the chip is closed.
   */
  close(): Promise<void>;
}

export interface GpioChipBinding {
  /**
   * Opens a chip by name ("gpiochip0"), path ("/dev/gpiochip0"), number ("0") or label (stable
   * across boots, unlike the number). Throws a {@link GpioError}: ENODEV naming the chip when
   * there is no such chip.
   */
  openChip(chip: string): GpioChip;
}

export type { GpioError };
