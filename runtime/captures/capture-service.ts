/**
 * Everything between a finished session and the central acknowledgement, as one supervised
 * component: the outbox (opened at start, a corrupt one quarantined and reported), the pipeline
 * that seals and stores packages, and the uploader that sends them. Present only when the
 * manifest has a `captures` section with the key files.
 */
import { join } from 'node:path';
import type { Clock } from '../../hal/clock.ts';
import { loadPrivateKey, loadPublicKey } from '../../protocols/capture/keys.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import type { CapturePackage } from '../../protocols/capture/package-codec.ts';
import type { AuditSink } from '../audit/audit-log.ts';
import { usesEmbeddedBroker, type BoothConfig } from '../config/schema.ts';
import type { BoothLogger } from '../logging/logger.ts';
import { Outbox, type OutboxStats } from '../outbox/outbox.ts';
import { CapturePipeline, type AcceptedPackage } from './capture-pipeline.ts';
import { ThreadedUploader, UPLOAD_THREAD_NICENESS } from './threaded-uploader.ts';

/** A full session with uncompressed slaps and palms: what must still fit for a new session. */
const TYPICAL_SESSION_BYTES = 16 * 1024 * 1024;

export interface CaptureServiceOptions {
  config: BoothConfig;
  clock: Clock;
  audit: AuditSink;
  logger: BoothLogger;
}

export class CaptureService {
  readonly outbox: Outbox;
  readonly uploader: ThreadedUploader;
  readonly #pipeline: CapturePipeline;
  readonly #options: CaptureServiceOptions;

  constructor(options: CaptureServiceOptions) {
    const { config, clock, audit, logger } = options;
    const captures = config.captures!;
    this.#options = options;
    this.outbox = new Outbox(
      join(config.stateDir, 'outbox'),
      clock,
      { maxBytes: config.outbox.maxBytes, maxAgeMs: config.outbox.maxAgeHours * 3_600_000 },
      { uploadChunkBytes: captures.maxChunkBytes }, // chunk hashes made at accept for the uploader's chunk size
    );
    const crypto = createX25519Crypto({
      boothPrivateKey: loadPrivateKey(captures.boothKeyFile, 'booth'),
      centralPublicKey: loadPublicKey(captures.centralPublicKeyFile, 'central'),
    });
    // Uploads run on a thread of their own (with the outbox's reading and erasing on two more):
    // the door and the session never wait for them. The thread keeps real time, whatever `clock` is.
    this.uploader = new ThreadedUploader({
      logger: logger.child({ component: 'uploads' }),
      settings: {
        outboxDir: this.outbox.dir,
        boothId: config.booth.id,
        maxChunkBytes: captures.maxChunkBytes,
        maxInFlightBytes: captures.maxInFlightBytes,
        ...(captures.maxBytesPerSecond === undefined ? {} : { maxBytesPerSecond: captures.maxBytesPerSecond }),
        ackTimeoutMs: captures.ackTimeoutSeconds * 1000,
        retry: { initialMs: config.supervisor.retryInitialMs, maxMs: config.supervisor.retryMaxMs, jitter: config.supervisor.retryJitter },
        protocolVersion: captures.mqttProtocolVersion ?? (usesEmbeddedBroker(config.mqtt) ? 4 : 5),
        ...(config.mqtt.tls ? { tls: config.mqtt.tls } : {}),
        debug: logger.isLevelEnabled('debug'),
        niceness: UPLOAD_THREAD_NICENESS,
      },
    });
    this.#pipeline = new CapturePipeline({ boothId: config.booth.id, crypto, outbox: this.outbox, audit, onAccepted: () => this.uploader.kick() });
  }

  start(brokers: string | readonly string[]): void {
    const opened = this.outbox.open();
    if (opened.quarantined) {
      this.#options.audit.record('outbox.quarantined', { to: opened.quarantined, reason: opened.reason });
      this.#options.logger.error({ to: opened.quarantined }, `corrupt outbox quarantined (${opened.reason}); continuing with a fresh one`);
    }
    // Files of packages never accepted (or already erased): nothing to send, only bytes to wipe.
    const { wiped = 0, left = [] } = opened.orphans ?? {};
    if (wiped > 0) this.#options.logger.info({ wiped }, `outbox: wiped ${wiped} package file(s) no stored package named (left by a crash before accept or during an erase)`);
    if (left.length > 0) this.#options.logger.warn({ left: left.length, first: left[0] }, `outbox: ${left.length} orphan package file(s) could not be wiped, left to the next start: ${left[0]}`);
    this.uploader.start(brokers); // after open: the thread attaches to the outbox it opened and checked
  }

  async stop(): Promise<void> {
    await this.uploader.stop();
    this.outbox.close();
  }

  /** Durable when it returns; throws OutboxError (EQUOTA, ENOSPC, EIO, …) or CapturePackageError. */
  submit(pkg: CapturePackage): AcceptedPackage {
    return this.#pipeline.submit(pkg);
  }

  /** Outbox figures; `full` is the alarm: a typical session would no longer fit. */
  stats(): OutboxStats & { full: boolean } {
    return { ...this.outbox.stats(), full: !this.outbox.admission(TYPICAL_SESSION_BYTES).ok };
  }

  admission(expectedBytes: number): { ok: true } | { ok: false; reason: string } {
    return this.outbox.admission(expectedBytes);
  }
}
