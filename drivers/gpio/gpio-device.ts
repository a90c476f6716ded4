/**
 * The shared half of the `gpio,*` devices: a DeviceCore that, while open, holds one chip handle
 * with the device's lines requested under the consumer name "boothd:<device id>", listens for
 * edges on its inputs, reads its lines back every `watchMs`, turns binding failures into its own
 * HAL errors, and becomes `lost` when the chip goes away.
 *
 * - **Events.** One loop per device waits for edges on all its input lines at once
 *   (`waitEvents`, off the event loop, in slices of `eventWaitMs`) and feeds each edge's level to
 *   the input's debounce. Edges that come between two waits are queued by the kernel.
 * - **Watch.** Every `watchMs` every line is read back: a chip that went away is found even
 *   when no edge comes (ENODEV → `lost`), and an edge the kernel dropped (its queue holds 16 per
 *   line) is caught up because the levels read are fed to the debounce too.
 * - **Close** (and loss): outputs are put in their safe state first, synchronously, while the
 *   lines are still held; then the loop is stopped and the chip closed. Releasing waits for the
 *   event wait in flight (at most one slice) — bounded on the injected clock either way.
 */
import { raceAbort } from '../../hal/race-abort.ts';
import type { TimerHandle } from '../../hal/clock.ts';
import { DeviceCore, type DeviceContext } from '../../hal/device-core.ts';
import type { DeviceInfo, HealthReport } from '../../hal/device.ts';
import { DeviceError } from '../../hal/errors.ts';
import { DebouncedInput } from '../firmata/debounce.ts';
import type { GpioChip, GpioChipBinding, GpioLine } from './binding.ts';
import type { LineInputSpec, LineOutputSpec } from './config.ts';
import { isGpioError } from './errors.ts';
import { consumerName } from './protocol.ts';

/** How long closing waits for the chip to let go of its lines beyond the event wait in flight. */
const CLOSE_GRACE_MS = 500;
/** A watch round whose reads take longer than this many periods is reported as a fault. */
const WATCH_LIMIT_PERIODS = 4;

export interface GpioDeviceOptions {
  gpio: GpioChipBinding;
  /** The manifest bus's chip: a name, path, number or label. */
  chip: string;
  /** How often every line is read back (`props.watchMs`). */
  watchMs: number;
  /** One blocking event wait lasts at most this; closing waits for it. Default 100 ms. */
  eventWaitMs?: number;
}

/** An input line with its debounce. */
export interface WatchedInput {
  readonly name: string;
  readonly line: GpioLine;
  readonly debounced: DebouncedInput;
}

interface Session {
  readonly chip: GpioChip;
  readonly inputs: WatchedInput[];
  readonly outputs: Array<{ name: string; line: GpioLine }>;
  stopped: boolean;
  pump: Promise<void> | undefined;
  watchTimer: TimerHandle | undefined;
  watching: boolean;
  /** The last watch round answered (false after a failure or a slow round, until the next good one). */
  healthy: boolean;
  edges: number;
  /** Ends the event loop's pause after a failed wait. */
  wake: (() => void) | undefined;
}

export abstract class GpioDevice<Own extends Record<keyof Own, unknown[]>, Capability extends string> extends DeviceCore<Own, Capability> {
  readonly #options: Required<GpioDeviceOptions>;
  #session: Session | undefined;
  #teardown: Promise<void> | undefined;

  constructor(context: DeviceContext, options: GpioDeviceOptions) {
    super(context);
    this.#options = { eventWaitMs: 100, ...options };
  }

  /** What the device is, for DeviceInfo.model, e.g. "door lock (relay line 17)". */
  protected abstract describe(): string;
  /** Requests the device's lines on a freshly opened chip, outputs first in their safe state. */
  protected abstract configure(chip: GpioChip, signal: AbortSignal): Promise<void>;
  /** Called once the inputs hold their first levels (report the initial state). */
  protected abstract opened(): void;
  /** Puts the outputs in their safe state, synchronously. May throw (a gone chip). */
  protected abstract makeSafe(): void;
  /** The lines are going away: drop references to them and wake whoever waits on an input. */
  protected abstract forget(): void;

  protected healthDetail(): Record<string, string | number | boolean> {
    return {};
  }

