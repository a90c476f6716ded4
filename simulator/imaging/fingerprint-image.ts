// Synthetic 500 ppi fingerprint and palm images for the scanner simulators. Ridges are the
// level lines of a cheap scalar field (distance to a segment gives loops, to a short bar with
// a spiral twist gives whorls, a bump gives arches), perturbed by smooth noise and phase
// dislocations (ridge endings/bifurcations); quality drives contrast, noise, smudges, breaks.
import { deriveSeed, mulberry32, sharedGaussianTable, ValueNoise } from './random.ts';
import type { Rng } from './random.ts';
import type { RasterImage } from '../../protocols/imaging/png.ts';

export type FingerPattern = 'arch' | 'left-loop' | 'right-loop' | 'whorl';
/**
 * quality: 0 (unusable) to 100 (ideal), NFIQ 2-like scale; pattern is random if omitted;
 * slot: platen position from the left (0..3, thumbs 0..1), default the index in the list, so
 * a missing finger can leave its gap.
 */
export interface FingerSpec { quality: number; pattern?: FingerPattern; slot?: number }
export interface Box { x: number; y: number; width: number; height: number }
export interface FingerprintImage { width: number; height: number; ppi: number; pixels: Uint8Array }
/** boxes[i] and patterns[i] belong to fingers[i] (left to right when slots increase). */
export interface FingerprintCapture extends FingerprintImage { boxes: Box[]; patterns: FingerPattern[] }
export interface SlapOptions {
  seed?: number;
  /** Two-thumb slap layout; defaults to true when exactly two fingers are given. */
  thumbs?: boolean;
  /** Hand of a four-finger slap: sets which side the little finger (lowest, smallest) is on. */
  hand?: 'left' | 'right';
}

export const SLAP_WIDTH = 1600; // 3.2 in x 3.0 in at 500 ppi, the usual slap platen
export const SLAP_HEIGHT = 1500;
const PPI = 500;
const TAU = Math.PI * 2;

// Per-pixel sensor noise comes from a shared table at seeded row offsets: much cheaper
// than a PRNG call per pixel.
const NOISE_MASK = 65535;

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** How a given quality looks: ridge profile, ink depth, sensor noise, smudge and break rates. */
interface RidgeStyle { lut: Float32Array; depth: number; sigma: number; smudgeThr: number; breakThr: number }
function ridgeStyle(quality: number, rng: Rng): RidgeStyle {
  if (!Number.isFinite(quality)) throw new RangeError(`finger quality must be a number 0-100, got ${quality}`);
  const q = clamp01(quality / 100);
  const defect = (1 - q) ** 1.5; // defects stay rare down to mid quality, then take over
  const sharp = 0.8 + 1.8 * q; // crisp ridge edges when good, blurred when bad
  const bias = (rng() - 0.5) * 0.6 * (1 - q); // wet (thick ridges) or dry (thin ridges) finger
  const lut = new Float32Array(256); // ink (0..1) by ridge phase
  for (let k = 0; k < 256; k++) lut[k] = clamp01(0.5 + 0.5 * sharp * (Math.cos((TAU * k) / 256) + bias));
  return { lut, depth: 60 + 170 * q, sigma: 3 + 26 * (1 - q), smudgeThr: 0.9 - 1.6 * defect, breakThr: 1.2 - 1.6 * defect };
}

/** atan2 within 2.1e-4 rad (measured), cheaper than Math.atan2 in the per-pixel loops. */
function fastAtan2(y: number, x: number): number {
  const ax = x < 0 ? -x : x;
  const ay = y < 0 ? -y : y;
  const mx = ax > ay ? ax : ay;
  if (mx === 0) return 0;
  const a = (ax > ay ? ay : ax) / mx;
  const s = a * a;
  let r = ((-0.0464964749 * s + 0.15931422) * s - 0.327622764) * s * a + a;
  if (ay > ax) r = 1.57079637 - r;
  if (x < 0) r = 3.14159274 - r;
  return y < 0 ? -r : r;
}

interface Placement { cx: number; cy: number; a: number; b: number; rot: number }

