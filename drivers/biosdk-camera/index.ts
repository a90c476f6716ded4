/**
 * `biosdk,camera`: the portrait camera driven through the vendor's BioSDK C library (koffi FFI;
 * the shared mechanics — one SDK per process, calls on pool threads, cancel → reset → lost —
 * are in drivers/biosdk/sdk-device.ts).
 *
 * A portrait is written by the SDK into a JPEG buffer; when the camera needs more room it says
 * how much (BIO_E_BUFFER_TOO_SMALL) and the capture is retried once with a bigger buffer, up to
 * `maxJpegBytes`. Preview JPEGs come from the SDK's own streaming thread through the frame
 * callback (koffi relays them to the event loop). Never logs or reports image bytes.
 */
import type { Camera, CameraCapability, CameraEvents, Exposure, Portrait } from '../../hal/camera.ts';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { RawFrame } from '../biosdk/binding.ts';
import { BioCap, BioExposure, BioFrameFormat, BioSdkProtocolError, BioStatus, type BioDeviceInfo } from '../biosdk/protocol.ts';
import { BioSdkDevice, sdkTimeoutFor } from '../biosdk/sdk-device.ts';
import type { BiosdkCameraProps } from './config.ts';
import { cameraStatusHint } from './errors.ts';
import { checkBaselineJpeg, decodePortraitResult, neededJpegBytes, PORTRAIT_RESULT_BYTES } from './protocol.ts';

export { biosdkCameraProps, type BiosdkCameraProps } from './config.ts';

const CAPABILITY_BITS: Record<CameraCapability, number> = {
  preview: BioCap.PREVIEW,
  'exposure-control': BioCap.EXPOSURE,
  'face-checks': BioCap.FACE_CHECKS,
};
const ALL: readonly CameraCapability[] = ['preview', 'exposure-control', 'face-checks'];

export class BioSdkCamera extends BioSdkDevice<CameraEvents, CameraCapability> implements Camera {
  readonly deviceClass = 'camera' as const;
  readonly #capabilities = new Set<CameraCapability>(ALL);
  readonly #props: BiosdkCameraProps;
  #jpeg = new Uint8Array(0);
  #previewOn = false;

  constructor(context: DeviceContext, library: string, props: BiosdkCameraProps) {
    super(context, {
      library,
      kind: 'camera',
      serial: props.serial,
      cancelGraceMs: props.cancelGraceMs,
      resetTimeoutMs: props.resetTimeoutMs,
      statusHint: cameraStatusHint,
    });
    this.#props = props;
  }

  /** All three until open, then what the camera reports. */
  get capabilities(): ReadonlySet<CameraCapability> {
    return this.#capabilities;
  }

  capture(options?: IoOptions): Promise<Portrait> {
    const timeoutMs = options?.timeoutMs ?? this.#props.captureTimeoutMs;
    return this.command('capture', options, { timeoutMs }, async (signal) => {
      const result = new Uint8Array(PORTRAIT_RESULT_BYTES); // per call: an abandoned call may still write into its own
      for (let attempt = 1; ; attempt += 1) {
        const jpeg = this.#jpeg;
        const status = await this.sdkCall('capture', signal, (lease, handle) =>
          lease.sdk.camCapture(handle, sdkTimeoutFor(timeoutMs), jpeg, jpeg.length, result),
        );
        if (status === BioStatus.BUFFER_TOO_SMALL) {
          const needed = this.decode('capture', () => neededJpegBytes(result));
          if (attempt > 1 || needed <= jpeg.length || needed > this.#props.maxJpegBytes) {
            throw this.error('EBADMSG', 'capture', `the camera asks for a ${needed}-byte JPEG buffer (have ${jpeg.length}, limit ${this.#props.maxJpegBytes})`);
          }
          this.#jpeg = new Uint8Array(Math.min(this.#props.maxJpegBytes, needed + 64 * 1024));
          continue;
        }
        const decoded = this.decode('capture', () => decodePortraitResult(result, jpeg.length));
        const bytes = jpeg.slice(0, decoded.jpegBytes);
        this.decode('capture', () => checkBaselineJpeg(bytes, decoded.width, decoded.height));
        return { jpeg: bytes, width: decoded.width, height: decoded.height, checks: decoded.checks, capturedAt: this.clock.now() };
      }
    });
  }

  setExposure(exposure: Exposure, options?: IoOptions): Promise<void> {
    return this.command('setExposure', options, { timeoutMs: 2000 }, async (signal) => {
      this.#require('exposure-control', 'setExposure');
      if (exposure.mode === 'manual' && !(Math.abs(exposure.ev) <= 3)) {
        throw this.error('EBADMSG', 'setExposure', `EV ${exposure.ev} is outside −3…+3`);
      }
      const mode = exposure.mode === 'auto' ? BioExposure.AUTO : BioExposure.MANUAL;
      const ev = exposure.mode === 'auto' ? 0 : exposure.ev;
      await this.sdkCall('setExposure', signal, (lease, handle) => lease.sdk.camSetExposure(handle, mode, ev));
    });
  }

  setPreview(on: boolean, options?: IoOptions): Promise<void> {
    return this.command('setPreview', options, { timeoutMs: 2000 }, async (signal) => {
      this.#require('preview', 'setPreview');
      if (on) {
        await this.sdkCall('setPreview', signal, (lease, handle) => lease.sdk.camStartPreview(handle, this.#props.previewIntervalMs));
        this.#previewOn = true;
      } else {
        // Stop listening first; when bio_cam_stop_preview returns no further frame can arrive.
        this.#previewOn = false;
        await this.sdkCall('setPreview', signal, (lease, handle) => lease.sdk.camStopPreview(handle));
      }
    });
  }

  protected override onOpened(device: BioDeviceInfo): void {
    for (const capability of ALL) {
      if (device.capabilities & CAPABILITY_BITS[capability]) this.#capabilities.add(capability);
      else this.#capabilities.delete(capability);
    }
    this.#previewOn = false; // a freshly opened camera does not stream
    this.#jpeg = new Uint8Array(this.#props.jpegBufferBytes); // fresh per open: an abandoned call may still hold the old one
  }

  protected onFrame(frame: RawFrame): void {
    if (!this.#previewOn || frame.format !== BioFrameFormat.JPEG) return;
    try {
      checkBaselineJpeg(frame.data);
    } catch (error) {
      if (error instanceof BioSdkProtocolError) return; // a damaged preview frame is dropped, not shown
      throw error;
    }
    (this as Camera).emit('preview', frame.data);
  }

  #require(capability: CameraCapability, operation: string): void {
    if (!this.#capabilities.has(capability)) throw this.error('ENOTSUP', operation, `this camera has no ${capability} capability`);
  }
}