  /** The consumer name this device's lines are requested under. */
  protected get consumer(): string {
    return consumerName(this.id);
  }

  /** Requests an output line that takes `initial` at once. */
  protected requestOutput(chip: GpioChip, name: string, spec: LineOutputSpec, initial: boolean): GpioLine {
    const line = this.onChipSync('open', () =>
      chip.requestOutput(spec.line, { consumer: this.consumer, activeLow: spec.activeLow, initial }),
    );
    this.session('open').outputs.push({ name, line });
    return line;
  }

  /** Requests an input line with edge events and a debounce that calls `onChange` with the debounced value. */
  protected requestInput(chip: GpioChip, name: string, spec: LineInputSpec, onChange: (active: boolean) => void): WatchedInput {
    const line = this.onChipSync('open', () =>
      chip.requestEvents(spec.line, { consumer: this.consumer, activeLow: spec.activeLow, bias: spec.bias }),
    );
    const input: WatchedInput = { name, line, debounced: new DebouncedInput(this.clock, spec.debounce, spec.debounceMs, onChange) };
    this.session('open').inputs.push(input);
    return input;
  }

  /** Reads a line, giving up when `signal` aborts. */
  protected readLine(line: GpioLine, signal: AbortSignal): Promise<boolean> {
    return raceAbort(line.read(), signal);
  }

  /** Reads an input now and feeds its level to the debounce (edges may still sit in the kernel's queue). */
  protected async refresh(input: WatchedInput, signal: AbortSignal): Promise<void> {
    input.debounced.feed(await this.readLine(input.line, signal));
  }

