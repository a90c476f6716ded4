/**
 * Base of the in-process simulated devices: a DeviceCore whose "hardware" answers after a
 * latency on the injected clock, and test hooks to make it misbehave the ways real hardware
 * does (unplugged, a command that never answers, a command that fails with a given code).
 * Modelled on node-serialport's MockBinding: same interface as the real thing, plus hooks.
 */
import { sleep } from '../../hal/clock.ts';
import { DeviceCore, type DeviceContext } from '../../hal/device-core.ts';
import type { DeviceInfo, HealthReport } from '../../hal/device.ts';
import type { DeviceErrorCode } from '../../hal/errors.ts';

export interface SimOptions {
  /** How long the simulated hardware takes to answer a command. */
  latencyMs: number;
  /** The serial number the device reports. */
  serial: string;
}

export abstract class SimDevice<Own extends Record<keyof Own, unknown[]>, Capability extends string> extends DeviceCore<
  Own,
  Capability
> {
  protected abstract readonly model: string;
  protected latencyMs: number;
  readonly #serial: string;
  #plugged = true;
  #failNext: DeviceErrorCode | undefined;
  #hangNext = false;

  constructor(context: DeviceContext, options: SimOptions) {
    super(context);
    this.latencyMs = options.latencyMs;
    this.#serial = options.serial;
  }

  get plugged(): boolean {
    return this.#plugged;
  }

  /** Test hook: pull the cable. The device emits `lost` and every call gets ENODEV until replug + open. */
  unplug(): void {
    this.#plugged = false;
    this.onUnplugged();
    this.markLost('unplugged');
  }

  /** Test hook: plug the cable back in. The device stays `lost` until someone opens it again. */
  replug(): void {
    this.#plugged = true;
  }

  /** Test hook: the next command fails with `code` (as the hardware would report it). */
  failNextCommand(code: DeviceErrorCode): void {
    this.#failNext = code;
  }

  /** Test hook: the next command never gets an answer; only its timeout or signal ends it. */
  hangNextCommand(): void {
    this.#hangNext = true;
  }

  /** Test hook: the hardware reports a fault on its own (overheating, sensor failure, …). */
  raiseFault(code: DeviceErrorCode, message: string): void {
    this.reportFault(code, message);
  }

  /** Test hook: how long the hardware takes to answer from now on. */
  setLatency(latencyMs: number): void {
    this.latencyMs = latencyMs;
  }

  /** Called when unplugged, before `lost` is emitted; the hardware's own reaction (e.g. fail-safe). */
  protected onUnplugged(): void {}

  /**
   * One round trip to the simulated hardware: honours unplug, the failure and hang hooks, waits
   * the latency on the injected clock, then runs `work`.
   */
  protected async roundTrip<T>(signal: AbortSignal, work: () => T | Promise<T>, latencyMs = this.latencyMs): Promise<T> {
    if (!this.#plugged) throw this.error('ENODEV', 'transport', 'no device on the bus');
    if (this.#hangNext) {
      this.#hangNext = false;
      await new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    }
    await sleep(this.clock, latencyMs, signal);
    const failure = this.#failNext;
    if (failure) {
      this.#failNext = undefined;
      throw this.error(failure, 'hardware', 'simulated hardware failure');
    }
    return work();
  }

  protected async doOpen(signal: AbortSignal): Promise<DeviceInfo> {
    return this.roundTrip(signal, () => ({ model: this.model, serial: this.#serial, firmware: 'sim-1.0' }));
  }

  protected async doClose(): Promise<void> {}

  protected async doHealth(signal: AbortSignal): Promise<Omit<HealthReport, 'state' | 'lastError'>> {
    // Health answers without latency hooks so a hung command does not hide a healthy link.
    if (!this.#plugged) return { ok: false, detail: { link: 'down' } };
    signal.throwIfAborted();
    return { ok: true, detail: this.healthDetail() };
  }

  protected healthDetail(): Record<string, string | number | boolean> {
    return {};
  }
}
