/**
 * What one session has captured so far, held in memory until it is committed to the outbox (or
 * discarded). Keeps the best attempt per capture target, and builds the capture package in the
 * wire model of protocols/capture (slaps and palms as PNG, the portrait as the camera's JPEG,
 * the signature as PNG with its pen samples). Nothing here is logged.
 *
 * Slaps and palms are PNG-encoded by the `pngEncoder` when one is given (boothd's runs on a worker
 * thread): keeping such a capture does not wait for its encoding, the capture holds its place in
 * the package at once, and `encoded()` — awaited before `build` — waits for every encoding and
 * fails with a clear error when one failed. A better attempt kept under the same target, or
 * `discard`, drops the encodings it replaces. Without an encoder they are encoded on the spot.
 */
import type { Portrait } from '../../hal/camera.ts';
import type { FingerCapture, Palm, PalmCapture, Slap } from '../../hal/fingerprint.ts';
import type { Signature } from '../../hal/signature-pad.ts';
import {
  captureId,
  type Capture,
  type CapturePackage,
  type DocumentRead,
  type MissingReason,
  type SessionResult,
} from './package-codec.ts';
import { encodePng, type PngEncoder, type RasterImage } from '../imaging/png.ts';
import type { Language, MissingFingerReason } from '../kiosk/session-contract.ts';

/** ANSI/NIST-ITL FGP codes of the slaps and palms. */
const SLAP_POSITION: Record<Slap, number> = { 'right-four': 13, 'left-four': 14, 'two-thumbs': 15 };
const PALM_POSITION: Record<Palm, number> = { 'right-full': 21, 'right-writer': 22, 'left-full': 23, 'left-writer': 24 };
const MISSING_REASON: Record<MissingFingerReason, MissingReason> = { amputated: 'AMPUTATED', bandaged: 'BANDAGED', 'unable-to-print': 'UNABLE_TO_PRINT' };

export interface CaptureOrigin {
  deviceId: string;
  deviceSerial: string;
  startedAtMs: number;
  attempt: number;
}

export interface SessionRecordOptions {
  /** Encodes slaps and palms elsewhere (a worker thread); absent: encoded synchronously. */
  pngEncoder?: PngEncoder;
}

/** A capture whose PNG is still being made: it is in `#captures` with an empty image until then. */
interface Encoding {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

const NOT_YET_ENCODED = new Uint8Array(0);

export class SessionRecord {
  readonly sessionId: string;
  readonly startedAt: number;
  language: Language | undefined;
  consent: { given: boolean; textVersion: string; atMs: number } | undefined;
  document: DocumentRead | undefined;
  readonly missing = new Map<number, MissingFingerReason>();
  /** One capture per target (e.g. `SLAP-13`), the best attempt so far. */
  readonly #captures = new Map<string, Capture>();
  readonly #pngEncoder: PngEncoder | undefined;
  /** Per target: the encoding of the capture kept there, while it runs. */
  readonly #encodings = new Map<string, Encoding>();
  /** Per target: why the kept capture's encoding failed (cleared when a new attempt replaces it). */
  readonly #encodingFailures = new Map<string, Error>();

  constructor(sessionId: string, startedAt: number, options: SessionRecordOptions = {}) {
    this.sessionId = sessionId;
    this.startedAt = startedAt;
    this.#pngEncoder = options.pngEncoder;
  }

  get captureCount(): number {
    return this.#captures.size;
  }

