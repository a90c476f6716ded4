/**
 * Owns every device of the booth: opens them, re-opens a device that failed or disappeared with
 * backoff + jitter while the others keep working, and reports each one's health. Emits
 * `ready`, `lost`, `fault` and `all-ready` so safety and telemetry can react.
 */
import { EventEmitter } from 'node:events';
import type { AnyDevice, Clock, DeviceError, DeviceInfo, HealthReport, TimerHandle } from '../../hal/index.ts';
import { isDeviceError } from '../../hal/index.ts';
import type { BoothLogger } from '../logging/logger.ts';
import { backoffDelay, type BackoffPolicy, type RandomSource } from '../../hal/backoff.ts';
import type { DeviceLocking } from './device-locks.ts';

export interface ManagedDeviceHealth extends HealthReport {
  id: string;
  deviceClass: AnyDevice['deviceClass'];
  compatible: string;
  info?: DeviceInfo;
  /** Failed open attempts since the device was last ready. */
  failedOpens: number;
  nextRetryAt?: number;
}

interface Slot {
  device: AnyDevice;
  info?: DeviceInfo;
  failedOpens: number;
  retry?: TimerHandle;
  nextRetryAt?: number;
  opening?: Promise<void>;
}

export interface DeviceManagerEvents {
  ready: [device: AnyDevice, info: DeviceInfo];
  lost: [device: AnyDevice, error: DeviceError];
  fault: [device: AnyDevice, error: DeviceError];
  'open-failed': [device: AnyDevice, error: DeviceError, retryInMs: number];
  'all-ready': [];
}

export interface DeviceManagerOptions {
  devices: readonly AnyDevice[];
  clock: Clock;
  logger: BoothLogger;
  backoff: BackoffPolicy;
  random?: RandomSource;
  openTimeoutMs?: number;
  /** Per-device lock files, so boothctl working without the daemon never opens a device we hold. */
  locks?: DeviceLocking;
}

export class DeviceManager extends EventEmitter<DeviceManagerEvents> {
  readonly #slots = new Map<string, Slot>();
  readonly #clock: Clock;
  readonly #logger: BoothLogger;
  readonly #backoff: BackoffPolicy;
  readonly #random: RandomSource;
  readonly #openTimeoutMs: number;
  readonly #locks: DeviceLocking | undefined;
  #stopped = false;
  #announcedAllReady = false;

  constructor(options: DeviceManagerOptions) {
    super();
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#backoff = options.backoff;
    this.#random = options.random ?? Math.random;
    this.#openTimeoutMs = options.openTimeoutMs ?? 5000;
    this.#locks = options.locks;
    for (const device of options.devices) {
      this.#slots.set(device.id, { device, failedOpens: 0 });
      this.watch(device);
    }
  }

  get devices(): AnyDevice[] {
    return [...this.#slots.values()].map((slot) => slot.device);
  }

  get(id: string): AnyDevice | undefined {
    return this.#slots.get(id)?.device;
  }

  /** The first device of a class, for components that need "the" door lock or "the" camera. */
  find<C extends AnyDevice['deviceClass']>(deviceClass: C): Extract<AnyDevice, { deviceClass: C }> | undefined {
    return this.devices.find((device) => device.deviceClass === deviceClass) as
      | Extract<AnyDevice, { deviceClass: C }>
      | undefined;
  }

  /** Opens one device now (used by safety to open the door lock before everything else). */
  openNow(id: string): Promise<void> {
    const slot = this.#slots.get(id);
    if (!slot) return Promise.reject(new Error(`no device "${id}"`));
    return this.attemptOpen(slot);
  }

  /** Opens every device not yet ready; failures are retried in the background. */
  async openAll(): Promise<void> {
    this.#stopped = false;
    await Promise.all([...this.#slots.values()].map((slot) => this.attemptOpen(slot).catch(() => undefined)));
  }

  async closeAll(): Promise<void> {
    this.#stopped = true;
    for (const slot of this.#slots.values()) {
      slot.retry?.cancel();
      slot.retry = undefined;
      slot.nextRetryAt = undefined;
    }
    const reversed = [...this.#slots.values()].reverse();
    for (const slot of reversed) {
      await slot.device.close().catch((error: unknown) => this.#logger.warn({ err: error, device: slot.device.id }, 'close failed'));
      this.#locks?.release(slot.device.id);
    }
  }

  async health(): Promise<ManagedDeviceHealth[]> {
    return Promise.all(
      [...this.#slots.values()].map(async (slot) => {
        const report = await slot.device.health({ timeoutMs: 1000 }).catch(
          (error: unknown): HealthReport => ({
            state: slot.device.state,
            ok: false,
            lastError: { code: isDeviceError(error) ? error.code : 'EIO', message: String(error), at: this.#clock.now() },
          }),
        );
        return {
          id: slot.device.id,
          deviceClass: slot.device.deviceClass,
          compatible: slot.device.compatible,
          ...report,
          ...(slot.info ? { info: slot.info } : {}),
          failedOpens: slot.failedOpens,
          ...(slot.nextRetryAt ? { nextRetryAt: slot.nextRetryAt } : {}),
        };
      }),
    );
  }

  get allReady(): boolean {
    return [...this.#slots.values()].every((slot) => slot.device.state === 'ready');
  }

  private attemptOpen(slot: Slot): Promise<void> {
    if (slot.device.state === 'ready') return Promise.resolve();
    slot.opening ??= this.open(slot).finally(() => {
      slot.opening = undefined;
    });
    return slot.opening;
  }

  private async open(slot: Slot): Promise<void> {
    slot.retry?.cancel();
    slot.retry = undefined;
    slot.nextRetryAt = undefined;
    try {
      this.#locks?.acquire(slot.device.id);
      slot.info = await slot.device.open({ timeoutMs: this.#openTimeoutMs });
      slot.failedOpens = 0;
      this.emit('ready', slot.device, slot.info);
      if (this.allReady && !this.#announcedAllReady) {
        this.#announcedAllReady = true;
        this.emit('all-ready');
      }
    } catch (error) {
      const failure = error as DeviceError;
      const delay = backoffDelay(slot.failedOpens, this.#backoff, this.#random);
      slot.failedOpens += 1;
      this.emit('open-failed', slot.device, failure, delay);
      this.scheduleRetry(slot, delay);
      throw failure;
    }
  }

  private scheduleRetry(slot: Slot, delayMs: number): void {
    if (this.#stopped) return;
    slot.nextRetryAt = this.#clock.now() + delayMs;
    slot.retry = this.#clock.setTimeout(() => {
      slot.retry = undefined;
      void this.attemptOpen(slot).catch(() => undefined);
    }, delayMs);
  }

  private watch(device: AnyDevice): void {
    const emitter = device as unknown as EventEmitter;
    emitter.on('lost', (error: DeviceError) => {
      this.#announcedAllReady = false;
      this.emit('lost', device, error);
      const slot = this.#slots.get(device.id);
      if (slot && !this.#stopped) this.scheduleRetry(slot, backoffDelay(0, this.#backoff, this.#random));
    });
    emitter.on('fault', (error: DeviceError) => this.emit('fault', device, error));
  }
}
