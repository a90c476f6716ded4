/**
 * The capture package a simulated session hands over: the shape of syntheticPackage (fresh
 * UUIDv7 ids, FACE-like JPEG captures, a test consent version) with images taken from a pool
 * the booth host fills once. Random bytes cost ~1 ms per MB to make; a fleet making them per
 * package would measure its random generator, not the booth. Every package still seals to
 * different bytes (a fresh data key per package).
 */
import { syntheticPackage } from '../../../simulator/captures/synthetic-package.ts';
import type { CapturePackage } from '../../../protocols/capture/package-codec.ts';
import { randomBytes } from 'node:crypto';

/** `count` random images that together make `totalBytes` (at least one byte each). */
export function imagePool(totalBytes: number, count: number): Uint8Array[] {
  const each = Math.max(1, Math.floor(totalBytes / count));
  return Array.from({ length: count }, () => randomBytes(each));
}

export function fleetPackage(boothId: string, now: number, images: readonly Uint8Array[]): CapturePackage {
  const pkg = syntheticPackage({ boothId, now, captures: images.length, captureBytes: 0 });
  return { ...pkg, captures: pkg.captures.map((capture, index) => ({ ...capture, image: images[index]! })) };
}