/**
 * Adds to `phase` (a box-sized field, in ridge periods) pairs of opposite phase dislocations:
 * each pair inserts a short ridge, i.e. a ridge ending and a bifurcation. The angle difference
 * is wrapped to (-pi, pi] so the only jump is between the two points, where it is exactly one
 * period and invisible; the taper far from the pair removes the residue smoothly.
 */
function addMinutiae(phase: Float32Array, box: Box, p: Placement, count: number, rng: Rng): void {
  for (let n = 0; n < count; n++) {
    const ang = rng() * TAU;
    const rad = Math.sqrt(rng()) * 0.75;
    const mx = p.cx + Math.cos(ang) * rad * p.a - box.x;
    const my = p.cy + Math.sin(ang) * rad * p.b - box.y;
    const d = 18 + rng() * 40;
    const dir = rng() * TAU;
    const x1 = mx - (Math.cos(dir) * d) / 2, y1 = my - (Math.sin(dir) * d) / 2;
    const x2 = mx + (Math.cos(dir) * d) / 2, y2 = my + (Math.sin(dir) * d) / 2;
    const r0 = 2.5 * d, r1 = 5 * d;
    const xs = Math.max(0, Math.floor(mx - r1)), xe = Math.min(box.width, Math.ceil(mx + r1));
    const ys = Math.max(0, Math.floor(my - r1)), ye = Math.min(box.height, Math.ceil(my + r1));
    for (let y = ys; y < ye; y++) {
      for (let x = xs; x < xe; x++) {
        const r = Math.hypot(x - mx, y - my);
        if (r >= r1) continue;
        let diff = fastAtan2(y - y1, x - x1) - fastAtan2(y - y2, x - x2);
        if (diff > Math.PI) diff -= TAU;
        else if (diff < -Math.PI) diff += TAU;
        const w = r <= r0 ? 1 : (r1 - r) / (r1 - r0);
        const k = y * box.width + x;
        phase[k] = phase[k]! + (diff / TAU) * w;
      }
    }
  }
}

