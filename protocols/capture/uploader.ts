/**
 * Uploads sealed capture packages from the outbox to the central side, oldest first, split into
 * chunks published at QoS 1 with a bound on the bytes in flight; while central works on one
 * package the next ones go out (up to four wait for their verdict at once). A
 * package leaves the outbox only when the central side acknowledges the whole of it — an ack
 * that may arrive late, after a reconnect or even after a restart of boothd (it is honoured
 * whenever it comes). A resume request re-sends just the missing chunks; a rejection or a
 * silent central side puts the package on a backoff and the next one goes. The MQTT client
 * reconnects by itself; nothing here blocks the event loop for long (one chunk at a time).
 */
import { EventEmitter } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { backoffDelay } from '../../hal/backoff.ts';
import type { Clock } from '../../hal/clock.ts';
import { ackTopic, chunkTopic, parseAck, parseResume, resumeTopic, splitIntoChunks } from './transfer-codec.ts';

export interface UploadSource {
  /** Oldest first. */
  pending(limit: number): Array<{ packageId: string; attempts: number }>;
  read(packageId: string): Uint8Array;
  markAttempt(packageId: string): void;
  /** Crypto-erase on the central acknowledgement; false when the package is not (or no longer) here. */
  erase(packageId: string): boolean;
}

export interface UploaderLogger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
}

export interface UploaderOptions {
  boothId: string;
  source: UploadSource;
  clock: Clock;
  logger: UploaderLogger;
  maxChunkBytes: number;
  maxInFlightBytes: number;
  /** How long to wait for the central verdict once every chunk is with the broker. */
  ackTimeoutMs: number;
  retry: { initialMs: number; maxMs: number };
  protocolVersion: 4 | 5;
  connect?: (url: string, options: IClientOptions) => MqttClient;
  mqttOptions?: Partial<IClientOptions>;
}

 /** How many packages may wait for their verdict at once (the upload pipeline depth). */
const MAX_PACKAGES_AWAITING_VERDICT = 4;
const MAX_RESUME_ROUNDS = 5;

interface Awaiting {
  /** Resolves once the package has its verdict (or was given up for this connection). */
  settled: Promise<void>;
  onVerdict(verdict: Verdict): void;
  finish(): void;
}

type Verdict = { kind: 'accepted' } | { kind: 'rejected'; reason: string } | { kind: 'resume'; missing: number[] } | { kind: 'timeout' };

export interface UploaderEvents {
  accepted: [packageId: string];
  rejected: [packageId: string, reason: string];
}

export class CaptureUploader extends EventEmitter<UploaderEvents> {
  readonly #options: UploaderOptions;
  #client: MqttClient | undefined;
  #pumping = false;
  #stopped = true;
  /** Packages on backoff after a rejection or a silent central side: id → time to try again. */
  readonly #cooldown = new Map<string, number>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #inFlightBytes = 0;
  /** Packages fully sent and waiting for the central verdict. */
  readonly #awaiting = new Map<string, Awaiting>();

  constructor(options: UploaderOptions) {
    super();
    this.#options = options;
  }

