/**
 * What the `biosdk,*` drivers share: a DeviceCore whose transport is a BioSDK handle.
 *
 * - open: take a lease on the process-wide SDK (library.ts), enumerate, open the device by
 *   serial (or the first of its kind), route its preview frames and hot-plug events here.
 * - Every blocking SDK call goes through {@link BioSdkDevice.sdkCall}: it runs on a pool thread
 *   (binding.ts) and races the command's signal. When the signal wins — the HAL timeout, the
 *   caller's abort — the command has already been rejected by DeviceCore; the device then
 *   recovers in the background: `bio_cancel` at once; if the call does not come back within
 *   `cancelGraceMs`, or the command timed out (a hung call, not a person who took too long),
 *   `bio_reset`; if the reset fails or the call still does not return, the device is marked lost
 *   so the device manager re-opens it. The next command waits for that recovery (bounded by its
 *   own timeout) so two SDK calls never overlap on one handle.
 * - `BIO_E_NO_DEVICE` from any call, a hot-plug removal event, or a dead handle seen by health
 *   marks the device lost (one `lost` event); `open` again recovers once it is back.
 */
import { DeviceCore, type DeviceContext } from '../../hal/device-core.ts';
import type { DeviceInfo, HealthReport } from '../../hal/device.ts';
import { isDeviceError, type DeviceError } from '../../hal/errors.ts';
import { raceAbort } from '../../hal/race-abort.ts';
import type { RawFrame } from './binding.ts';
import { BioSdkLoadError, halCodeForStatus, meansDeviceGone, statusName } from './errors.ts';
import { acquireBioSdk, type BioSdkLease } from './library.ts';
import { BioSdkProtocolError, BioStatus, DEVICE_INFO_BYTES, decodeDeviceList, type BioDeviceInfo, type BioKindName } from './protocol.ts';

export interface BioSdkDeviceOptions {
  /** The shared library (manifest `bus: { type: sdk, library }`). */
  library: string;
  kind: BioKindName;
  /** Which device of that kind; the first one found when absent. */
  serial?: string | undefined;
  /** How long a cancelled call may take to return before the device is reset. */
  cancelGraceMs: number;
  /** How long a reset (and a close) may take before the device is given up as lost. */
  resetTimeoutMs: number;
  /** What a failed status means for this class and operation, appended to the SDK's own text. */
  statusHint?: (status: number, operation: string) => string | undefined;
}

/**
 * The timeout handed to the SDK for a command of `timeoutMs`: a little shorter, so a capture
 * nobody completes ends with the SDK's own BIO_E_TIMEOUT (a clean answer) before the HAL
 * deadline fires and has to treat the call as hung (cancel + reset).
 */
export function sdkTimeoutFor(timeoutMs: number): number {
  const margin = Math.min(1000, Math.max(20, Math.round(timeoutMs * 0.2)));
  return Math.max(1, Math.floor(timeoutMs - margin));
}

const STILL_RUNNING = Symbol('still running');
const ENUMERATE_CAPACITY = 16;

export abstract class BioSdkDevice<Own extends Record<keyof Own, unknown[]>, Capability extends string> extends DeviceCore<Own, Capability> {
  readonly #options: BioSdkDeviceOptions;
  #lease: BioSdkLease | undefined;
  #handle = 0;
  #device: BioDeviceInfo | undefined;
  #info: DeviceInfo | undefined;
  #unsubscribe: Array<() => void> = [];
  /** Recovery or close still running; the next SDK call waits for it. Never rejects. */
  #settling: Promise<void> | undefined;
  #cancels = 0;
  #resets = 0;
  #recovering = 0;

  constructor(context: DeviceContext, options: BioSdkDeviceOptions) {
    super(context);
    this.#options = options;
  }

