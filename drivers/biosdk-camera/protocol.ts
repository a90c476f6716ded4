/**
 * Pure decoding of what BioSDK writes for the camera: `bio_portrait_result` and the JPEG bytes,
 * checked against the buffer the SDK was given. Nothing here calls FFI.
 */
import type { PortraitChecks } from '../../hal/camera.ts';
import { BioSdkProtocolError, checkStructSize } from '../biosdk/protocol.ts';

/** `bio_portrait_result`. */
export const PORTRAIT_RESULT_BYTES = 40;

export interface PortraitResult {
  width: number;
  height: number;
  jpegBytes: number;
  checks: PortraitChecks;
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A check the camera made (0/1) or did not make (-1). */
function check(value: number, what: string): boolean | undefined {
  if (value === -1) return undefined;
  if (value === 0 || value === 1) return value === 1;
  throw new BioSdkProtocolError(`bio_portrait_result.${what} is ${value}, expected -1, 0 or 1`);
}

/** The JPEG size the camera needs (valid with BIO_E_BUFFER_TOO_SMALL too). */
export function neededJpegBytes(result: Uint8Array): number {
  checkStructSize(result, PORTRAIT_RESULT_BYTES, 'bio_portrait_result');
  return dataView(result).getUint32(12, true);
}

/**
 * Offsets: 0 struct_size, 4 width, 8 height, 12 jpeg_bytes, 16 face_found, 20 eyes_open,
 * 24 frontal, 28 exposure_ok, 32 eye_distance_px, 36 reserved.
 */
export function decodePortraitResult(result: Uint8Array, jpegCapacity: number): PortraitResult {
  checkStructSize(result, PORTRAIT_RESULT_BYTES, 'bio_portrait_result');
  const data = dataView(result);
  const width = data.getInt32(4, true);
  const height = data.getInt32(8, true);
  if (!(width > 0 && height > 0 && width <= 20_000 && height <= 20_000)) {
    throw new BioSdkProtocolError(`bio_portrait_result: implausible portrait size ${width}x${height}`);
  }
  const jpegBytes = data.getUint32(12, true);
  if (jpegBytes < 4 || jpegBytes > jpegCapacity) {
    throw new BioSdkProtocolError(`bio_portrait_result: jpeg_bytes ${jpegBytes} outside 4..${jpegCapacity} (the buffer the SDK was given)`);
  }
  const faceFound = check(data.getInt32(16, true), 'face_found');
  if (faceFound === undefined) throw new BioSdkProtocolError('bio_portrait_result: face_found must be 0 or 1');
  const checks: PortraitChecks = { faceFound };
  const eyesOpen = check(data.getInt32(20, true), 'eyes_open');
  const frontalPose = check(data.getInt32(24, true), 'frontal');
  const exposureOk = check(data.getInt32(28, true), 'exposure_ok');
  const eyeDistance = data.getInt32(32, true);
  if (eyeDistance < -1 || eyeDistance > width) throw new BioSdkProtocolError(`bio_portrait_result: eye distance ${eyeDistance} px`);
  if (eyesOpen !== undefined) checks.eyesOpen = eyesOpen;
  if (frontalPose !== undefined) checks.frontalPose = frontalPose;
  if (exposureOk !== undefined) checks.exposureOk = exposureOk;
  if (eyeDistance >= 0) checks.eyeDistancePx = eyeDistance;
  return { width, height, jpegBytes, checks };
}

/**
 * Checks a baseline JPEG file: SOI first, EOI last, a well-formed marker chain up to SOS, and a
 * SOF0 frame header whose size matches what the camera reported. Returns the SOF0 size.
 */
export function checkBaselineJpeg(jpeg: Uint8Array, width?: number, height?: number): { width: number; height: number } {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new BioSdkProtocolError('JPEG: no SOI marker');
  if (jpeg[jpeg.length - 2] !== 0xff || jpeg[jpeg.length - 1] !== 0xd9) throw new BioSdkProtocolError('JPEG: no EOI marker (truncated?)');
  let offset = 2;
  let size: { width: number; height: number } | undefined;
  while (offset + 4 <= jpeg.length) {
    if (jpeg[offset] !== 0xff) throw new BioSdkProtocolError(`JPEG: no marker at byte ${offset}`);
    const marker = jpeg[offset + 1]!;
    const length = (jpeg[offset + 2]! << 8) | jpeg[offset + 3]!;
    if (length < 2 || offset + 2 + length > jpeg.length) throw new BioSdkProtocolError(`JPEG: segment 0x${marker.toString(16)} runs past the end`);
    if (marker === 0xc0 && length >= 8) size = { height: (jpeg[offset + 5]! << 8) | jpeg[offset + 6]!, width: (jpeg[offset + 7]! << 8) | jpeg[offset + 8]! };
    if (marker >= 0xc1 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new BioSdkProtocolError(`JPEG: frame type 0x${marker.toString(16)} is not baseline`);
    }
    if (marker === 0xda) break;
    offset += 2 + length;
  }
  if (!size) throw new BioSdkProtocolError('JPEG: no SOF0 (baseline) frame header');
  if ((width !== undefined && size.width !== width) || (height !== undefined && size.height !== height)) {
    throw new BioSdkProtocolError(`JPEG: frame is ${size.width}x${size.height}, the camera reported ${width}x${height}`);
  }
  return size;
}