/** Draws one fingertip into a white canvas (darkest ink wins) and returns its bounding box. */
function drawFinger(img: Uint8Array, W: number, H: number, p: Placement, pattern: FingerPattern, quality: number, seed: number): Box {
  const rng = mulberry32(seed);
  const style = ridgeStyle(quality, rng);
  const cos = Math.cos(p.rot), sin = Math.sin(p.rot);
  const ex = Math.sqrt(p.a * p.a * cos * cos + p.b * p.b * sin * sin);
  const ey = Math.sqrt(p.a * p.a * sin * sin + p.b * p.b * cos * cos);
  const x0 = Math.max(0, Math.floor(p.cx - ex)), x1 = Math.min(W, Math.ceil(p.cx + ex));
  const y0 = Math.max(0, Math.floor(p.cy - ey)), y1 = Math.min(H, Math.ceil(p.cy + ey));
  const box: Box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };

  const period = 9 + rng() * 1.2;
  const cu = (rng() - 0.5) * 0.25 * p.a, cv = -0.12 * p.b + (rng() - 0.5) * 0.2 * p.b; // core
  const kind = pattern === 'arch' ? 0 : pattern === 'whorl' ? 2 : 1;
  const alpha = 0.6 + rng() * 0.4; // loop opening direction from the finger axis
  const lx = (pattern === 'left-loop' ? -1 : 1) * Math.sin(alpha), ly = Math.cos(alpha);
  const L = 3 * p.a;
  const bar = 8 + rng() * 22; // whorl: half-length of the central bar
  const twist = rng() < 0.6 ? period / TAU : 0; // spiral whorl or concentric one
  const archH = (0.3 + 0.2 * rng()) * p.b, archS2 = (0.5 * p.a) ** 2;

  const phase = new Float32Array(box.width * box.height);
  addMinutiae(phase, box, p, 4 + Math.floor(rng() * 5), rng);
  const warp = new ValueNoise(rng, W, H, 60), blotch = new ValueNoise(rng, W, H, 45), breaks = new ValueNoise(rng, W, H, 11);
  const breaks2 = new ValueNoise(rng, W, H, 7);
  const warpRow = new Float32Array(box.width), blotchRow = new Float32Array(box.width), breakRow = new Float32Array(box.width);
  const breakRow2 = new Float32Array(box.width);
  const table = sharedGaussianTable();
  const { lut, depth, sigma, smudgeThr, breakThr } = style;
  const ia = 1 / p.a, ib = 1 / p.b, minAB = Math.min(p.a, p.b), invPeriod = 1 / period;

  for (let y = y0; y < y1; y++) {
    warp.row(y, x0, box.width, warpRow);
    blotch.row(y, x0, box.width, blotchRow);
    breaks.row(y, x0, box.width, breakRow);
    breaks2.row(y, x0, box.width, breakRow2);
    const noiseOff = (rng() * 65536) | 0;
    const dx = x0 - p.cx, dy = y - p.cy;
    let u = dx * cos + dy * sin, v = -dx * sin + dy * cos; // finger frame, v toward the palm
    for (let i = 0, o = y * W + x0, j = (y - y0) * box.width; i < box.width; i++, o++, j++, u += cos, v -= sin) {
      const e = u * u * ia * ia + v * v * ib * ib;
      if (e >= 1) continue;
      const bl = blotchRow[i]!;
      const edge = clamp01(((1 - Math.sqrt(e)) * minAB + 14 * bl) / 25); // soft, irregular outline
      if (edge === 0) continue;
      const du = u - cu, dv = v - cv;
      let f: number;
      if (kind === 1) {
        let t = du * lx + dv * ly;
        t = t < 0 ? 0 : t > L ? L : t;
        const sx = du - t * lx, sy = dv - t * ly;
        f = Math.sqrt(sx * sx + sy * sy);
      } else if (kind === 2) {
        const sy = dv < -bar ? dv + bar : dv > bar ? dv - bar : 0;
        f = Math.sqrt(du * du + sy * sy) + (twist === 0 ? 0 : twist * fastAtan2(dv, du));
      } else {
        f = dv + (archH * archS2) / (du * du + archS2);
      }
      const ph = (f + 6 * warpRow[i]!) * invPeriod + phase[j]!;
      let ink = lut[((ph - Math.floor(ph)) * 256) | 0]!;
      ink += (0.5 - ink) * clamp01((bl - smudgeThr) * 3); // smudged patches go grey
      // Dry spots break ridges; two octaves hide the square cells of the noise grid.
      ink *= 1 - clamp01((breakRow[i]! + 0.6 * breakRow2[i]! - breakThr) * 3);
      const val = 255.5 - depth * (0.85 + 0.15 * bl) * edge * ink + sigma * edge * table[(noiseOff + i) & NOISE_MASK]!;
      const out = val < 0 ? 0 : val > 255 ? 255 : val;
      if (out < img[o]!) img[o] = out;
    }
  }
  return box;
}

function pickPattern(rng: Rng): FingerPattern {
  const r = rng();
  return r < 0.3 ? 'whorl' : r < 0.62 ? 'right-loop' : r < 0.95 ? 'left-loop' : 'arch';
}

// Fingertip slots as fractions of the canvas (right hand: index, middle, ring, little).
const FOUR_SLOTS = [
  { cx: 0.18, cy: 0.4, a: 150, b: 225, rot: -0.14 },
  { cx: 0.4, cy: 0.33, a: 155, b: 240, rot: -0.04 },
  { cx: 0.61, cy: 0.38, a: 148, b: 230, rot: 0.06 },
  { cx: 0.81, cy: 0.5, a: 122, b: 185, rot: 0.18 },
];
const THUMB_SLOTS = [
  { cx: 0.28, cy: 0.42, a: 190, b: 280, rot: 0.12 },
  { cx: 0.72, cy: 0.42, a: 190, b: 280, rot: -0.12 },
];

/**
 * Every random choice of a finger is keyed by (seed, slot): a finger looks and sits the same
 * whether or not its neighbours are present.
 */
