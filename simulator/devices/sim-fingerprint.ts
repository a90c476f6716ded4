/**
 * Simulated fingerprint and palm scanner. A simulated person places the fingers asked for
 * after `placeDelayMs`; the scanner streams downscaled preview frames, then returns a 500 ppi
 * grayscale image with the SDK-style segmentation (which finger, where, what quality) and a
 * liveness verdict. Test hooks make the person misbehave: wrong hand, a finger missing, the
 * same finger twice, a fake finger, nobody placing anything, and per-finger quality.
 */
import { z } from 'zod';
import { sleep } from '../../hal/clock.ts';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import {
  FINGER_POSITIONS,
  SLAP_FINGERS,
  type FingerCapture,
  type FingerPosition,
  type FingerprintCapability,
  type FingerprintEvents,
  type FingerprintScanner,
  type GrayImage,
  type Liveness,
  type Palm,
  type PalmCapture,
  type SegmentedFinger,
  type Slap,
} from '../../hal/fingerprint.ts';
import { downscale, renderFlat, renderPalm, renderSlap, type FingerprintCapture } from '../imaging/fingerprint-image.ts';
import { SimDevice } from './sim-device.ts';

const quality = z.number().int().min(0).max(100);

export const simFingerprintProps = z
  .object({
    /** Quality every finger has unless a test sets it. */
    defaultQuality: quality.default(70),
    palmQuality: quality.default(65),
    /** How long the simulated person takes to place their hand. */
    placeDelayMs: z.number().int().min(0).max(60_000).default(600),
    previewFrames: z.number().int().min(0).max(30).default(3),
    /** A palm-capable platen; false makes capturePalm answer ENOTSUP. */
    palms: z.boolean().default(true),
    rolled: z.boolean().default(true),
    latencyMs: z.number().int().min(0).max(10_000).default(20),
    seed: z.number().int().default(1),
    serial: z.string().default('SIM-FP-0001'),
  })
  .strict();
export type SimFingerprintProps = z.infer<typeof simFingerprintProps>;

/** The same finger on the other hand: 2 (right index) ↔ 7 (left index). */
const otherHand = (position: FingerPosition): FingerPosition => (((position + 4) % 10) + 1) as FingerPosition;

export class SimFingerprintScanner extends SimDevice<FingerprintEvents, FingerprintCapability> implements FingerprintScanner {
  readonly deviceClass = 'fingerprint' as const;
  readonly capabilities: ReadonlySet<FingerprintCapability>;
  protected readonly model = 'SimScan 442-P (500 ppi)';
  readonly #props: SimFingerprintProps;
  readonly #quality = new Map<FingerPosition, number>();
  #willPlace = true;
  #wrongHand = false;
  #missing = new Set<FingerPosition>();
  #duplicate: FingerPosition | undefined;
  #spoof = false;
  #captures = 0;

  constructor(context: DeviceContext, props: SimFingerprintProps) {
    super(context, props);
    this.#props = props;
    const capabilities: FingerprintCapability[] = ['slap', 'flat', 'preview', 'liveness', 'segmentation'];
    if (props.rolled) capabilities.push('rolled');
    if (props.palms) capabilities.push('palm');
    this.capabilities = new Set(capabilities);
  }

  captureSlap(slap: Slap, options?: IoOptions): Promise<FingerCapture> {
    return this.command('captureSlap', options, { timeoutMs: 30_000 }, async (signal) => {
      await this.roundTrip(signal, () => undefined);
      const placed = this.placedFingers(SLAP_FINGERS[slap]);
      const positions = placed.map((finger) => finger.position);
      const hand = handOf(positions[0] ?? SLAP_FINGERS[slap][0]!);
      // Each finger keeps its platen slot, so a missing finger leaves a gap as it would for real.
      const image = renderSlap(
        placed.map((finger) => ({ quality: this.qualityOf(finger.position), slot: finger.slot })),
        { seed: this.nextSeed(), thumbs: slap === 'two-thumbs', hand },
      );
      await this.waitForPlacement(image, positions, signal);
      return {
        kind: 'slap',
        image: gray(image),
        fingers: segments(image, positions, this),
        hand: slap === 'two-thumbs' ? 'both' : hand,
        liveness: this.liveness(),
        capturedAt: this.clock.now(),
      };
    });
  }

  captureFlat(finger: FingerPosition, options?: IoOptions): Promise<FingerCapture> {
    return this.single('flat', finger, options);
  }

