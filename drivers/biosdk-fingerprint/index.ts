/**
 * `biosdk,fingerprint`: a 4-4-2 slap / flat / rolled / palm scanner driven through the vendor's
 * BioSDK C library (koffi FFI; the shared mechanics — one SDK per process, calls on pool threads,
 * cancel → reset → lost — are in drivers/biosdk/sdk-device.ts).
 *
 * Captures are written by the SDK into a per-handle scratch buffer sized from the device's
 * declared maximum, decoded and checked (protocol.ts), and copied into a right-sized buffer the
 * caller owns. Preview frames arrive through the SDK's frame callback while a capture runs.
 * Never logs or reports image bytes.
 */
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type {
  FingerCapture,
  FingerPosition,
  FingerprintCapability,
  FingerprintEvents,
  FingerprintScanner,
  Palm,
  PalmCapture,
  PreviewFrame,
  Slap,
} from '../../hal/fingerprint.ts';
import type { RawFrame } from '../biosdk/binding.ts';
import { BIO_WHOLE_IMAGE, BioCap, BioFrameFormat, BioSdkProtocolError, BioStatus, checkQuality, type BioDeviceInfo } from '../biosdk/protocol.ts';
import { BioSdkDevice, sdkTimeoutFor } from '../biosdk/sdk-device.ts';
import type { BiosdkFingerprintProps } from './config.ts';
import { scannerStatusHint } from './errors.ts';
import {
  CaptureMode,
  decodeFingerResult,
  decodePalmResult,
  decodePreviewFrame,
  FINGER_RESULT_BYTES,
  PALM_CODES,
  PALM_RESULT_BYTES,
  PREVIEW_REDUCTION,
  SLAP_CODES,
} from './protocol.ts';

export { biosdkFingerprintProps, type BiosdkFingerprintProps } from './config.ts';

const CAPABILITY_BITS: Record<FingerprintCapability, number> = {
  slap: BioCap.SLAP,
  flat: BioCap.FLAT,
  rolled: BioCap.ROLLED,
  palm: BioCap.PALM,
  preview: BioCap.PREVIEW,
  liveness: BioCap.LIVENESS,
  segmentation: BioCap.SEGMENTATION,
};

export class BioSdkFingerprintScanner extends BioSdkDevice<FingerprintEvents, FingerprintCapability> implements FingerprintScanner {
  readonly deviceClass = 'fingerprint' as const;
  readonly #capabilities: Set<FingerprintCapability>;
  readonly #declared: readonly FingerprintCapability[];
  readonly #props: BiosdkFingerprintProps;
  #ppi = 500;
  #placed = false;

  constructor(context: DeviceContext, library: string, props: BiosdkFingerprintProps) {
    super(context, {
      library,
      kind: 'scanner',
      serial: props.serial,
      cancelGraceMs: props.cancelGraceMs,
      resetTimeoutMs: props.resetTimeoutMs,
      statusHint: scannerStatusHint,
    });
    this.#props = props;
    this.#declared = props.capabilities;
    this.#capabilities = new Set(props.capabilities);
  }

  /** Declared in the manifest, narrowed at open to what the scanner reports. */
  get capabilities(): ReadonlySet<FingerprintCapability> {
    return this.#capabilities;
  }

  captureSlap(slap: Slap, options?: IoOptions): Promise<FingerCapture> {
    return this.#fingers('captureSlap', 'slap', CaptureMode.SLAP, SLAP_CODES[slap], options);
  }

  captureFlat(finger: FingerPosition, options?: IoOptions): Promise<FingerCapture> {
    return this.#fingers('captureFlat', 'flat', CaptureMode.FLAT, finger, options);
  }

  captureRolled(finger: FingerPosition, options?: IoOptions): Promise<FingerCapture> {
    return this.#fingers('captureRolled', 'rolled', CaptureMode.ROLLED, finger, options);
  }

