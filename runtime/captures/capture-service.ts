/**
 * Everything between a finished session and the central acknowledgement, as one supervised
 * component: the outbox (opened at start, a corrupt one quarantined and reported), the pipeline
 * that seals and stores packages, and the uploader that sends them. Present only when the
 * manifest has a `captures` section with the key files.
 */
import { join } from 'node:path';
import type { Clock } from '../../hal/clock.ts';
import { loadPrivateKey, loadPublicKey } from '../../protocols/capture/keys.ts';
import { CaptureUploader } from '../../protocols/capture/uploader.ts';
import { mqttTlsOptions } from '../config/mqtt-tls.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import type { CapturePackage } from '../../protocols/capture/package-codec.ts';
import type { AuditSink } from '../audit/audit-log.ts';
import type { BoothConfig } from '../config/schema.ts';
import type { BoothLogger } from '../logging/logger.ts';
import { Outbox, type OutboxStats } from '../outbox/outbox.ts';
import { WorkerUploadSource } from '../outbox/worker-upload-source.ts';
import { CapturePipeline, type AcceptedPackage } from './capture-pipeline.ts';

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
  readonly uploader: CaptureUploader;
  readonly #uploadSource: WorkerUploadSource;
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
    // Reading, chunking and erasing packages run on a worker thread: the door and the session never wait for them.
    this.#uploadSource = new WorkerUploadSource(this.outbox);
    this.uploader = new CaptureUploader({
      boothId: config.booth.id,
      source: this.#uploadSource,
      clock,
      logger: logger.child({ component: 'uploads' }),
      maxChunkBytes: captures.maxChunkBytes,
      maxInFlightBytes: captures.maxInFlightBytes,
      ...(captures.maxBytesPerSecond === undefined ? {} : { maxBytesPerSecond: captures.maxBytesPerSecond }),
      ackTimeoutMs: captures.ackTimeoutSeconds * 1000,
      retry: { initialMs: config.supervisor.retryInitialMs, maxMs: config.supervisor.retryMaxMs, jitter: config.supervisor.retryJitter },
      protocolVersion: captures.mqttProtocolVersion ?? (config.mqtt.url || config.mqtt.urls ? 5 : 4),
      // The same TLS identity as the Sparkplug connection: with mTLS the broker refuses anything else.
      mqttOptions: mqttTlsOptions(config.mqtt.tls),
    });
    this.#pipeline = new CapturePipeline({ boothId: config.booth.id, crypto, outbox: this.outbox, audit, onAccepted: () => this.uploader.kick() });
  }

  start(brokers: string | readonly string[]): void {
    const opened = this.outbox.open();
    if (opened.quarantined) {
      this.#options.audit.record('outbox.quarantined', { to: opened.quarantined, reason: opened.reason });
      this.#options.logger.error({ to: opened.quarantined }, `corrupt outbox quarantined (${opened.reason}); continuing with a fresh one`);
    }
    void this.#uploadSource.warmUp(); // the threads are ready before the first package needs them
    this.uploader.start(brokers);
  }

  async stop(): Promise<void> {
    await this.uploader.stop();
    await this.#uploadSource.close();
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
