/**
 * The session's way to hand over a finished capture package: encode, seal for the central side
 * (encrypted to its key, signed with the booth key), and store durably in the outbox. `submit`
 * returns only when the package is durable; then the uploader is woken. Nothing personal or
 * biometric is logged: ids, counts and sizes only.
 */
import { createHash } from 'node:crypto';
import type { CaptureCrypto } from '../../protocols/capture/crypto-provider.ts';
import { encodeSealed } from '../../protocols/capture/crypto-provider.ts';
import { encodeCapturePackage, type CapturePackage } from '../../protocols/capture/package-codec.ts';
import type { AuditSink } from '../audit/audit-log.ts';
import type { Outbox } from '../outbox/outbox.ts';

export interface AcceptedPackage {
  packageId: string;
  sealedBytes: number;
  /** SHA-256 of each capture's image bytes, for end-to-end checks (test rigs, audits). */
  captures: Array<{ captureId: string; sha256: string }>;
}

export interface CapturePipelineOptions {
  boothId: string;
  crypto: CaptureCrypto;
  outbox: Outbox;
  audit: AuditSink;
  /** Called after each durable accept (the uploader starts sending). */
  onAccepted(packageId: string): void;
}

export class CapturePipeline {
  readonly #options: CapturePipelineOptions;

  constructor(options: CapturePipelineOptions) {
    this.#options = options;
  }

  /** Throws OutboxError (EQUOTA, EEXIST, ENOSPC, EIO) or CapturePackageError; nothing is half-stored. */
  submit(pkg: CapturePackage): AcceptedPackage {
    const { boothId, crypto, outbox, audit, onAccepted } = this.#options;
    if (pkg.boothId !== boothId) throw new Error(`package ${pkg.packageId} is for booth "${pkg.boothId}", this is "${boothId}"`);
    const sealed = encodeSealed(crypto.seal(pkg.packageId, encodeCapturePackage(pkg)));
    try {
      outbox.accept(pkg.packageId, sealed);
    } catch (error) {
      // Full disk, quota, I/O error: the session must hear it, and so must the audit trail.
      audit.record('capture.refused', { packageId: pkg.packageId, code: (error as { code?: string }).code ?? 'EIO', bytes: sealed.byteLength });
      throw error;
    }
    audit.record('capture.accepted', { packageId: pkg.packageId, captures: pkg.captures.length, bytes: sealed.byteLength });
    onAccepted(pkg.packageId);
    return {
      packageId: pkg.packageId,
      sealedBytes: sealed.byteLength,
      captures: pkg.captures.map((capture) => ({ captureId: capture.captureId, sha256: createHash('sha256').update(capture.image).digest('hex') })),
    };
  }
}