  captureRolled(finger: FingerPosition, options?: IoOptions): Promise<FingerCapture> {
    if (!this.#props.rolled) return Promise.reject(this.error('ENOTSUP', 'captureRolled', 'this platen cannot roll'));
    return this.single('rolled', finger, options);
  }

  capturePalm(palm: Palm, options?: IoOptions): Promise<PalmCapture> {
    return this.command('capturePalm', options, { timeoutMs: 30_000 }, async (signal) => {
      if (!this.#props.palms) throw this.error('ENOTSUP', 'capturePalm', 'this scanner has no palm platen');
      await this.roundTrip(signal, () => undefined);
      const image = renderPalm(this.#props.palmQuality, { seed: this.nextSeed() });
      await this.waitForPlacement({ ...image, boxes: [], patterns: [] }, [], signal);
      return { palm, image: gray(image), quality: this.#props.palmQuality, liveness: this.liveness(), capturedAt: this.clock.now() };
    });
  }

  /** Test hook: the quality the scanner will measure for `finger` (0–100). */
  setFingerQuality(finger: FingerPosition, value: number): void {
    this.#quality.set(finger, quality.parse(value));
  }

  /** Test hook: every finger at this quality. */
  setAllFingersQuality(value: number): void {
    for (const finger of FINGER_POSITIONS) this.setFingerQuality(finger, value);
  }

  /** Test hook: nobody places anything until `true` again; captures then time out. */
  setPersonPlaces(places: boolean): void {
    this.#willPlace = places;
  }

  /** Test hook: the person puts the other hand on the platen. */
  setWrongHand(wrong: boolean): void {
    this.#wrongHand = wrong;
  }

  /** Test hook: this finger never touches the platen (amputated, bandaged, lifted). */
  setFingerMissing(finger: FingerPosition, missing: boolean): void {
    if (missing) this.#missing.add(finger);
    else this.#missing.delete(finger);
  }

  /** Test hook: the next slap shows this finger twice (the person re-places the same finger). */
  duplicateFingerOnce(finger: FingerPosition): void {
    this.#duplicate = finger;
  }

  /** Test hook: a silicone or printed fake; liveness fails. */
  setSpoof(spoof: boolean): void {
    this.#spoof = spoof;
  }

  private single(kind: 'flat' | 'rolled', finger: FingerPosition, options?: IoOptions): Promise<FingerCapture> {
    const operation = kind === 'flat' ? 'captureFlat' : 'captureRolled';
    return this.command(operation, options, { timeoutMs: 30_000 }, async (signal) => {
      await this.roundTrip(signal, () => undefined);
      const placed = this.placedFingers([finger]).map((placedFinger) => placedFinger.position);
      const image = renderFlat(this.qualityOf(placed[0] ?? finger), { seed: this.nextSeed() });
      await this.waitForPlacement(image, placed, signal);
      return { kind, image: gray(image), fingers: segments(image, placed, this), liveness: this.liveness(), capturedAt: this.clock.now() };
    });
  }

  /** Which fingers actually land on the platen when `asked` are requested. */
  private placedFingers(asked: readonly FingerPosition[]): Array<{ position: FingerPosition; slot: number }> {
    const placed = asked
      .map((position, slot) => ({ position: this.#wrongHand ? otherHand(position) : position, slot }))
      .filter((finger) => !this.#missing.has(finger.position));
    const duplicate = this.#duplicate;
    const last = placed.at(-1);
    if (duplicate !== undefined && last && placed.length > 1) {
      last.position = duplicate;
      this.#duplicate = undefined;
    }
    return placed;
  }

  /** Streams preview frames while the person places the hand; waits forever if nobody does. */
  private async waitForPlacement(image: FingerprintCapture, placed: readonly FingerPosition[], signal: AbortSignal): Promise<void> {
    while (!this.#willPlace) await sleep(this.clock, 50, signal);
    const frames = this.#props.previewFrames;
    const step = frames > 0 ? this.#props.placeDelayMs / frames : this.#props.placeDelayMs;
    (this as FingerprintScanner).emit('presence', true);
    for (let frame = 0; frame < frames; frame += 1) {
      await sleep(this.clock, step, signal);
      const preview = downscale(image, 4);
      (this as FingerprintScanner).emit('preview', {
        image: gray(preview),
        fingers: segments(image, placed, this).map((finger) => ({ ...finger, quality: Math.round((finger.quality * (frame + 1)) / frames) })),
      });
    }
    if (frames === 0) await sleep(this.clock, step, signal);
    (this as FingerprintScanner).emit('presence', false);
  }

  qualityOf(position: FingerPosition): number {
    return this.#quality.get(position) ?? this.#props.defaultQuality;
  }

  private liveness(): Liveness {
    return this.#spoof ? { live: false, score: 8 } : { live: true, score: 96 };
  }

  private nextSeed(): number {
    this.#captures += 1;
    return this.#props.seed * 1000 + this.#captures;
  }
}

function handOf(position: FingerPosition): 'right' | 'left' {
  return position <= 5 ? 'right' : 'left';
}

function gray(image: { width: number; height: number; pixels: Uint8Array; ppi?: number }): GrayImage {
  return { width: image.width, height: image.height, ppi: image.ppi ?? 500, pixels: image.pixels };
}

function segments(
  image: FingerprintCapture,
  placed: readonly FingerPosition[],
  scanner: { qualityOf(position: FingerPosition): number },
): SegmentedFinger[] {
  return placed.map((position, index) => ({
    position,
    quality: scanner.qualityOf(position),
    box: image.boxes[index] ?? { x: 0, y: 0, width: image.width, height: image.height },
  }));
}
