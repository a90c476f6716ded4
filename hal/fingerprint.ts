/**
 * Fingerprint and palm scanner: 4-4-2 slaps, flat and rolled single fingers, palms, live preview,
 * the scanner's own segmentation and per-finger quality, and liveness detection.
 *
 * Finger positions follow ANSI/NIST-ITL FGP codes: 1 right thumb … 5 right little,
 * 6 left thumb … 10 left little. Quality is 0 (unusable) to 100 (best), NFIQ 2 style.
 */
import type { Device, IoOptions } from './device.ts';

export type FingerPosition = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
export const FINGER_POSITIONS: readonly FingerPosition[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** The three slaps of a 4-4-2 enrolment, with the FGP code the slap image gets. */
export type Slap = 'right-four' | 'left-four' | 'two-thumbs';
export const SLAP_FINGERS: Record<Slap, readonly FingerPosition[]> = {
  'right-four': [2, 3, 4, 5],
  'left-four': [7, 8, 9, 10],
  'two-thumbs': [1, 6],
};

export type Palm = 'right-full' | 'left-full' | 'right-writer' | 'left-writer';

/** An 8-bit grayscale image, row-major, one byte per pixel, 0 black … 255 white. */
export interface GrayImage {
  width: number;
  height: number;
  /** Scan resolution in pixels per inch (500 for the booth's scanner). */
  ppi: number;
  pixels: Uint8Array;
}

export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One finger the scanner found in a capture. */
export interface SegmentedFinger {
  /** Which finger the scanner believes this is. */
  position: FingerPosition;
  quality: number;
  box: BoundingBox;
}

export interface Liveness {
  live: boolean;
  /** 0–100, the SDK's presentation-attack score (higher is more likely live). */
  score: number;
}

export interface FingerCapture {
  kind: 'slap' | 'flat' | 'rolled';
  image: GrayImage;
  /** Fingers found, in left-to-right image order. May differ from the ones asked for. */
  fingers: SegmentedFinger[];
  /** For slaps, which hand the scanner thinks was placed. */
  hand?: 'right' | 'left' | 'both';
  liveness: Liveness;
  capturedAt: number;
}

export interface PalmCapture {
  palm: Palm;
  image: GrayImage;
  quality: number;
  liveness: Liveness;
  capturedAt: number;
}

export type FingerprintCapability =
  | 'slap'
  | 'flat'
  | 'rolled'
  | 'palm'
  | 'preview'
  | 'liveness'
  | 'segmentation';

export interface PreviewFrame {
  /** Downscaled live image for the screen; never stored or uploaded. */
  image: GrayImage;
  /** Fingers currently seen on the platen with their instant quality. */
  fingers: SegmentedFinger[];
}

export interface FingerprintEvents {
  /** Live preview while a capture waits for a stable placement. */
  preview: [frame: PreviewFrame];
  /** Something is on the platen (true) or it was cleared (false). */
  presence: [present: boolean];
}

export interface FingerprintScanner extends Device<FingerprintEvents, FingerprintCapability> {
  readonly deviceClass: 'fingerprint';
  /** Waits for the slap to be placed and captures it. ETIMEDOUT when nothing is placed in time. */
  captureSlap(slap: Slap, options?: IoOptions): Promise<FingerCapture>;
  /** One finger, flat. */
  captureFlat(finger: FingerPosition, options?: IoOptions): Promise<FingerCapture>;
  /** One finger, rolled nail to nail. ENOTSUP on a scanner without rolling. */
  captureRolled(finger: FingerPosition, options?: IoOptions): Promise<FingerCapture>;
  /** A palm. ENOTSUP on a finger-only scanner. */
  capturePalm(palm: Palm, options?: IoOptions): Promise<PalmCapture>;
}
