/**
 * The shared half of every device implementation: lifecycle state, the one-command-in-flight
 * gate, per-call timeouts and abort, and the last-error record health reports. Drivers and
 * simulators extend it so the rules in device.ts hold identically everywhere.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from './clock.ts';
import type {
  CommonEvents,
  DeviceClass,
  DeviceInfo,
  DeviceState,
  EventMapOf,
  HealthReport,
  IoOptions,
  LastError,
} from './device.ts';
import { DeviceError, type DeviceErrorCode } from './errors.ts';

export interface DeviceContext {
  id: string;
  compatible: string;
  clock: Clock;
}

interface InFlight {
  operation: string;
  controller: AbortController;
}

export interface CommandRules {
  /** Default timeout when the caller gives none. */
  timeoutMs: number;
  /** Abort the command in flight instead of answering EBUSY (used by door unlock only). */
  preempt?: boolean;
  /** Run even when the device is not ready (open uses this). */
  allowWhenNotReady?: boolean;
}

export abstract class DeviceCore<Own extends Record<keyof Own, unknown[]>, Capability extends string>
  extends EventEmitter<EventMapOf<Own>> {
  readonly id: string;
  readonly compatible: string;
  abstract readonly deviceClass: DeviceClass;
  abstract readonly capabilities: ReadonlySet<Capability>;
  protected readonly clock: Clock;
  #state: DeviceState = 'closed';
  #inFlight: InFlight | undefined;
  #lastError: LastError | undefined;

  constructor(context: DeviceContext) {
    super();
    this.id = context.id;
    this.compatible = context.compatible;
    this.clock = context.clock;
  }

  get state(): DeviceState {
    return this.#state;
  }

  get lastError(): LastError | undefined {
    return this.#lastError;
  }

  /** Connects to the hardware and reads its identity. Called by `open` inside the gate. */
  protected abstract doOpen(signal: AbortSignal): Promise<DeviceInfo>;
  /** Releases the hardware. Must not throw for a half-open device. */
  protected abstract doClose(): Promise<void>;
  /** Class-specific self-check; return `ok: false` with a detail when something is off. */
  protected abstract doHealth(signal: AbortSignal): Promise<Omit<HealthReport, 'state' | 'lastError'>>;

  async open(options?: IoOptions): Promise<DeviceInfo> {
    if (this.#state === 'opening') throw this.error('EBUSY', 'open', 'already opening');
    this.setState('opening');
    try {
      const info = await this.command('open', options, { timeoutMs: 5000, allowWhenNotReady: true }, (signal) =>
        this.doOpen(signal),
      );
      this.setState('ready');
      return info;
    } catch (error) {
      await this.doClose().catch(() => undefined);
      this.setState('closed');
      throw error;
    }
  }

  async close(_options?: IoOptions): Promise<void> {
    if (this.#state === 'closed') return;
    this.#inFlight?.controller.abort(this.error('ENODEV', this.#inFlight.operation, 'device closed'));
    this.setState('closing');
    try {
      await this.doClose();
    } finally {
      this.setState('closed');
    }
  }

  async health(options?: IoOptions): Promise<HealthReport> {
    const base = { state: this.#state, ...(this.#lastError ? { lastError: this.#lastError } : {}) };
    if (this.#state !== 'ready') return { ...base, ok: false };
    // Health is a query, not a command: it must answer even while a long capture is running.
    const signal = combineSignals(options?.signal, options?.timeoutMs ?? 2000, this.clock, () =>
      this.error('ETIMEDOUT', 'health', 'no answer'),
    );
    const report = await this.doHealth(signal.signal).finally(signal.dispose);
    return { ...base, ...report };
  }

  /**
   * Runs one device command under the rules: ENODEV when not ready, EBUSY when another is in
   * flight (unless `preempt`), ETIMEDOUT / ECANCELED from the timeout and the caller's signal.
   * `body` receives a signal it should pass down to its transport.
   */
  protected async command<T>(
    operation: string,
    options: IoOptions | undefined,
    rules: CommandRules,
    body: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (!rules.allowWhenNotReady && this.#state !== 'ready') {
      throw this.record(this.error('ENODEV', operation, `device is ${this.#state}`));
    }
    if (this.#inFlight) {
      if (!rules.preempt) {
        throw this.error('EBUSY', operation, `${this.#inFlight.operation} is in flight`);
      }
      this.#inFlight.controller.abort(this.error('ECANCELED', this.#inFlight.operation, `pre-empted by ${operation}`));
    }
    if (options?.signal?.aborted) throw this.error('ECANCELED', operation, 'aborted before start');

    const timeoutMs = options?.timeoutMs ?? rules.timeoutMs;
    const guard = combineSignals(options?.signal, timeoutMs, this.clock, () =>
      this.error('ETIMEDOUT', operation, `no answer within ${timeoutMs} ms`),
    );
    const mine: InFlight = { operation, controller: guard.controller };
    this.#inFlight = mine;
    const aborted = new Promise<never>((_, reject) => {
      guard.signal.addEventListener('abort', () => reject(this.toDeviceError(guard.signal.reason, operation)), {
        once: true,
      });
    });
    try {
      return await Promise.race([body(guard.signal), aborted]);
    } catch (error) {
      throw this.record(this.toDeviceError(error, operation));
    } finally {
      guard.dispose();
      if (this.#inFlight === mine) this.#inFlight = undefined;
    }
  }

  /** Marks the device as gone: aborts what is in flight, emits `lost` once. */
  protected markLost(reason: string): void {
    if (this.#state === 'lost' || this.#state === 'closed') return;
    const error = this.record(this.error('ENODEV', 'transport', reason));
    this.#inFlight?.controller.abort(error);
    this.setState('lost');
    this.emitCommon('lost', error);
    void this.doClose().catch(() => undefined);
  }

  /** Reports a fault the hardware raised on its own (not an answer to a command). */
  protected reportFault(code: DeviceErrorCode, message: string): void {
    this.emitCommon('fault', this.record(this.error(code, 'fault', message)));
  }

  protected error(code: DeviceErrorCode, operation: string, message: string, cause?: unknown): DeviceError {
    return new DeviceError(code, this.id, operation, message, cause === undefined ? undefined : { cause });
  }

  /** Typed emit for the events every device shares. */
  protected emitCommon<K extends keyof CommonEvents>(event: K, ...args: CommonEvents[K]): void {
    (this as unknown as EventEmitter).emit(event, ...args);
  }

  private setState(state: DeviceState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emitCommon('state', state);
  }

  private record(error: DeviceError): DeviceError {
    // EBUSY and ECANCELED are caller-side conditions, not the device's health.
    if (error.code !== 'EBUSY' && error.code !== 'ECANCELED') {
      this.#lastError = { code: error.code, message: error.message, at: this.clock.now() };
    }
    return error;
  }

  private toDeviceError(error: unknown, operation: string): DeviceError {
    if (error instanceof DeviceError) return error;
    if (error instanceof Error && error.name === 'AbortError') {
      return this.error('ECANCELED', operation, 'aborted by caller', error);
    }
    const message = error instanceof Error ? error.message : String(error);
    return this.error('EIO', operation, message, error);
  }
}

/** One AbortController fed by the caller's signal and a clock-driven timeout. */
function combineSignals(
  outer: AbortSignal | undefined,
  timeoutMs: number,
  clock: Clock,
  onTimeout: () => Error,
): { controller: AbortController; signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = clock.setTimeout(() => controller.abort(onTimeout()), timeoutMs);
  return {
    controller,
    signal: controller.signal,
    dispose: () => {
      timer.cancel();
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}
