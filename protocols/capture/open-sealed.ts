/**
 * The central side's one way from sealed bytes to a capture package: decode the sealed envelope,
 * check it is the package it claims to be, verify the booth's signature, then decrypt and decode.
 * The receiver and `boothctl outbox export --format an2k` (with an officer's central key) share it.
 */
import type { KeyObject } from 'node:crypto';
import { decodeSealed, type CaptureCrypto } from './crypto-provider.ts';
import { decodeCapturePackage, type CapturePackage } from './package-codec.ts';

/** Throws with a reason naming what did not hold (envelope, id, signature, decryption, booth). */
export function openSealedPackage(
  sealedBytes: Uint8Array,
  expected: { packageId: string; boothId: string },
  crypto: CaptureCrypto,
  boothKey: (boothId: string) => KeyObject | undefined,
): CapturePackage {
  const sealed = decodeSealed(sealedBytes);
  if (sealed.header.packageId !== expected.packageId) throw new Error(`sealed for package ${sealed.header.packageId}, not ${expected.packageId}`);
  const { boothId } = expected;
  const key = boothKey(boothId);
  if (!key) throw new Error(`unknown booth "${boothId}": no key to verify its signature`);
  crypto.verify(sealed, key);
  const pkg = decodeCapturePackage(crypto.open(sealed));
  if (pkg.packageId !== expected.packageId || pkg.boothId !== boothId) throw new Error(`package says ${pkg.boothId}/${pkg.packageId}`);
  return pkg;
}