  start(brokerUrl: string): void {
    const { boothId, protocolVersion, connect, mqttOptions } = this.#options;
    this.#stopped = false;
    const client = (connect ?? ((url, options) => mqtt.connect(url, options)))(brokerUrl, {
      clientId: `${boothId}.captures`,
      protocolVersion,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      ...mqttOptions,
    });
    this.#client = client;
    client.on('connect', () => {
      void client.subscribeAsync([ackTopic(boothId), resumeTopic(boothId)], { qos: 1 }).then(
        () => this.pump(),
        (error: unknown) => this.#options.logger.warn({ err: error }, 'capture uploads: subscribe failed'),
      );
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (error) => this.#options.logger.warn({ err: error }, `capture uploads: MQTT error: ${error.message}`));
  }

  /** A new package is durable in the outbox. */
  kick(): void {
    void this.pump();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const awaiting of [...this.#awaiting.values()]) awaiting.finish();
    const client = this.#client;
    this.#client = undefined;
    await client?.endAsync(true);
  }

  private async pump(): Promise<void> {
    if (this.#pumping || this.#stopped) return;
    this.#pumping = true;
    try {
      while (this.#client?.connected && !this.#stopped) {
        if (this.#awaiting.size >= MAX_PACKAGES_AWAITING_VERDICT) {
          // Pipelined: the next packages go out while central works on the earlier ones.
          await Promise.race([...this.#awaiting.values()].map((awaiting) => awaiting.settled));
          continue;
        }
        const next = this.nextPackage();
        if (!next) break;
        await this.send(next.packageId, next.attempts);
        await yieldToEventLoop(); // reading and hashing a package is a few ms; let the door and session run
      }
    } catch (error) {
      this.#options.logger.warn({ err: error }, `capture uploads paused: ${(error as Error).message}`);
    } finally {
      this.#pumping = false;
    }
    const retryAt = Math.min(...this.#cooldown.values());
    if (Number.isFinite(retryAt) && !this.#stopped) {
      this.#options.clock.setTimeout(() => void this.pump(), Math.max(0, retryAt - this.#options.clock.now()));
    }
  }

  private nextPackage(): { packageId: string; attempts: number } | undefined {
    const now = this.#options.clock.now();
    return this.#options.source
      .pending(64)
      .find((item) => !this.#awaiting.has(item.packageId) && (this.#cooldown.get(item.packageId) ?? 0) <= now);
  }

  /** Publishes every chunk of a package and leaves it waiting for the central verdict. */
  private async send(packageId: string, attempts: number): Promise<void> {
    const { source, maxChunkBytes, logger, boothId } = this.#options;
    let chunks: Uint8Array[];
    try {
      chunks = splitIntoChunks(packageId, source.read(packageId), maxChunkBytes);
    } catch (error) {
      // One unreadable package must not hold up the ones behind it: it waits its turn again.
      logger.warn({ packageId, err: error }, `cannot read package ${packageId} for upload: ${(error as Error).message}`);
      this.#cooldown.set(packageId, this.#options.clock.now() + backoffDelay(Math.min(attempts, 16), { ...this.#options.retry, jitter: 0 }, () => 0));
      return;
    }
    source.markAttempt(packageId);
    logger.debug({ packageId, chunks: chunks.length, attempt: attempts + 1 }, `uploading package ${packageId} in ${chunks.length} chunks`);
    const awaiting = this.await(packageId, chunks, attempts);
    try {
      await this.publishChunks(chunkTopic(boothId, packageId), chunks, chunks.map((_, index) => index));
    } catch (error) {
      awaiting.finish(); // the connection broke: the whole package goes again after reconnecting
      throw error;
    }
  }

  /** Registers the wait for one package's verdict and what to do with it. */
  private await(packageId: string, chunks: Uint8Array[], attempts: number): Awaiting {
    const { clock, ackTimeoutMs, logger, source, boothId } = this.#options;
    let rounds = 0;
    let timer = clock.setTimeout(() => onVerdict({ kind: 'timeout' }), ackTimeoutMs);
    let resolveSettled!: () => void;
    const awaiting: Awaiting = {
      settled: new Promise<void>((resolve) => (resolveSettled = resolve)),
      onVerdict: (verdict) => onVerdict(verdict),
      finish: () => {
        timer.cancel();
        this.#awaiting.delete(packageId);
        resolveSettled();
      },
    };
    const backOff = () => {
      this.#cooldown.set(packageId, clock.now() + backoffDelay(Math.min(attempts, 16), { ...this.#options.retry, jitter: 0 }, () => 0));
    };
    const onVerdict = (verdict: Verdict) => {
      if (verdict.kind === 'resume' && rounds < MAX_RESUME_ROUNDS) {
        rounds += 1;
        timer.cancel();
        timer = clock.setTimeout(() => onVerdict({ kind: 'timeout' }), ackTimeoutMs);
        const missing = verdict.missing.filter((index) => index < chunks.length);
        void this.publishChunks(chunkTopic(boothId, packageId), chunks, missing).catch(() => undefined);
        return;
      }
      awaiting.finish();
      if (verdict.kind === 'accepted') {
        this.#cooldown.delete(packageId);
        source.erase(packageId);
        logger.info({ packageId }, `package ${packageId} accepted by central and erased`);
        this.emit('accepted', packageId);
      } else if (verdict.kind === 'rejected') {
        logger.warn({ packageId, reason: verdict.reason }, `central rejected package ${packageId}: ${verdict.reason}`);
        this.emit('rejected', packageId, verdict.reason);
        backOff();
      } else {
        logger.warn({ packageId }, `no verdict from central for package ${packageId}; trying later`);
        backOff();
      }
      void this.pump();
    };
    this.#awaiting.set(packageId, awaiting);
    return awaiting;
  }

  /**
   * QoS 1 publishes into one window shared by all packages: never more than maxInFlightBytes
   * wait for their PUBACK, and the next package's chunks follow as soon as there is room, without
   * waiting for the previous package's last PUBACK. Resolves once every chunk is in the window.
   */
  private async publishChunks(topic: string, chunks: Uint8Array[], indexes: number[]): Promise<void> {
    for (const index of indexes) {
      const chunk = chunks[index]!;
      while (this.#inFlight.size > 0 && this.#inFlightBytes + chunk.byteLength > this.#options.maxInFlightBytes) {
        await Promise.race(this.#inFlight);
      }
      const client = this.#client;
      if (!client?.connected) throw new Error('broker connection lost');
      this.#inFlightBytes += chunk.byteLength;
      const sent: Promise<unknown> = client
        .publishAsync(topic, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), { qos: 1 })
        .catch(() => undefined) // a lost connection shows up as 'close'; the package goes again whole
        .finally(() => {
          this.#inFlight.delete(sent);
          this.#inFlightBytes -= chunk.byteLength;
        });
      this.#inFlight.add(sent);
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const { boothId, logger, source } = this.#options;
    if (topic === ackTopic(boothId)) {
      const ack = parseAck(payload);
      if (!ack.ok) return logger.warn({ reason: ack.reason }, `ignoring malformed capture ack: ${ack.reason}`);
      const { packageId, status, reason } = ack.value;
      const awaiting = this.#awaiting.get(packageId);
      if (awaiting) {
        awaiting.onVerdict(status === 'accepted' ? { kind: 'accepted' } : { kind: 'rejected', reason: reason ?? 'no reason given' });
      } else if (status === 'accepted' && source.erase(packageId)) {
        // A late acknowledgement (after a timeout, a reconnect or a restart) still counts.
        this.#cooldown.delete(packageId);
        logger.info({ packageId }, `late acknowledgement: package ${packageId} erased`);
        this.emit('accepted', packageId);
      }
      return;
    }
    if (topic === resumeTopic(boothId)) {
      const resume = parseResume(payload);
      if (!resume.ok) return logger.warn({ reason: resume.reason }, `ignoring malformed resume request: ${resume.reason}`);
      this.#awaiting.get(resume.value.packageId)?.onVerdict({ kind: 'resume', missing: resume.value.missing });
    }
  }
}
