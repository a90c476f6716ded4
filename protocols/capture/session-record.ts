/**
 * What one session has captured so far, held in memory until it is committed to the outbox (or
 * discarded). Keeps the best attempt per capture target, and builds the capture package in the
 * wire model of protocols/capture (slaps and palms as PNG, the portrait as the camera's JPEG,
 * the signature as PNG with its pen samples). Nothing here is logged.
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
import { encodePng } from '../imaging/png.ts';
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

export class SessionRecord {
  readonly sessionId: string;
  readonly startedAt: number;
  language: Language | undefined;
  consent: { given: boolean; textVersion: string; atMs: number } | undefined;
  document: DocumentRead | undefined;
  readonly missing = new Map<number, MissingFingerReason>();
  /** One capture per target (e.g. `SLAP-13`), the best attempt so far. */
  readonly #captures = new Map<string, Capture>();

  constructor(sessionId: string, startedAt: number) {
    this.sessionId = sessionId;
    this.startedAt = startedAt;
  }

  get captureCount(): number {
    return this.#captures.size;
  }

  /** Drops every capture and identity datum (refusal, abandonment, fire alarm, officer discard). */
  discard(): void {
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
      image: encodePng({ width: image.width, height: image.height, channels: 1, pixels: image.pixels }),
    });
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
      image: encodePng({ width: image.width, height: image.height, channels: 1, pixels: image.pixels }),
    });
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

  build(boothId: string, result: SessionResult, reason: string, now: number): CapturePackage {
    if (!this.consent?.given) throw new Error(`session ${this.sessionId} has no consent: nothing may be packaged`);
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

  private keep(capture: Capture): void {
    this.#captures.set(`${capture.kind}-${capture.position}`, capture);
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
