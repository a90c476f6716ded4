/**
 * Capture packages for load tests and the demo: valid packages whose images are seeded random
 * bytes of a chosen size (booth-rig load), or built from what the simulated devices captured.
 * No real person's data ever: ids are fresh UUIDv7s, the consent text version is a test one.
 */
import { randomBytes } from 'node:crypto';
import { captureId, newUuidV7, type Capture, type CapturePackage } from '../../protocols/capture/package-codec.ts';

export interface SyntheticOptions {
  boothId: string;
  now: number;
  /** How many face-photo-like captures (JPEG format, random bytes). */
  captures: number;
  /** Bytes of each capture's image. */
  captureBytes: number;
}

export function syntheticPackage(options: SyntheticOptions): CapturePackage {
  const packageId = newUuidV7(options.now);
  const captures: Capture[] = Array.from({ length: options.captures }, (_, index) => ({
    captureId: captureId(packageId, 'FACE', 0, index + 1),
    kind: 'FACE',
    position: 0,
    format: 'JPEG',
    width: 1200,
    height: 1600,
    ppi: 0,
    quality: 80,
    segments: [],
    attempt: index + 1,
    deviceId: 'camera',
    deviceSerial: 'SIM-CAM-0001',
    startedAtMs: options.now,
    capturedAtMs: options.now,
    image: randomBytes(options.captureBytes),
    penSamples: [],
  }));
  return {
    packageId,
    sessionId: packageId,
    boothId: options.boothId,
    language: 'en',
    consent: { given: true, textVersion: 'test-1', atMs: options.now },
    missingFingers: [],
    captures,
    outcome: { result: 'COMPLETED', reason: '', endedAtMs: options.now },
    createdAtMs: options.now,
  };
}