  /** The device as the SDK enumerated it (valid while open). */
  protected get sdkDevice(): BioDeviceInfo {
    if (!this.#device) throw this.error('ENODEV', 'sdk', 'device is not open');
    return this.#device;
  }

  /** A preview frame of this device's handle, on the event loop, already copied. */
  protected abstract onFrame(frame: RawFrame): void;

  /** Called after the handle is open, before `open` resolves (e.g. to narrow capabilities). */
  protected onOpened(_device: BioDeviceInfo): void {}

  protected async doOpen(signal: AbortSignal): Promise<DeviceInfo> {
    await this.#waitSettled(signal);
    if (!this.#lease) this.#lease = await this.#acquire(signal);
    const lease = this.#lease;
    if (this.#handle && lease.sdk.getStatus(this.#handle) === BioStatus.OK && this.#info) return this.#info;
    if (this.#handle) await this.#closeHandle();

    const list = new Uint8Array(DEVICE_INFO_BYTES * ENUMERATE_CAPACITY);
    const count = new Int32Array(1);
    const listed = await raceAbort(lease.sdk.enumerate(list, ENUMERATE_CAPACITY, count), signal);
    if (listed !== BioStatus.OK) throw this.#statusError('open', listed, 0);
    const devices = this.#decode('open', () => decodeDeviceList(list, count[0]!));
    const { kind, serial } = this.#options;
    const device = devices.find((candidate) => candidate.kind === kind && (serial === undefined || candidate.serial === serial));
    if (!device) {
      const seen = devices.map((candidate) => `${candidate.kind} ${candidate.serial}`).join(', ') || 'none';
      throw this.error('ENODEV', 'open', `no BioSDK ${kind}${serial ? ` with serial ${serial}` : ''} is connected (found: ${seen})`);
    }

    const handleOut = new Int32Array(1);
    const opening = lease.sdk.open(device.serial, handleOut);
    // A handle that arrives after the caller gave up must still be closed, or the device stays busy.
    this.#track(opening.then(async (status) => {
      if (status === BioStatus.OK && signal.aborted) await lease.sdk.close(handleOut[0]!);
    }));
    const opened = await raceAbort(opening, signal);
    if (opened !== BioStatus.OK) throw this.#statusError('open', opened, 0);
    const handle = handleOut[0]!;
    this.#handle = handle;
    this.#device = device;
    this.#unsubscribe.push(
      lease.onFrame(handle, (frame) => {
        try {
          this.onFrame(frame);
        } catch (error) {
          // A listener that throws must not unwind into the SDK's thread.
          this.reportFault('EIO', `preview listener failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
      lease.onDeviceEvent(device.serial, (event) => {
        if (event === 'removed' && this.#handle === handle) this.markLost(`${device.serial} was unplugged (SDK hot-plug event)`);
      }),
    );
    lease.sdk.setFrameCallback(handle, lease.frameCallback);
    this.onOpened(device);
    this.#info = { model: device.model, serial: device.serial, firmware: `${device.firmware} (BioSDK ${lease.version})` };
    return this.#info;
  }

  protected async doClose(): Promise<void> {
    const closing = (this.#settling ?? Promise.resolve()).then(async () => {
      await this.#closeHandle();
      const lease = this.#lease;
      this.#lease = undefined;
      await lease?.release();
    });
    this.#track(closing);
    await closing;
  }

  protected async doHealth(signal: AbortSignal): Promise<Omit<HealthReport, 'state' | 'lastError'>> {
    signal.throwIfAborted();
    const lease = this.#lease;
    const handle = this.#handle;
    if (!lease || !handle) return { ok: false, detail: { link: 'down' } };
    // bio_get_status is [non-blocking]: it answers while a capture holds the device.
    const status = lease.sdk.getStatus(handle);
    if (meansDeviceGone(status)) {
      this.markLost(`${this.#device?.serial ?? 'device'}: ${statusName(status)} (health check)`);
      return { ok: false, detail: { link: 'down' } };
    }
    return {
      ok: status === BioStatus.OK && this.#recovering === 0,
      detail: { link: 'up', sdk: lease.version, cancels: this.#cancels, resets: this.#resets, recovering: this.#recovering > 0 },
    };
  }

  /**
   * Runs one blocking SDK call on this device's handle under the rules in the module comment.
   * Resolves on BIO_OK; otherwise rejects with the HAL error for the status (and the SDK's
   * last-error text). `start` must only start the call (koffi `.async`), never block.
   */
  protected async sdkCall(operation: string, signal: AbortSignal, start: (lease: BioSdkLease, handle: number) => Promise<number>): Promise<number> {
    // Only yield when a recovery is pending: otherwise the call is issued synchronously, in the
    // same turn as the command, like a write to a wire would be.
    if (this.#settling) await this.#waitSettled(signal);
    const lease = this.#lease;
    const handle = this.#handle;
    if (!lease || !handle) throw this.error('ENODEV', operation, 'device is not open');
    signal.throwIfAborted();
    const pending = start(lease, handle);
    let status: number;
    try {
      status = await raceAbort(pending, signal);
    } catch (reason) {
      // Lost or closed (ENODEV): bio_close ends the call. Timed out or aborted by the caller
      // (whatever the abort reason is): cancel it, and reset if it was hung.
      if (!isDeviceError(reason, 'ENODEV')) {
        this.#track(this.#recover(operation, lease, handle, pending, isDeviceError(reason, 'ETIMEDOUT')));
      }
      throw reason;
    }
    if (status === BioStatus.OK) return status;
    if (status === BioStatus.BUFFER_TOO_SMALL) return status; // the caller decides (e.g. grow and retry)
    throw this.#statusError(operation, status, handle);
  }

  /** A [non-blocking] SDK query on this device's handle (bio_get_image_size and the like). */
  protected sdkQuery<T>(operation: string, query: (lease: BioSdkLease, handle: number) => T): T {
    const lease = this.#lease;
    const handle = this.#handle;
    if (!lease || !handle) throw this.error('ENODEV', operation, 'device is not open');
    return query(lease, handle);
  }

  /** Turns a failed status into the HAL error (and marks the device lost when it is gone). */
  protected statusError(operation: string, status: number): DeviceError {
    return this.#statusError(operation, status, this.#handle);
  }

  /** Runs a pure decoder; its protocol error becomes EBADMSG naming the operation. */
  protected decode<T>(operation: string, decoder: () => T): T {
    return this.#decode(operation, decoder);
  }

  #decode<T>(operation: string, decoder: () => T): T {
    try {
      return decoder();
    } catch (error) {
      if (error instanceof BioSdkProtocolError) throw this.error('EBADMSG', operation, `the SDK returned garbage: ${error.message}`, error);
      throw error;
    }
  }

  async #acquire(signal: AbortSignal): Promise<BioSdkLease> {
    const acquiring = acquireBioSdk(this.#options.library);
    // A lease granted after the caller gave up is given back at once.
    this.#track(acquiring.then((lease) => (signal.aborted ? lease.release() : undefined), () => undefined));
    try {
      return await raceAbort(acquiring, signal);
    } catch (error) {
      if (error instanceof BioSdkLoadError) throw this.error(error.code, 'open', error.message, error);
      throw error;
    }
  }

  /** Cancel, then reset when needed, then give up as lost; see the module comment. */
  async #recover(operation: string, lease: BioSdkLease, handle: number, pending: Promise<number>, timedOut: boolean): Promise<void> {
    this.#recovering += 1;
    try {
      await this.#cancelAndReset(operation, lease, handle, pending, timedOut);
    } finally {
      this.#recovering -= 1;
    }
  }

  async #cancelAndReset(operation: string, lease: BioSdkLease, handle: number, pending: Promise<number>, timedOut: boolean): Promise<void> {
    this.#cancels += 1;
    const returned = await this.#cancelWithin(lease, handle, pending, this.#options.cancelGraceMs);
    const hung = returned === STILL_RUNNING;
    if (!hung && !timedOut) return;
    if (this.#handle !== handle) return; // closed or re-opened meanwhile: bio_close ended the call
    const reset = await this.#within(lease.sdk.reset(handle), this.#options.resetTimeoutMs);
    this.#resets += 1;
    if (reset === STILL_RUNNING || reset !== BioStatus.OK) {
      const why = reset === STILL_RUNNING ? `no answer within ${this.#options.resetTimeoutMs} ms` : `${statusName(reset)}: ${lease.sdk.lastError(handle)}`;
      this.markLost(`reset after a ${hung ? 'hung' : 'timed-out'} ${operation} failed (${why})`);
      return;
    }
    if (hung && (await this.#within(pending, this.#options.resetTimeoutMs)) === STILL_RUNNING) {
      this.markLost(`${operation} did not return even after a reset`);
    }
  }

  async #closeHandle(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    const lease = this.#lease;
    const handle = this.#handle;
    this.#handle = 0;
    this.#device = undefined;
    this.#info = undefined;
    if (!lease || !handle) return;
    lease.sdk.setFrameCallback(handle, null);
    // bio_close aborts a call in flight and waits for it; bounded so a wedged SDK cannot hang close().
    await this.#within(lease.sdk.close(handle), this.#options.resetTimeoutMs);
  }

  #statusError(operation: string, status: number, handle: number): DeviceError {
    const detail = this.#lease?.sdk.lastError(handle) || statusName(status);
    const hint = this.#options.statusHint?.(status, operation);
    const error = this.error(halCodeForStatus(status), operation, `${statusName(status)}: ${detail}${hint ? ` (${hint})` : ''}`);
    if (meansDeviceGone(status) && handle !== 0 && this.#handle === handle) this.markLost(`${this.#device?.serial ?? 'device'}: ${detail}`);
    return error;
  }

  /** Keeps `work` as the thing the next SDK call waits for; clears itself when done. */
  #track(work: Promise<unknown>): void {
    const previous = this.#settling;
    const settled: Promise<void> = Promise.all([previous, work.catch(() => undefined)]).then(() => {
      if (this.#settling === settled) this.#settling = undefined;
    });
    this.#settling = settled;
  }

  async #waitSettled(signal: AbortSignal): Promise<void> {
    while (this.#settling) await raceAbort(this.#settling, signal);
  }


  /**
   * `bio_cancel` until the call returns or `graceMs` passes. Re-issued every few milliseconds:
   * an async call may still sit in the pool's queue when the first cancel lands, and the SDK
   * only cancels a call that is running.
   */
  async #cancelWithin(lease: BioSdkLease, handle: number, pending: Promise<number>, graceMs: number): Promise<number | typeof STILL_RUNNING> {
    const step = Math.max(1, Math.min(25, graceMs));
    for (let waited = 0; waited < graceMs; waited += step) {
      lease.sdk.cancel(handle);
      const returned = await this.#within(pending, Math.min(step, graceMs - waited));
      if (returned !== STILL_RUNNING) return returned;
    }
    return STILL_RUNNING;
  }

  /** The call's status, or STILL_RUNNING after `ms` on the injected clock. */
  #within(promise: Promise<number>, ms: number): Promise<number | typeof STILL_RUNNING> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => resolve(STILL_RUNNING), ms);
      promise.then(
        (status) => {
          timer.cancel();
          resolve(status);
        },
        () => {
          timer.cancel();
          resolve(BioStatus.INTERNAL);
        },
      );
    });
  }
}
