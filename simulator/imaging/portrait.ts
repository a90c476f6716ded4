// Synthetic passport-style portrait for the face camera simulator: a stylised frontal head
// on a uniform background, built from anti-aliased ellipses. Callers need the eye centres
// (inter-eye distance, eye-open checks), so the geometry is returned with the pixels.
import { deriveSeed, mulberry32, sharedGaussianTable } from './random.ts';
import type { Rng } from './random.ts';

export interface PortraitOptions {
  width?: number;
  height?: number;
  seed?: number;
  eyesOpen?: boolean;
  /** false = head turned (yaw about 20 degrees): features shift sideways, the far eye narrows. */
  frontal?: boolean;
  /** Exposure offset in photographic stops: +1 doubles brightness, -1 halves it. */
  exposure?: number;
}

export interface Point { x: number; y: number }

export interface Portrait {
  width: number;
  height: number;
  channels: 3;
  pixels: Uint8Array;
  /** Iris centres in image coordinates, left to right in the image. */
  eyeCenters: [Point, Point];
}

type Rgb = readonly [number, number, number];

const SKIN: Rgb[] = [[241, 205, 180], [226, 185, 150], [198, 150, 112], [160, 112, 78], [112, 76, 54], [84, 56, 40]];
const HAIR: Rgb[] = [[30, 24, 20], [68, 46, 30], [120, 86, 52], [196, 160, 100], [140, 140, 140]];
const IRIS: Rgb[] = [[78, 52, 34], [60, 94, 130], [82, 110, 70], [110, 82, 50]];
const CLOTHES: Rgb[] = [[40, 48, 70], [30, 30, 34], [90, 30, 36], [60, 70, 60], [200, 200, 205]];
const BACKGROUND: Rgb = [214, 220, 228]; // light grey-blue, as photo guidelines ask

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
const scale = (c: Rgb, k: number): Rgb => [c[0] * k, c[1] * k, c[2] * k];

/** Canvas with alpha-blended, anti-aliased ellipse filling; edgeShade darkens toward the rim. */
class Canvas {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height * 3);
  }

  fill(c: Rgb): void {
    for (let i = 0; i < this.pixels.length; i += 3) {
      this.pixels[i] = c[0];
      this.pixels[i + 1] = c[1];
      this.pixels[i + 2] = c[2];
    }
  }

  ellipse(cx: number, cy: number, rx: number, ry: number, c: Rgb, alpha = 1, edgeShade = 0): void {
    const minR = Math.max(0.5, Math.min(rx, ry));
    const y0 = Math.max(0, Math.floor(cy - ry - 1)), y1 = Math.min(this.height, Math.ceil(cy + ry + 1));
    const irx = 1 / rx, iry = 1 / ry, limit = (1 + 1 / minR) ** 2;
    const p = this.pixels;
    for (let y = y0; y < y1; y++) {
      const ny = (y + 0.5 - cy) * iry;
      if (ny * ny >= limit) continue;
      // Row extent from the ellipse equation: no work on the empty corners of the box.
      const half = rx * Math.sqrt(limit - ny * ny);
      const x0 = Math.max(0, Math.floor(cx - half)), x1 = Math.min(this.width, Math.ceil(cx + half));
      for (let x = x0; x < x1; x++) {
        const nx = (x + 0.5 - cx) * irx;
        const q = nx * nx + ny * ny;
        if (q >= limit) continue;
        const cov = (1 - Math.sqrt(q)) * minR + 0.5; // ~signed distance in px, for anti-aliasing
        const a = (cov >= 1 ? 1 : cov <= 0 ? 0 : cov) * alpha;
        if (a === 0) continue;
        const k = 1 - edgeShade * q;
        const o = (y * this.width + x) * 3;
        p[o] = p[o]! + (c[0] * k - p[o]!) * a + 0.5;
        p[o + 1] = p[o + 1]! + (c[1] * k - p[o + 1]!) * a + 0.5;
        p[o + 2] = p[o + 2]! + (c[2] * k - p[o + 2]!) * a + 0.5;
      }
    }
  }
}