  /** Drops every capture and identity datum (refusal, abandonment, fire alarm, officer discard). */
  discard(): void {
    for (const encoding of this.#encodings.values()) encoding.controller.abort(new Error(`session ${this.sessionId} discarded`));
    this.#encodings.clear();
    this.#encodingFailures.clear();
    this.#captures.clear();
    this.document = undefined;
    this.missing.clear();
  }

  keepSlap(slap: Slap, capture: FingerCapture, origin: CaptureOrigin): void {
    const { image } = capture;
    const qualities = capture.fingers.map((finger) => finger.quality);
    this.keep({
      ...this.common('SLAP', SLAP_POSITION[slap], origin, capture.capturedAt),
      format: 'PNG',
      width: image.width,
      height: image.height,
      ppi: image.ppi,
      quality: qualities.length > 0 ? Math.min(...qualities) : 0,
      segments: capture.fingers.map((finger) => ({ position: finger.position, quality: finger.quality, ...finger.box })),
      image: NOT_YET_ENCODED,
    }, { width: image.width, height: image.height, channels: 1, pixels: image.pixels });
  }

  keepPalm(capture: PalmCapture, origin: CaptureOrigin): void {
    const { image } = capture;
    this.keep({
      ...this.common('PALM', PALM_POSITION[capture.palm], origin, capture.capturedAt),
      format: 'PNG',
      width: image.width,
      height: image.height,
      ppi: image.ppi,
      quality: capture.quality,
      image: NOT_YET_ENCODED,
    }, { width: image.width, height: image.height, channels: 1, pixels: image.pixels });
  }

  keepPortrait(portrait: Portrait, quality: number, origin: CaptureOrigin): void {
    this.keep({
      ...this.common('FACE', 0, origin, portrait.capturedAt),
      format: 'JPEG',
      width: portrait.width,
      height: portrait.height,
      ppi: 0,
      quality,
      image: portrait.jpeg,
    });
  }

  keepSignature(signature: Signature, origin: CaptureOrigin, capturedAt: number): void {
    this.keep({
      ...this.common('SIGNATURE', 0, origin, capturedAt),
      format: 'PNG',
      width: signature.width,
      height: signature.height,
      ppi: 0,
      quality: 100,
      image: signature.png,
      penSamples: signature.samples,
    });
  }

  /**
   * Resolves once every kept capture is encoded; rejects, naming the capture, when an encoding
   * failed (the encoder's thread died, timed out, or the image was malformed).
   */
  async encoded(): Promise<void> {
    while (this.#encodings.size > 0) await Promise.all([...this.#encodings.values()].map((encoding) => encoding.done));
    const failures = [...this.#encodingFailures.values()];
    if (failures.length > 0) {
      const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
      throw new Error(`${failures[0]!.message}${more}`, { cause: failures[0] });
    }
  }

  build(boothId: string, result: SessionResult, reason: string, now: number): CapturePackage {
    if (!this.consent?.given) throw new Error(`session ${this.sessionId} has no consent: nothing may be packaged`);
    if (this.#encodings.size > 0) throw new Error(`session ${this.sessionId}: ${this.#encodings.size} capture image(s) still being encoded (await encoded() first)`);
    const failure = this.#encodingFailures.values().next();
    if (!failure.done) throw failure.value;
    return {
      packageId: this.sessionId,
      sessionId: this.sessionId,
      boothId,
      language: this.language ?? 'und',
      consent: this.consent,
      missingFingers: [...this.missing].map(([position, reason]) => ({ position, reason: MISSING_REASON[reason] })),
      captures: [...this.#captures.values()],
      outcome: { result, reason, endedAtMs: now },
      createdAtMs: now,
      ...(this.document ? { document: this.document } : {}),
    };
  }

  /** Keeps `capture` in its target's place; `raster`, when given, is encoded to PNG as its image. */
  private keep(capture: Capture, raster?: RasterImage): void {
    const target = `${capture.kind}-${capture.position}`;
    this.#encodings.get(target)?.controller.abort(new Error(`${target} replaced by a better attempt`));
    this.#encodings.delete(target);
    this.#encodingFailures.delete(target);
    const encoder = this.#pngEncoder;
    if (!raster) {
      this.#captures.set(target, capture);
    } else if (!encoder) {
      this.#captures.set(target, { ...capture, image: encodePng(raster) });
    } else {
      // In its place now (the package's order is the order of keeping), its image when encoded.
      this.#captures.set(target, capture);
      const controller = new AbortController();
      const current = () => this.#encodings.get(target) === encoding;
      const encoding: Encoding = {
        controller,
        done: encoder.encode(raster, controller.signal).then(
          (png) => {
            if (!current()) return; // replaced or discarded meanwhile
            this.#encodings.delete(target);
            this.#captures.set(target, { ...capture, image: png });
          },
          (error: unknown) => {
            if (!current()) return;
            this.#encodings.delete(target);
            const why = error instanceof Error ? error.message : String(error);
            this.#encodingFailures.set(target, new Error(`PNG encoding of capture ${capture.captureId} (${target}) failed: ${why}`, { cause: error }));
          },
        ),
      };
      this.#encodings.set(target, encoding);
    }
  }

  private common(kind: Capture['kind'], position: number, origin: CaptureOrigin, capturedAt: number) {
    return {
      captureId: captureId(this.sessionId, kind, position, origin.attempt),
      kind,
      position,
      attempt: origin.attempt,
      deviceId: origin.deviceId,
      deviceSerial: origin.deviceSerial,
      startedAtMs: origin.startedAtMs,
      capturedAtMs: capturedAt,
      segments: [],
      penSamples: [],
    };
  }
}
