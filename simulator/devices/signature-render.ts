/** Renders pen samples into a grayscale PNG: black ink on white, line width from pressure. */
import type { PenSample } from '../../hal/signature-pad.ts';
import { encodePng } from '../../protocols/imaging/png.ts';

const MAX_PRESSURE = 1023;

export function renderStrokes(samples: readonly PenSample[], size: { width: number; height: number }): Uint8Array {
  const { width, height } = size;
  const pixels = new Uint8Array(width * height).fill(255);
  for (let i = 1; i < samples.length; i += 1) {
    const from = samples[i - 1] as PenSample;
    const to = samples[i] as PenSample;
    if (from.pressure <= 0 || to.pressure <= 0) continue; // pen in the air: no ink
    const radius = 0.8 + (2.2 * (from.pressure + to.pressure)) / (2 * MAX_PRESSURE);
    drawSegment(pixels, width, height, from, to, radius);
  }
  return encodePng({ width, height, channels: 1, pixels });
}

function drawSegment(pixels: Uint8Array, width: number, height: number, from: PenSample, to: PenSample, radius: number): void {
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