  /** Runs chip work, turning a GpioError into this device's DeviceError (ENODEV also loses the device). */
  protected async onChip<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.asDeviceError(error, operation);
    }
  }

  protected onChipSync<T>(operation: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw this.asDeviceError(error, operation);
    }
  }

  protected override async doOpen(signal: AbortSignal): Promise<DeviceInfo> {
    return this.onChip('open', async () => {
      await this.#teardown;
      const current = this.#session;
      if (current && !current.stopped) {
        try {
          await this.readAll(current, signal);
          return this.info(current.chip);
        } catch (error) {
          // The chip went away under the open device (maybe back already): open afresh.
          if (!isGpioError(error, 'ENODEV')) throw error;
        }
      }
      await this.teardown();
      const chip = this.#options.gpio.openChip(this.#options.chip);
      const session: Session = { chip, inputs: [], outputs: [], stopped: false, pump: undefined, watchTimer: undefined, watching: false, healthy: true, edges: 0, wake: undefined };
      this.#session = session;
      await this.configure(chip, signal);
      // The first levels. Inputs are requested for events before this read, so an edge after it
      // is queued for the event loop below: nothing falls between the two.
      const levels = await raceAbort(Promise.all(session.inputs.map((input) => input.line.read())), signal);
      session.inputs.forEach((input, index) => input.debounced.feed(levels[index]!));
      for (const input of session.inputs) input.debounced.prime();
      this.opened();
      if (session.inputs.length > 0) session.pump = this.pump(session);
      this.scheduleWatch(session);
      return this.info(chip);
    });
  }

  protected override doClose(): Promise<void> {
    return this.teardown();
  }

  protected override async doHealth(signal: AbortSignal): Promise<Omit<HealthReport, 'state' | 'lastError'>> {
    signal.throwIfAborted();
    const session = this.#session;
    if (!session || session.stopped) return { ok: false, detail: { chip: 'closed' } };
    return {
      ok: session.healthy,
      detail: { chip: session.chip.name, label: session.chip.label, edges: session.edges, ...this.healthDetail() },
    };
  }

  private session(operation: string): Session {
    const session = this.#session;
    if (!session || session.stopped) throw this.error('ENODEV', operation, 'chip not open');
    return session;
  }

  private info(chip: GpioChip): DeviceInfo {
    return {
      model: `GPIO ${this.describe()} on ${chip.name}`,
      serial: chip.label || chip.name,
      firmware: chip.library,
    };
  }

  private asDeviceError(error: unknown, operation: string): unknown {
    if (error instanceof DeviceError) return error;
    if (!isGpioError(error)) return error;
    if (error.code === 'ENODEV' && this.#session) this.sessionFailed(this.#session, error);
    return this.error(error.code, operation, error.message, error);
  }

  /** Reads every line of the session (outputs included): the proof the chip still answers. */
  private async readAll(session: Session, signal: AbortSignal): Promise<void> {
    const lines = [...session.outputs.map((output) => output.line), ...session.inputs.map((input) => input.line)];
    const levels = await raceAbort(Promise.all(lines.map((line) => line.read())), signal);
    if (session.stopped) return;
    session.inputs.forEach((input, index) => input.debounced.feed(levels[session.outputs.length + index]!));
  }

  /** Waits for edges in slices until the session stops; see the module comment. */
  private async pump(session: Session): Promise<void> {
    const lines = session.inputs.map((input) => input.line);
    const byOffset = new Map(session.inputs.map((input) => [input.line.offset, input]));
    let failing = false;
    while (!session.stopped) {
      try {
        const events = await session.chip.waitEvents(lines, this.#options.eventWaitMs);
        failing = false;
        if (session.stopped) return;
        session.edges += events.length;
        for (const event of events) byOffset.get(event.offset)?.debounced.feed(event.active);
      } catch (error) {
        if (session.stopped) return;
        if (isGpioError(error, 'ENODEV')) {
          this.sessionFailed(session, error);
          return;
        }
        // Anything else: say so once, keep listening after a pause (the watch keeps reading levels).
        if (!failing) this.sessionFailed(session, error);
        failing = true;
        await new Promise<void>((resolve) => {
          const timer = this.clock.setTimeout(() => session.wake?.(), this.#options.watchMs);
          session.wake = () => {
            timer.cancel();
            session.wake = undefined;
            resolve();
          };
        });
      }
    }
  }

  private scheduleWatch(session: Session): void {
    if (session.stopped) return;
    session.watchTimer = this.clock.setTimeout(() => void this.watch(session), this.#options.watchMs);
  }

  private async watch(session: Session): Promise<void> {
    if (session.stopped || session.watching) return;
    session.watching = true;
    const limitMs = this.#options.watchMs * WATCH_LIMIT_PERIODS;
    const limit = new AbortController();
    const timer = this.clock.setTimeout(() => limit.abort(this.error('ETIMEDOUT', 'watch', `the lines did not answer a read within ${limitMs} ms`)), limitMs);
    try {
      await this.readAll(session, limit.signal);
      session.healthy = true;
    } catch (error) {
      this.sessionFailed(session, error);
    } finally {
      timer.cancel();
      session.watching = false;
      this.scheduleWatch(session);
    }
  }

  /** A failure outside any command: ENODEV loses the device, anything else is a fault. */
  private sessionFailed(session: Session, error: unknown): void {
    if (session !== this.#session || session.stopped) return;
    const message = error instanceof Error ? error.message : String(error);
    const code = isGpioError(error) || error instanceof DeviceError ? error.code : 'EIO';
    if (code === 'ENODEV') {
      // While opening, the open itself fails (or starts afresh); `lost` is for a ready device.
      if (this.state === 'ready') this.markLost(message);
      return;
    }
    session.healthy = false;
    if (this.state === 'ready') this.reportFault(code, message);
  }

  /** Safe outputs first, then stop listening and let go of the chip; bounded on the clock. */
  private teardown(): Promise<void> {
    this.#teardown ??= (async () => {
      const session = this.#session;
      this.#session = undefined;
      if (!session) return;
      session.stopped = true;
      session.watchTimer?.cancel();
      session.wake?.();
      try {
        this.makeSafe();
      } catch {
        // the chip is gone: an unpowered output is off, hence safe
      }
      for (const input of session.inputs) input.debounced.reset();
      this.forget();
      await within(this.clock, Promise.all([session.pump, session.chip.close()]), this.#options.eventWaitMs + CLOSE_GRACE_MS);
    })().finally(() => {
      this.#teardown = undefined;
    });
    return this.#teardown;
  }
}

/** Waits for `promise` (ignoring its outcome) at most `ms` of `clock` time. */
function within(clock: DeviceContext['clock'], promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(resolve, ms);
    promise.then(
      () => {
        timer.cancel();
        resolve();
      },
      () => {
        timer.cancel();
        resolve();
      },
    );
  });
}
