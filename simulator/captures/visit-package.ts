/**
 * Collects what one simulated visit captured into a capture package: the three slaps as PNG
 * with the scanner's segmentation, the portrait JPEG, the signature PNG with its pen samples.
 */
import type { FingerCapture, Portrait, Signature, Slap } from '../../hal/index.ts';
import { captureId, newUuidV7, type Capture, type CapturePackage } from '../../protocols/capture/package-codec.ts';
import { encodePng } from '../../protocols/imaging/png.ts';

const SLAP_POSITION: Record<Slap, number> = { 'right-four': 13, 'left-four': 14, 'two-thumbs': 15 };

export interface CapturedBy {
  deviceId: string;
  deviceSerial: string;
  startedAtMs: number;
}

export class VisitPackage {
  readonly packageId: string;
  readonly #captures: Capture[] = [];
  readonly #startedAt: number;

  constructor(now: number) {
    this.packageId = newUuidV7(now);
    this.#startedAt = now;
  }

  addSlap(slap: Slap, capture: FingerCapture, by: CapturedBy): void {
    const { image } = capture;
    const position = SLAP_POSITION[slap];
    this.#captures.push({
      ...this.common('SLAP', position, by, capture.capturedAt),
      format: 'PNG',
      width: image.width,
      height: image.height,
      ppi: image.ppi,
      quality: Math.min(...capture.fingers.map((finger) => finger.quality)),
      segments: capture.fingers.map((finger) => ({ position: finger.position, quality: finger.quality, ...finger.box })),
      image: encodePng({ width: image.width, height: image.height, channels: 1, pixels: image.pixels }),
    });
  }

  addPortrait(portrait: Portrait, by: CapturedBy): void {
    this.#captures.push({
      ...this.common('FACE', 0, by, portrait.capturedAt),
      format: 'JPEG',
      width: portrait.width,
      height: portrait.height,
      ppi: 0,
      quality: portrait.checks.faceFound && portrait.checks.eyesOpen !== false ? 90 : 20,
      image: portrait.jpeg,
    });
  }

  addSignature(signature: Signature, by: CapturedBy, capturedAt: number): void {
    this.#captures.push({
      ...this.common('SIGNATURE', 0, by, capturedAt),
      format: 'PNG',
      width: signature.width,
      height: signature.height,
      ppi: 0,
      quality: 100,
      image: signature.png,
      penSamples: signature.samples,
    });
  }

  build(boothId: string, language: string, now: number): CapturePackage {
    return {
      packageId: this.packageId,
      sessionId: this.packageId,
      boothId,
      language,
      consent: { given: true, textVersion: 'demo-1', atMs: this.#startedAt },
      missingFingers: [],
      captures: this.#captures,
      outcome: { result: 'COMPLETED', reason: '', endedAtMs: now },
      createdAtMs: now,
    };
  }

  private common(kind: Capture['kind'], position: number, by: CapturedBy, capturedAt: number) {
    return {
      captureId: captureId(this.packageId, kind, position, 1),
      kind,
      position,
      attempt: 1,
      deviceId: by.deviceId,
      deviceSerial: by.deviceSerial,
      startedAtMs: by.startedAtMs,
      capturedAtMs: capturedAt,
      segments: [],
      penSamples: [],
    };
  }
}
