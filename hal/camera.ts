/**
 * Face camera: live preview, a biometric portrait capture as JPEG, exposure control, and the
 * camera SDK's own ISO/ICAO-style checks of the portrait.
 */
import type { Device, IoOptions } from './device.ts';

export type CameraCapability = 'preview' | 'exposure-control' | 'face-checks';

/** The SDK's verdict on a portrait; `undefined` fields were not checked by this camera. */
export interface PortraitChecks {
  faceFound: boolean;
  eyesOpen?: boolean;
  frontalPose?: boolean;
  exposureOk?: boolean;
  /** Inter-eye distance in pixels, when measured. */
  eyeDistancePx?: number;
}

export interface Portrait {
  /** A complete baseline JPEG file (SOI … EOI). */
  jpeg: Uint8Array;
  width: number;
  height: number;
  checks: PortraitChecks;
  capturedAt: number;
}

export type Exposure = { mode: 'auto' } | { mode: 'manual'; ev: number };

export interface CameraEvents {
  /** A small JPEG preview frame for the screen; never stored or uploaded. */
  preview: [jpeg: Uint8Array];
}

export interface Camera extends Device<CameraEvents, CameraCapability> {
  readonly deviceClass: 'camera';
  /** Captures one portrait. */
  capture(options?: IoOptions): Promise<Portrait>;
  /** Sets exposure. EBADMSG for an EV outside −3…+3. */
  setExposure(exposure: Exposure, options?: IoOptions): Promise<void>;
  /** Starts or stops `preview` events. */
  setPreview(on: boolean, options?: IoOptions): Promise<void>;
}