function render(W: number, H: number, fingers: FingerSpec[], slots: Placement[], seed: number): FingerprintCapture {
  const pixels = new Uint8Array(W * H).fill(255);
  const boxes: Box[] = [];
  const patterns: FingerPattern[] = [];
  fingers.forEach((spec, i) => {
    const slot = spec.slot ?? i;
    const place = slots[slot];
    if (!Number.isInteger(slot) || place === undefined) throw new RangeError(`finger slot ${slot} outside 0..${slots.length - 1}`);
    const rng = mulberry32(deriveSeed(seed, 0x51a9 + slot));
    const pattern = spec.pattern ?? pickPattern(rng);
    patterns.push(pattern);
    boxes.push(drawFinger(pixels, W, H, jitter(rng, place, W, H), pattern, spec.quality, deriveSeed(seed, slot + 1)));
  });
  return { width: W, height: H, ppi: PPI, pixels, boxes, patterns };
}

/** Jitters a slot (given as canvas fractions) so repeated captures differ in placement. */
function jitter(rng: Rng, s: Placement, W: number, H: number): Placement {
  const k = 0.95 + rng() * 0.1;
  return { cx: s.cx * W + (rng() - 0.5) * 30, cy: s.cy * H + (rng() - 0.5) * 50, a: s.a * k, b: s.b * k, rot: s.rot + (rng() - 0.5) * 0.1 };
}

/** A slap capture (four fingers, or two thumbs) on a 1600x1500 canvas at 500 ppi. */
export function renderSlap(fingers: FingerSpec[], options: SlapOptions = {}): FingerprintCapture {
  const thumbs = options.thumbs ?? fingers.length === 2;
  const max = thumbs ? 2 : 4;
  // Zero fingers is valid: a blank platen (nobody placed a hand, or all fingers missing).
  if (fingers.length > max) throw new RangeError(`a ${thumbs ? 'thumb' : 'four-finger'} slap takes at most ${max} fingers`);
  let slots = thumbs ? THUMB_SLOTS : FOUR_SLOTS;
  if (!thumbs && options.hand === 'left') slots = [...slots].reverse().map((s) => ({ ...s, cx: 1 - s.cx, rot: -s.rot }));
  return render(SLAP_WIDTH, SLAP_HEIGHT, fingers, slots, options.seed ?? 1);
}

/** A single flat (plain) finger impression, 400x500 at 500 ppi. */
export function renderFlat(quality: number, options: { seed?: number; pattern?: FingerPattern } = {}): FingerprintCapture {
  const spec: FingerSpec = options.pattern === undefined ? { quality } : { quality, pattern: options.pattern };
  return render(400, 500, [spec], [{ cx: 0.5, cy: 0.48, a: 160, b: 220, rot: 0 }], options.seed ?? 1);
}

export const PALM_WIDTH = 2000; // 4.0 in x 4.8 in at 500 ppi
export const PALM_HEIGHT = 2400;

/**
 * A full palm at 500 ppi: flowing ridges (a tilted line field with large-scale warping)
 * inside a rounded outline, crossed by the three main flexion creases (ridge-free bands).
 */
