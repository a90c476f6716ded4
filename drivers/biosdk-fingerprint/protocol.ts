/**
 * Pure decoding of what BioSDK writes for the scanner: `bio_finger_result`, `bio_palm_result`
 * and GRAY8 preview frames, checked against the buffer the SDK was given. Nothing here calls FFI.
 */
import type { FingerPosition, Palm, Slap } from '../../hal/fingerprint.ts';
import {
  BioSdkProtocolError,
  checkFlag,
  checkGrayImage,
  checkStructSize,
  decodeSegments,
  SEGMENT_BYTES,
  type BioSegment,
} from '../biosdk/protocol.ts';

export const CaptureMode = { SLAP: 1, FLAT: 2, ROLLED: 3, PALM: 4 } as const;
export const SLAP_CODES: Record<Slap, number> = { 'right-four': 1, 'left-four': 2, 'two-thumbs': 3 };
export const PALM_CODES: Record<Palm, number> = { 'right-full': 1, 'left-full': 2, 'right-writer': 3, 'left-writer': 4 };
const HANDS = new Map<number, 'right' | 'left' | 'both' | undefined>([
  [0, undefined],
  [1, 'right'],
  [2, 'left'],
  [3, 'both'],
]);

/** `bio_finger_result`: 40 bytes of header, then 10 segments of 24 bytes. */
export const FINGER_RESULT_BYTES = 280;
/** `bio_palm_result`. */
export const PALM_RESULT_BYTES = 32;
/** Scanner preview frames are the capture reduced 4x (booth_bio_sdk.h). */
export const PREVIEW_REDUCTION = 4;

export interface FingerResult {
  width: number;
  height: number;
  ppi: number;
  hand: 'right' | 'left' | 'both' | undefined;
  live: boolean;
  livenessScore: number;
  segments: Array<BioSegment & { position: FingerPosition }>;
}

export interface PalmResult {
  width: number;
  height: number;
  ppi: number;
  live: boolean;
  livenessScore: number;
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkPpi(ppi: number, what: string): number {
  if (ppi !== 500 && ppi !== 1000) throw new BioSdkProtocolError(`${what}: resolution ${ppi} ppi, expected 500 or 1000`);
  return ppi;
}

function checkScore(score: number, what: string): number {
  if (!Number.isInteger(score) || score < 0 || score > 100) throw new BioSdkProtocolError(`${what}: liveness score ${score} is outside 0..100`);
  return score;
}

/**
 * Offsets: 0 struct_size, 4 width, 8 height, 12 ppi, 16 image_bytes, 20 hand, 24 live,
 * 28 liveness_score, 32 segment_count, 36 reserved, 40 segments[10].
 * @param imageCapacity the size of the image buffer the SDK was given.
 */
export function decodeFingerResult(result: Uint8Array, imageCapacity: number): FingerResult {
  checkStructSize(result, FINGER_RESULT_BYTES, 'bio_finger_result');
  const data = dataView(result);
  const width = data.getInt32(4, true);
  const height = data.getInt32(8, true);
  checkGrayImage(width, height, data.getUint32(16, true), imageCapacity, 'bio_finger_result');
  const handCode = data.getInt32(20, true);
  if (!HANDS.has(handCode)) throw new BioSdkProtocolError(`bio_finger_result: unknown hand code ${handCode}`);
  const segments = decodeSegments(result, 40, data.getInt32(32, true), width, height) as FingerResult['segments'];
  return {
    width,
    height,
    ppi: checkPpi(data.getInt32(12, true), 'bio_finger_result'),
    hand: HANDS.get(handCode),
    live: checkFlag(data.getInt32(24, true), 'bio_finger_result.live'),
    livenessScore: checkScore(data.getInt32(28, true), 'bio_finger_result'),
    segments,
  };
}

/** Offsets: 0 struct_size, 4 width, 8 height, 12 ppi, 16 image_bytes, 20 live, 24 liveness_score. */
export function decodePalmResult(result: Uint8Array, imageCapacity: number): PalmResult {
  checkStructSize(result, PALM_RESULT_BYTES, 'bio_palm_result');
  const data = dataView(result);
  const width = data.getInt32(4, true);
  const height = data.getInt32(8, true);
  checkGrayImage(width, height, data.getUint32(16, true), imageCapacity, 'bio_palm_result');
  return {
    width,
    height,
    ppi: checkPpi(data.getInt32(12, true), 'bio_palm_result'),
    live: checkFlag(data.getInt32(20, true), 'bio_palm_result.live'),
    livenessScore: checkScore(data.getInt32(24, true), 'bio_palm_result'),
  };
}

/** A GRAY8 preview frame and the segments the SDK sent with it (boxes in preview pixels). */
export function decodePreviewFrame(
  data: Uint8Array,
  width: number,
  height: number,
  segments: Uint8Array,
  segmentCount: number,
): { pixels: Uint8Array; segments: FingerResult['segments'] } {
  checkGrayImage(width, height, data.byteLength, data.byteLength, 'preview frame');
  if (segments.byteLength < segmentCount * SEGMENT_BYTES) throw new BioSdkProtocolError('preview frame: segments cut short');
  return { pixels: data, segments: decodeSegments(segments, 0, segmentCount, width, height) as FingerResult['segments'] };
}