export function renderPortrait(options: PortraitOptions = {}): Portrait {
  const W = options.width ?? 1200, H = options.height ?? 1600;
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 64 || H < 64) throw new RangeError(`invalid portrait size ${W}x${H}`);
  const exposure = options.exposure ?? 0;
  if (!Number.isFinite(exposure)) throw new RangeError(`exposure must be a number of stops, got ${exposure}`);
  const seed = options.seed ?? 1;
  const rng = mulberry32(deriveSeed(seed, 0xface));
  const skin = pick(rng, SKIN), hair = pick(rng, HAIR), iris = pick(rng, IRIS), clothes = pick(rng, CLOTHES);
  const canvas = new Canvas(W, H);
  canvas.fill(BACKGROUND);

  // Head proportions follow photo guidelines: face about 60% of the height, eyes a bit above
  // the middle of the image, inter-eye distance about 45% of the face width.
  const s = Math.min(H, W * 1.333); // layout unit: keeps the head inside odd aspect ratios
  const cx = W / 2 + (rng() - 0.5) * 0.02 * W;
  const cy = H * 0.45 + (rng() - 0.5) * 0.02 * H;
  const ry = s * (0.29 + rng() * 0.02), rx = ry * (0.72 + rng() * 0.06);
  const yaw = options.frontal === false ? (rng() < 0.5 ? -1 : 1) * 0.35 : 0; // sin of ~20 degrees
  const turn = yaw * rx; // sideways shift of the facial features when the head is turned

  canvas.ellipse(cx, H + 0.06 * s, 0.6 * W, 0.3 * s, clothes, 1, 0.15); // shoulders
  canvas.ellipse(cx + turn * 0.2, cy + 0.95 * ry, 0.46 * rx, 0.45 * ry, scale(skin, 0.86), 1, 0.1); // neck
  const eyeY = cy - 0.05 * ry;
  for (const side of [-1, 1]) {
    // Ears: the one on the side the face turns toward disappears behind the head.
    const hidden = yaw !== 0 && side === Math.sign(yaw);
    if (!hidden) canvas.ellipse(cx + side * rx * 0.98 - turn * 0.3, eyeY + 0.12 * ry, 0.12 * rx, 0.2 * ry, scale(skin, 0.9), 1, 0.2);
  }
  canvas.ellipse(cx, cy - 0.1 * ry, rx * 1.06, ry * 1.02, hair, 1, 0.2); // hair mass behind the face
  canvas.ellipse(cx, cy + 0.06 * ry, rx * (1 - Math.abs(yaw) * 0.1), ry * 0.96, skin, 1, 0.22); // face

  // Eyes: the far eye of a turned head is foreshortened.
  const eyes: Point[] = [];
  for (const side of [-1, 1]) {
    const foreshorten = yaw === 0 ? 1 : side === Math.sign(yaw) ? 0.7 : 1.05;
    const ex = cx + side * 0.43 * rx * foreshorten + turn;
    const erx = 0.17 * rx * foreshorten, ery = 0.075 * ry;
    eyes.push({ x: Math.round(ex), y: Math.round(eyeY) });
    canvas.ellipse(ex, eyeY - 0.17 * ry, erx * 1.2, 0.022 * ry, hair); // eyebrow
    if (options.eyesOpen === false) {
      canvas.ellipse(ex, eyeY, erx, ery, scale(skin, 0.92), 1, 0.1); // lowered lid
      canvas.ellipse(ex, eyeY + 0.3 * ery, erx * 0.95, Math.max(1.5, 0.012 * ry), [40, 28, 24]); // lash line
    } else {
      canvas.ellipse(ex, eyeY, erx, ery, [240, 238, 232], 1, 0.1); // sclera
      canvas.ellipse(ex, eyeY, ery * 0.9, ery * 0.9, iris, 1, 0.3);
      canvas.ellipse(ex, eyeY, ery * 0.38, ery * 0.38, [12, 10, 10]); // pupil
      canvas.ellipse(ex + ery * 0.3, eyeY - ery * 0.3, ery * 0.15, ery * 0.15, [255, 255, 255], 0.9); // catch light
    }
  }

  const nx = cx + turn * 1.25;
  canvas.ellipse(nx, cy + 0.1 * ry, 0.1 * rx, 0.26 * ry, scale(skin, 0.88), 0.35); // nose ridge shading
  for (const side of [-1, 1]) canvas.ellipse(nx + side * 0.09 * rx, cy + 0.27 * ry, 0.045 * rx, 0.025 * ry, scale(skin, 0.45), 0.9);
  const mx = cx + turn * 1.1, my = cy + 0.52 * ry;
  canvas.ellipse(mx, my, 0.27 * rx * (1 - Math.abs(yaw) * 0.3), 0.06 * ry, [178, 92, 92], 1, 0.2); // lips
  canvas.ellipse(mx, my, 0.25 * rx * (1 - Math.abs(yaw) * 0.3), Math.max(1, 0.008 * ry), [90, 40, 40]); // lip line

  finish(canvas.pixels, exposure, deriveSeed(seed, 0xe1));
  const [a, b] = eyes as [Point, Point];
  return { width: W, height: H, channels: 3, pixels: canvas.pixels, eyeCenters: a.x <= b.x ? [a, b] : [b, a] };
}

/** Applies exposure (a gain of 2^stops through a lookup table) and faint sensor noise. */
function finish(pixels: Uint8Array, stops: number, seed: number): void {
  const gain = 2 ** stops;
  const lut = new Uint8Array(512); // index = value + 128 + noise, so noise never goes negative
  for (let v = 0; v < 512; v++) lut[v] = Math.max(0, Math.min(255, Math.round((v - 128) * gain)));
  const table = sharedGaussianTable();
  const rng = mulberry32(seed);
  const chunk = 3072;
  for (let start = 0; start < pixels.length; start += chunk) {
    const end = Math.min(pixels.length, start + chunk);
    for (let i = start, k = (rng() * 65536) | 0; i < end; i++, k++) {
      pixels[i] = lut[(pixels[i]! + 128.5 + 1.5 * table[k & 65535]!) | 0]!;
    }
  }
}