export function renderPalm(quality: number, options: { seed?: number } = {}): FingerprintImage {
  const W = PALM_WIDTH, H = PALM_HEIGHT;
  const rng = mulberry32(deriveSeed(options.seed ?? 1, 0x9a1e));
  const { lut, depth, sigma, smudgeThr, breakThr } = ridgeStyle(quality, rng);
  const pixels = new Uint8Array(W * H).fill(255);
  const big = new ValueNoise(rng, W, H, 380), warp = new ValueNoise(rng, W, H, 70);
  const blotch = new ValueNoise(rng, W, H, 60), breaks = new ValueNoise(rng, W, H, 11);
  const bigRow = new Float32Array(W), warpRow = new Float32Array(W), blotchRow = new Float32Array(W), breakRow = new Float32Array(W);
  const table = sharedGaussianTable();
  const cx = W / 2, cy = H * 0.52, ia = 1 / (W * 0.46), ib = 1 / (H * 0.47);
  const invPeriod = 1 / (9.5 + rng() * 1), tilt = 0.15 + rng() * 0.2;
  const lifeX = W * 0.95, lifeY = H * 0.72, lifeR = W * 0.44; // thenar crease: arc round the thumb base

  for (let y = 0; y < H; y++) {
    const ny = (y - cy) * ib;
    if (ny * ny >= 1) continue;
    big.row(y, 0, W, bigRow);
    warp.row(y, 0, W, warpRow);
    blotch.row(y, 0, W, blotchRow);
    breaks.row(y, 0, W, breakRow);
    const noiseOff = (rng() * 65536) | 0;
    const ny4 = ny * ny * ny * ny;
    for (let x = 0, o = y * W; x < W; x++, o++) {
      const nx = (x - cx) * ia;
      const e = nx * nx * nx * nx + ny4; // superellipse: a palm is boxier than an ellipse
      if (e >= 1) continue;
      const bl = blotchRow[x]!;
      const edge = clamp01((1 - e) * 9 + 0.3 * bl);
      const f = y + tilt * x + 110 * bigRow[x]! + 6 * warpRow[x]!;
      const ph = f * invPeriod;
      let ink = lut[((ph - Math.floor(ph)) * 256) | 0]!;
      // Creases: distance to the distal and proximal transverse lines and the thenar arc.
      // The large-scale noise bends them so they are not ruler-straight.
      const X = x / W, yw = y + 45 * bigRow[x]!;
      // Adding a ramp to the distance makes each crease narrow out at its free end.
      const d1 = Math.abs(yw - H * (0.2 + 0.1 * X - 0.12 * (X - 0.6) ** 2)) + (X < 0.14 ? (0.14 - X) * 400 : 0);
      const d2 = Math.abs(yw - H * (0.34 + 0.12 * X * X)) + (X > 0.68 ? (X - 0.68) * 400 : 0);
      const d3 = Math.abs(Math.hypot(x - lifeX, yw - lifeY) - lifeR) + (y < H * 0.36 ? (H * 0.36 - y) * 0.5 : 0);
      const crease = Math.min(d1, d2, d3) - (7 + 5 * warpRow[x]!);
      if (crease < 4) ink *= clamp01(crease / 4);
      ink += (0.5 - ink) * clamp01((bl - smudgeThr) * 3);
      ink *= 1 - clamp01((breakRow[x]! - breakThr) * 3);
      const val = 255.5 - depth * (0.85 + 0.15 * bl) * edge * ink + sigma * edge * table[(noiseOff + x) & NOISE_MASK]!;
      pixels[o] = val < 0 ? 0 : val > 255 ? 255 : val;
    }
  }
  return { width: W, height: H, ppi: PPI, pixels };
}

/** Box-filter reduction by an integer factor, for live preview frames (ppi scales down too). */
export function downscale(image: FingerprintImage, factor: number): FingerprintImage;
export function downscale(image: RasterImage, factor: number): RasterImage;
export function downscale(image: { width: number; height: number; pixels: Uint8Array; channels?: 1 | 3; ppi?: number }, factor: number): FingerprintImage | RasterImage {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`downscale factor must be a positive integer, got ${factor}`);
  const ch = image.channels ?? 1;
  const w = Math.max(1, Math.floor(image.width / factor)), h = Math.max(1, Math.floor(image.height / factor));
  const fx = Math.min(factor, image.width), fy = Math.min(factor, image.height);
  const out = new Uint8Array(w * h * ch);
  const sums = new Uint32Array(w * ch);
  for (let y = 0; y < h; y++) {
    sums.fill(0);
    for (let sy = y * fy; sy < (y + 1) * fy; sy++) {
      const row = sy * image.width * ch;
      for (let x = 0; x < w * fx; x++) {
        const k = ((x / fx) | 0) * ch;
        for (let c = 0; c < ch; c++) sums[k + c] = sums[k + c]! + image.pixels[row + x * ch + c]!;
      }
    }
    const n = fx * fy;
    for (let i = 0; i < w * ch; i++) out[y * w * ch + i] = Math.round(sums[i]! / n);
  }
  if (image.ppi !== undefined) return { width: w, height: h, ppi: image.ppi / factor, pixels: out };
  return { width: w, height: h, channels: ch, pixels: out };
}