  capturePalm(palm: Palm, options?: IoOptions): Promise<PalmCapture> {
    const timeoutMs = options?.timeoutMs ?? this.#props.captureTimeoutMs;
    return this.command('capturePalm', options, { timeoutMs }, async (signal) => {
      this.#require('palm', 'capturePalm');
      const image = this.#imageBuffer('capturePalm', CaptureMode.PALM, PALM_CODES[palm]);
      const result = new Uint8Array(PALM_RESULT_BYTES);
      const status = await this.#capture('capturePalm', signal, (lease, handle) =>
        lease.sdk.capturePalm(handle, PALM_CODES[palm], sdkTimeoutFor(timeoutMs), image, image.length, result),
      );
      this.#tooSmall('capturePalm', status, image.length);
      const decoded = this.decode('capturePalm', () => announced(decodePalmResult(result, image.length), image.length));
      const qualityOut = new Int32Array(1);
      await this.sdkCall('capturePalm', signal, (lease, handle) => lease.sdk.getQuality(handle, BIO_WHOLE_IMAGE, qualityOut));
      const quality = this.decode('capturePalm', () => checkQuality(qualityOut[0]!, 'palm'));
      return {
        palm,
        image: { width: decoded.width, height: decoded.height, ppi: decoded.ppi, pixels: image },
        quality,
        liveness: { live: decoded.live, score: decoded.livenessScore },
        capturedAt: this.clock.now(),
      };
    });
  }

  protected override onOpened(device: BioDeviceInfo): void {
    for (const capability of this.#declared) {
      if (device.capabilities & CAPABILITY_BITS[capability]) this.#capabilities.add(capability);
      else this.#capabilities.delete(capability);
    }
    this.#ppi = device.ppi > 0 ? device.ppi : 500;
  }

  protected onFrame(frame: RawFrame): void {
    if (frame.format !== BioFrameFormat.GRAY8) return;
    const decoded = decodePreviewFrame(frame.data, frame.width, frame.height, frame.segments, frame.segmentCount);
    if (!this.#placed && decoded.segments.length > 0) {
      this.#placed = true;
      (this as FingerprintScanner).emit('presence', true);
    }
    const preview: PreviewFrame = {
      image: { width: frame.width, height: frame.height, ppi: this.#ppi / PREVIEW_REDUCTION, pixels: decoded.pixels },
      fingers: decoded.segments.map((segment) => ({ position: segment.position, quality: segment.quality, box: segment.box })),
    };
    (this as FingerprintScanner).emit('preview', preview);
  }

  #fingers(
    operation: string,
    kind: FingerCapture['kind'],
    mode: number,
    target: number,
    options: IoOptions | undefined,
  ): Promise<FingerCapture> {
    const timeoutMs = options?.timeoutMs ?? this.#props.captureTimeoutMs;
    return this.command(operation, options, { timeoutMs }, async (signal) => {
      this.#require(kind, operation);
      const image = this.#imageBuffer(operation, mode, target);
      const result = new Uint8Array(FINGER_RESULT_BYTES);
      const status = await this.#capture(operation, signal, (lease, handle) =>
        lease.sdk.captureFingers(handle, mode, target, sdkTimeoutFor(timeoutMs), image, image.length, result),
      );
      this.#tooSmall(operation, status, image.length);
      const decoded = this.decode(operation, () => announced(decodeFingerResult(result, image.length), image.length));
      return {
        kind,
        image: { width: decoded.width, height: decoded.height, ppi: decoded.ppi, pixels: image },
        fingers: decoded.segments.map((segment) => ({ position: segment.position, quality: segment.quality, box: segment.box })),
        ...(kind === 'slap' && decoded.hand ? { hand: decoded.hand } : {}),
        liveness: { live: decoded.live, score: decoded.livenessScore },
        capturedAt: this.clock.now(),
      };
    });
  }

  /** One capture call, with `presence` true on the first preview that sees fingers and false at the end. */
  async #capture(operation: string, signal: AbortSignal, start: Parameters<BioSdkDevice<FingerprintEvents, FingerprintCapability>['sdkCall']>[2]): Promise<number> {
    this.#placed = false;
    try {
      return await this.sdkCall(operation, signal, start);
    } finally {
      if (this.#placed) (this as FingerprintScanner).emit('presence', false);
      this.#placed = false;
    }
  }

  #require(capability: FingerprintCapability, operation: string): void {
    if (!this.#capabilities.has(capability)) throw this.error('ENOTSUP', operation, `this scanner has no ${capability} capability`);
  }

  #tooSmall(operation: string, status: number, announced: number): void {
    if (status === BioStatus.BUFFER_TOO_SMALL) {
      throw this.error('EBADMSG', operation, `the scanner returned an image larger than the ${announced} bytes it announced`);
    }
  }

  /**
   * The caller's own image buffer, sized exactly as the SDK announces for this capture: the SDK
   * writes into it on its thread, so no copy is made on the event loop. Zeroed, so an SDK that
   * writes less than it claims shows black, never bytes of an earlier capture.
   */
  #imageBuffer(operation: string, mode: number, target: number): Uint8Array {
    const size = new Int32Array(2);
    const status = this.sdkQuery(operation, (lease, handle) => lease.sdk.getImageSize(handle, mode, target, size));
    if (status !== BioStatus.OK) throw this.statusError(operation, status);
    const [width, height] = [size[0]!, size[1]!];
    const { maxWidth, maxHeight } = this.sdkDevice;
    this.decode(operation, () => {
      if (!(width > 0 && height > 0 && width <= maxWidth && height <= maxHeight)) {
        throw new BioSdkProtocolError(`bio_get_image_size: ${width}x${height} is outside the declared ${maxWidth}x${maxHeight}`);
      }
    });
    return new Uint8Array(width * height);
  }
}

/** The image must be exactly the size bio_get_image_size announced (the buffer is handed over as is). */
function announced<T extends { width: number; height: number }>(decoded: T, bytes: number): T {
  if (decoded.width * decoded.height !== bytes) {
    throw new BioSdkProtocolError(`the capture is ${decoded.width}x${decoded.height}, not the ${bytes} bytes bio_get_image_size announced`);
  }
  return decoded;
}
