/**
 * Renders pen samples into the signature image the HAL returns: a grayscale PNG of the pad's
 * size, black ink on white, stroke width from pressure, no ink where the pen is lifted
 * (pressure 0). Used by the signature-pad drivers and the simulated pad alike.
 */
import type { PenSample } from '../../hal/signature-pad.ts';
import { encodePng } from './png.ts';

/** The HAL's pressure scale: 0…1023. */
const MAX_PRESSURE = 1023;

export function renderSignature(samples: readonly PenSample[], size: { width: number; height: number }): Uint8Array {
  const { width, height } = size;
  const pixels = new Uint8Array(width * height).fill(255);
  for (let i = 1; i < samples.length; i += 1) {
    const from = samples[i - 1] as PenSample;
    const to = samples[i] as PenSample;
    if (from.pressure <= 0 || to.pressure <= 0) continue; // pen in the air: no ink
    const pressure = Math.min(MAX_PRESSURE, (from.pressure + to.pressure) / 2);
    const radius = 0.8 + (2.2 * pressure) / MAX_PRESSURE;
    drawSegment(pixels, width, height, clamp(from, width, height), clamp(to, width, height), radius);
  }
  return encodePng({ width, height, channels: 1, pixels });
}

/** Keeps a point on the canvas, so a wild coordinate costs a short segment, not a long loop. */
function clamp(sample: PenSample, width: number, height: number): { x: number; y: number } {
  return { x: Math.min(Math.max(sample.x, 0), width), y: Math.min(Math.max(sample.y, 0), height) };
}

function drawSegment(
  pixels: Uint8Array,
  width: number,
  height: number,
  from: { x: number; y: number },
  to: { x: number; y: number },
  radius: number,
): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y)));
  const r = Math.ceil(radius);
  for (let s = 0; s <= steps; s += 1) {
    const cx = from.x + ((to.x - from.x) * s) / steps;
    const cy = from.y + ((to.y - from.y) * s) / steps;
    for (let dy = -r; dy <= r; dy += 1) {
      const y = Math.round(cy + dy);
      if (y < 0 || y >= height) continue;
      for (let dx = -r; dx <= r; dx += 1) {
        const x = Math.round(cx + dx);
        if (x < 0 || x >= width || dx * dx + dy * dy > radius * radius) continue;
        pixels[y * width + x] = 0;
      }
    }
  }
}
