/**
 * Realistic preview frames for the kiosk UI tests, from the simulators' image generators:
 * downscaled slap and palm images as PNG, a small portrait as JPEG (what the booth sends the
 * screen, at roughly the size it sends them).
 */
import { encodePng } from '../../protocols/imaging/png.ts';
import { downscale, renderPalm, renderSlap } from '../../simulator/imaging/fingerprint-image.ts';
import { encodeJpeg } from '../../simulator/imaging/jpeg.ts';
import { renderPortrait } from '../../simulator/imaging/portrait.ts';

export interface PreviewFrameData {
  source: 'fingerprint' | 'camera';
  mime: 'image/png' | 'image/jpeg';
  data: Uint8Array;
  fingers?: Array<{ position: number; quality: number }>;
}

/** A slap preview (1600x1500 platen downscaled 4x); `fingers` are left to right on the glass. */
export function slapPreview(slap: 'right-four' | 'left-four' | 'two-thumbs', fingers: Array<{ position: number; quality: number }>, seed = 1): PreviewFrameData {
  const hand = slap === 'left-four' ? 'left' : 'right';
  const capture = renderSlap(fingers.map((finger) => ({ quality: finger.quality })), { seed, hand, thumbs: slap === 'two-thumbs' });
  const small = downscale(capture, 4);
  return { source: 'fingerprint', mime: 'image/png', data: encodePng({ width: small.width, height: small.height, channels: 1, pixels: small.pixels }), fingers };
}

/** A palm preview (2000x2400 downscaled 6x). */
export function palmPreview(quality: number, seed = 1): PreviewFrameData {
  const small = downscale(renderPalm(quality, { seed }), 6);
  return { source: 'fingerprint', mime: 'image/png', data: encodePng({ width: small.width, height: small.height, channels: 1, pixels: small.pixels }) };
}

/** A 360x480 camera frame as JPEG. */
export function cameraPreview(options: { seed?: number; eyesOpen?: boolean } = {}): PreviewFrameData {
  const portrait = renderPortrait({ width: 360, height: 480, seed: options.seed ?? 3, eyesOpen: options.eyesOpen ?? true });
  return { source: 'camera', mime: 'image/jpeg', data: encodeJpeg(portrait, 80) };
}
