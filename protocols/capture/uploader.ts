/**
 * Uploads sealed capture packages from the outbox to the central side, oldest first, split into
 * chunks published at QoS 1 with a bound on the bytes in flight; while central works on one
 * package the next ones go out (up to four wait for their verdict at once). A
 * package leaves the outbox only when the central side acknowledges the whole of it — an ack
 * that may arrive late, after a reconnect or even after a restart of boothd (it is honoured
 * whenever it comes). A resume request re-sends just the missing chunks; a rejection or a
 * silent central side puts the package on a backoff and the next one goes. A lost connection is
 * made again with backoff — to the next broker when several are given (`start([url, …])`, round
 * robin) — and every package not yet acknowledged goes again whole on it: the central ack is
 * application-level, so a switch loses nothing and a duplicate costs only bytes. Nothing here
 * blocks the event loop for long (one chunk at a time).
 */
import { EventEmitter } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { backoffDelay } from '../../hal/backoff.ts';
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import { BrokerList, displayUrl } from '../sparkplug/broker-list.ts';
import { storePublishesWithoutCopy } from './mqtt-zero-copy.ts';
import { ackTopic, chunkTopic, parseAck, parseResume, resumeTopic, splitIntoChunks, type TransferDigests } from './transfer-codec.ts';

export interface UploadSource {
  /** Oldest first. */
  pending(limit: number): Array<{ packageId: string; attempts: number }>;
  /** The package as chunk messages (splitIntoChunks), counting an upload attempt; may work off the main thread. */
  chunks(packageId: string, maxChunkBytes: number): Promise<Uint8Array[]>;
  /** Crypto-erase on the central acknowledgement; false when the package is not (or no longer) here. */
  erase(packageId: string): Promise<boolean>;
  /**
   * Optional: the uploader is done with chunks `chunks` gave it — every publish of them was
   * acknowledged by the broker and none will be sent again — so their memory may take another
   * package. Never called for chunks with a publish that failed or may still be written.
   */
  release?(chunks: readonly Uint8Array[]): void;
}

/** A package store read on the calling thread (the outbox itself, or a test's map). */
export interface PackageStore {
  pending(limit: number): Array<{ packageId: string; attempts: number }>;
  read(packageId: string): Uint8Array;
  /** When the store keeps the chunk hashes made at accept: the bytes with them. */
  readForUpload?(packageId: string): { sealed: Uint8Array; digests?: TransferDigests };
  markAttempt(packageId: string): void;
  erase(packageId: string): boolean;
}

/** An UploadSource doing its reading, chunking and erasing on the event loop's own thread. */
export function inThreadSource(store: PackageStore): UploadSource {
  return {
    pending: (limit) => store.pending(limit),
    chunks: async (packageId, maxChunkBytes) => {
      const { sealed, digests } = store.readForUpload?.(packageId) ?? { sealed: store.read(packageId) };
      const chunks = splitIntoChunks(packageId, sealed, maxChunkBytes, digests);
      store.markAttempt(packageId);
      return chunks;
    },
    erase: async (packageId) => store.erase(packageId),
  };
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
  /** Upload rate cap (chunk bytes per second); undefined: as fast as the broker takes them. */
  maxBytesPerSecond?: number;
  /** How long to wait for the central verdict once every chunk is with the broker. */
  ackTimeoutMs: number;
  /** Backoff of reconnects and of packages central rejected or left unanswered; jitter 0..1 (default 0) spreads reconnects. */
  retry: { initialMs: number; maxMs: number; jitter?: number };
  protocolVersion: 4 | 5;
  connect?: (url: string, options: IClientOptions) => MqttClient;
  mqttOptions?: Partial<IClientOptions>;
}

 /** How many packages may wait for their verdict at once (the upload pipeline depth). */
const MAX_PACKAGES_AWAITING_VERDICT = 4;
const MAX_RESUME_ROUNDS = 5;
/** How many packages are read and chunked ahead of the one being published. */
const PACKAGES_PREPARED_AHEAD = 2;

interface Awaiting {
  /** Resolves once the package has its verdict (or was given up for this connection). */
  settled: Promise<void>;
  onVerdict(verdict: Verdict): void;
  finish(): void;
}

/**
 * The chunks of one package in the uploader's hands, and whether their memory may go back to
 * the source: only once the package is settled and every publish of them has its PUBACK.
 */
interface Lease {
  chunks: Uint8Array[];
  /** Publishes not yet acknowledged by the broker. */
  publishing: number;
  /** A publish failed or was abandoned with its connection: mqtt.js may still hold the bytes. */
  tainted: boolean;
  settled: boolean;
  released: boolean;
}

interface Prepared {
  packageId: string;
  attempts: number;
  /** undefined when the package could not be read (it is then on backoff). */
  chunks: Promise<Uint8Array[] | undefined>;
}

type Verdict = { kind: 'accepted' } | { kind: 'rejected'; reason: string } | { kind: 'resume'; missing: number[] } | { kind: 'timeout' };

export interface UploaderEvents {
  accepted: [packageId: string];
  rejected: [packageId: string, reason: string];
  /** The connection came up or went down, or another broker is being tried: what `connected` and `broker` now say. */
  link: [connected: boolean, broker: string | undefined];
}

export class CaptureUploader extends EventEmitter<UploaderEvents> {
  readonly #options: UploaderOptions;
  #client: MqttClient | undefined;
  #brokers: BrokerList | undefined;
  /** The broker #client talks to. */
  #clientBroker: string | undefined;
  #pumping = false;
  #stopped = true;
  /** Packages on backoff after a rejection or a silent central side: id → time to try again. */
  readonly #cooldown = new Map<string, number>();
  /** Publishes waiting for their PUBACK on the current connection, with their sizes. */
  #inFlight = new Set<{ bytes: number }>();
  #inFlightBytes = 0;
  /** Publishers waiting for room in the window: woken by a PUBACK, or by the connection closing (nothing waits on a dead connection's PUBACKs). */
  #roomWaiters: Array<() => void> = [];
  #reconnects = 0;
  #reconnectTimer: TimerHandle | undefined;
  /** Rate cap: when the next chunk may go (clock time). */
  #nextChunkAt = 0;
  /** Packages fully sent and waiting for the central verdict. */
  readonly #awaiting = new Map<string, Awaiting>();
  /** Being read and chunked for sending. */
  readonly #preparing = new Set<string>();
  /** Accepted by central, erase under way: still listed as pending, never to be sent again. */
  readonly #erasing = new Set<string>();

  constructor(options: UploaderOptions) {
    super();
    this.#options = options;
  }

  /** Connects to the broker (the first reachable of several, round robin) and uploads until `stop`. */
  start(brokers: string | readonly string[]): void {
    this.#stopped = false;
    this.#brokers = new BrokerList(brokers);
    this.connectTo(this.#brokers.current);
  }

  /** The broker in use (or being tried) as configured; undefined before `start`. */
  get broker(): string | undefined {
    return this.#clientBroker;
  }

  private connectTo(brokerUrl: string): void {
    const { boothId, protocolVersion, connect, mqttOptions } = this.#options;
    const client = (connect ?? ((url, options) => mqtt.connect(url, options)))(brokerUrl, {
      clientId: `${boothId}.captures`,
      protocolVersion,
      clean: true,
      reconnectPeriod: 0, // ours: exponential (reconnectLater), mqtt.js only knows a fixed period
      connectTimeout: 10_000,
      ...mqttOptions,
    });
    // Chunks are never changed while a publish of them may still be written (Lease): mqtt.js need not copy them.
    storePublishesWithoutCopy(client);
    this.#client = client;
    this.#clientBroker = brokerUrl;
    this.emit('link', false, brokerUrl);
    client.on('connect', () => {
      this.#options.logger.info({ broker: displayUrl(brokerUrl) }, `capture uploads: connected to ${displayUrl(brokerUrl)}`);
      this.#reconnects = 0;
      if (this.#client === client) this.emit('link', true, brokerUrl);
      void client.subscribeAsync([ackTopic(boothId), resumeTopic(boothId)], { qos: 1 }).then(
        () => this.pump(),
        (error: unknown) => this.#options.logger.warn({ err: error }, 'capture uploads: subscribe failed'),
      );
    });
    client.on('message', (topic, payload) => {
      if (this.#client === client) this.onMessage(topic, payload);
    });
    client.on('error', (error) => this.#options.logger.warn({ err: error }, `capture uploads: MQTT error: ${error.message}`));
    client.on('close', () => {
      if (this.#client !== client) return; // one left behind for another broker
      this.emit('link', false, brokerUrl);
      // Whatever waited for a PUBACK on this connection is lost (mqtt.js may never call back for
      // it after our own reconnect): the window empties, and the packages go again whole. So do
      // those waiting for their verdict: an ack sent while we are away is lost (clean session),
      // and the next connection may be another broker. A verdict that still comes counts.
      for (const awaiting of [...this.#awaiting.values()]) awaiting.finish();
      this.#inFlight = new Set();
      this.#inFlightBytes = 0;
      this.wakeRoomWaiters();
      this.reconnectLater(client);
    });
  }

  /**
   * After a lost or refused connection: again after 1×, 2×, 4× … retry.initialMs, at most
   * retry.maxMs — to the same broker when there is one, else to the next one on a new client.
   */
  private reconnectLater(client: MqttClient): void {
    if (this.#stopped || this.#client !== client || this.#reconnectTimer) return;
    const { clock, retry, logger } = this.#options;
    const delay = backoffDelay(Math.min(this.#reconnects++, 16), { ...retry, jitter: retry.jitter ?? 0 }, Math.random);
    const next = this.#brokers!.advance();
    const where = next === this.#clientBroker ? '' : ` to ${displayUrl(next)}`;
    logger.debug({ delayMs: delay, broker: displayUrl(next) }, `capture uploads: broker connection closed; reconnecting${where} in ${delay} ms`);
    this.#reconnectTimer = clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#stopped || this.#client !== client || client.connected) return;
      if (next === this.#clientBroker) return client.reconnect();
      this.connectTo(next); // first, so the old client's 'close' finds itself replaced
      client.end(true);
    }, delay);
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** A technician's "retry now": every package's backoff is forgotten and the pump runs. */
  retryNow(): number {
    const cooling = this.#cooldown.size;
    this.#cooldown.clear();
    void this.pump();
    return cooling;
  }

  /** A new package is durable in the outbox. */
  kick(): void {
    void this.pump();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#reconnectTimer?.cancel();
    this.#reconnectTimer = undefined;
    for (const awaiting of [...this.#awaiting.values()]) awaiting.finish();
    const client = this.#client;
    this.#client = undefined;
    await client?.endAsync(true);
  }

  private async pump(): Promise<void> {
    if (this.#pumping || this.#stopped) return;
    this.#pumping = true;
    const ahead: Prepared[] = [];
    try {
      while (this.#client?.connected && !this.#stopped) {
        if (this.#awaiting.size >= MAX_PACKAGES_AWAITING_VERDICT) {
          // Pipelined: the next packages go out while central works on the earlier ones.
          await Promise.race([...this.#awaiting.values()].map((awaiting) => awaiting.settled));
          continue;
        }
        // The next packages are read and chunked (off the main thread, with the worker source)
        // while this one goes out: preparing and publishing overlap.
        while (ahead.length < PACKAGES_PREPARED_AHEAD) {
          const prepared = this.prepare();
          if (!prepared) break;
          ahead.push(prepared);
        }
        const current = ahead.shift();
        if (!current) break;
        const chunks = await current.chunks;
        if (!chunks || !this.#client?.connected || this.#stopped) {
          this.#preparing.delete(current.packageId);
          if (chunks) this.#options.source.release?.(chunks); // never published
          continue;
        }
        await this.send(current, chunks);
        await yieldToEventLoop(); // let the door and the session run between packages
      }
    } catch (error) {
      this.#options.logger.warn({ err: error }, `capture uploads paused: ${(error as Error).message}`);
    } finally {
      this.#pumping = false;
      for (const { packageId, chunks } of ahead) {
        // Goes again on the next pump; its chunks were never published.
        void chunks.then((ready) => ready && this.#options.source.release?.(ready)).finally(() => this.#preparing.delete(packageId));
      }
    }
    const retryAt = Math.min(...this.#cooldown.values());
    if (Number.isFinite(retryAt) && !this.#stopped) {
      this.#options.clock.setTimeout(() => void this.pump(), Math.max(0, retryAt - this.#options.clock.now()));
    }
  }

  /** Starts reading and chunking the oldest package that is free to go; undefined when none is. */
  private prepare(): Prepared | undefined {
    const { source, maxChunkBytes, logger, clock } = this.#options;
    const now = clock.now();
    const next = source
      .pending(64)
      .find(({ packageId }) => !this.#awaiting.has(packageId) && !this.#erasing.has(packageId) && !this.#preparing.has(packageId) && (this.#cooldown.get(packageId) ?? 0) <= now);
    if (!next) return undefined;
    const { packageId, attempts } = next;
    this.#preparing.add(packageId);
    const chunks = source.chunks(packageId, maxChunkBytes).catch((error: unknown) => {
      // One unreadable package must not hold up the ones behind it: it waits its turn again.
      logger.warn({ packageId, err: error }, `cannot read package ${packageId} for upload: ${(error as Error).message}`);
      this.coolDown(packageId, attempts);
      return undefined;
    });
    return { packageId, attempts, chunks };
  }

  /** Publishes every chunk of a package and leaves it waiting for the central verdict. */
  private async send({ packageId, attempts }: Prepared, chunks: Uint8Array[]): Promise<void> {
    const { logger, boothId } = this.#options;
    logger.debug({ packageId, chunks: chunks.length, attempt: attempts + 1 }, `uploading package ${packageId} in ${chunks.length} chunks`);
    const lease: Lease = { chunks, publishing: 0, tainted: false, settled: false, released: false };
    const awaiting = this.await(packageId, lease, attempts);
    this.#preparing.delete(packageId);
    try {
      await this.publishChunks(chunkTopic(boothId, packageId), lease, chunks.map((_, index) => index));
    } catch (error) {
      awaiting.finish(); // the connection broke: the whole package goes again after reconnecting
      throw error;
    }
  }

  /** Registers the wait for one package's verdict and what to do with it. */
  private await(packageId: string, lease: Lease, attempts: number): Awaiting {
    const { chunks } = lease;
    const { clock, ackTimeoutMs, logger, boothId } = this.#options;
    let rounds = 0;
    let timer = clock.setTimeout(() => onVerdict({ kind: 'timeout' }), ackTimeoutMs);
    let resolveSettled!: () => void;
    const awaiting: Awaiting = {
      settled: new Promise<void>((resolve) => (resolveSettled = resolve)),
      onVerdict: (verdict) => onVerdict(verdict),
      finish: () => {
        timer.cancel();
        this.#awaiting.delete(packageId);
        lease.settled = true; // no resume will send its chunks again
        this.releaseIfDone(lease);
        resolveSettled();
      },
    };
    const onVerdict = (verdict: Verdict) => {
      if (verdict.kind === 'resume' && rounds < MAX_RESUME_ROUNDS) {
        rounds += 1;
        timer.cancel();
        timer = clock.setTimeout(() => onVerdict({ kind: 'timeout' }), ackTimeoutMs);
        const missing = verdict.missing.filter((index) => index < chunks.length);
        void this.publishChunks(chunkTopic(boothId, packageId), lease, missing).catch(() => undefined);
        return;
      }
      awaiting.finish();
      if (verdict.kind === 'accepted') {
        this.#cooldown.delete(packageId);
        void this.eraseAccepted(packageId, 'accepted by central');
      } else if (verdict.kind === 'rejected') {
        logger.warn({ packageId, reason: verdict.reason }, `central rejected package ${packageId}: ${verdict.reason}`);
        this.emit('rejected', packageId, verdict.reason);
        this.coolDown(packageId, attempts);
      } else {
        logger.warn({ packageId }, `no verdict from central for package ${packageId}; trying later`);
        this.coolDown(packageId, attempts);
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
  private async publishChunks(topic: string, lease: Lease, indexes: number[]): Promise<void> {
    for (const index of indexes) {
      const chunk = lease.chunks[index]!;
      while (this.#inFlight.size > 0 && this.#inFlightBytes + chunk.byteLength > this.#options.maxInFlightBytes) {
        await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
        if (!this.#client?.connected) throw new Error('broker connection lost');
      }
      if (this.#options.maxBytesPerSecond !== undefined) await this.paceFor(chunk.byteLength);
      const client = this.#client;
      if (!client?.connected) throw new Error('broker connection lost');
      const inFlight = this.#inFlight;
      const entry = { bytes: chunk.byteLength };
      inFlight.add(entry);
      this.#inFlightBytes += entry.bytes;
      lease.publishing += 1;
      const leaveWindow = () => {
        // Only if still counted: a closed connection has already emptied the window.
        if (inFlight === this.#inFlight && inFlight.delete(entry)) {
          this.#inFlightBytes -= entry.bytes;
          this.wakeRoomWaiters();
        }
      };
      client.publishAsync(topic, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), { qos: 1 }).then(
        () => {
          // A PUBACK on a connection already given up still counts: the bytes are out.
          lease.publishing -= 1;
          this.releaseIfDone(lease);
          leaveWindow();
        },
        () => {
          lease.tainted = true; // a lost connection shows up as 'close'; the package goes again whole
          leaveWindow();
        },
      );
    }
  }

  private wakeRoomWaiters(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Gives a package's chunk memory back to the source once nothing can write or send it again. */
  private releaseIfDone(lease: Lease): void {
    if (!lease.settled || lease.publishing > 0 || lease.tainted || lease.released) return;
    lease.released = true;
    this.#options.source.release?.(lease.chunks);
  }

  /** Puts a package on backoff: retry.initialMs doubling per attempt, at most retry.maxMs, no jitter. */
  private coolDown(packageId: string, attempts: number): void {
    const delay = backoffDelay(Math.min(attempts, 16), { ...this.#options.retry, jitter: 0 }, () => 0);
    this.#cooldown.set(packageId, this.#options.clock.now() + delay);
  }

  /** Spaces chunks out to keep within maxBytesPerSecond, on the injected clock. */
  private async paceFor(bytes: number): Promise<void> {
    const { maxBytesPerSecond, clock } = this.#options;
    if (maxBytesPerSecond === undefined) return;
    const now = clock.now();
    const sendAt = Math.max(now, this.#nextChunkAt);
    this.#nextChunkAt = sendAt + (bytes * 1000) / maxBytesPerSecond;
    if (sendAt > now) await new Promise<void>((resolve) => clock.setTimeout(resolve, sendAt - now));
  }

  /**
   * Crypto-erases a package central has acknowledged. A failed erase leaves it in the outbox:
   * it is sent again later and central acknowledges the duplicate, so the erase is retried.
   */
  private async eraseAccepted(packageId: string, why: string): Promise<void> {
    const { logger, source } = this.#options;
    this.#erasing.add(packageId);
    try {
      if (await source.erase(packageId)) {
        logger.info({ packageId }, `package ${packageId} ${why}: erased`);
        this.emit('accepted', packageId);
      }
    } catch (error) {
      logger.warn({ packageId, err: error }, `package ${packageId} ${why}, but erasing it failed: ${(error as Error).message}`);
    } finally {
      this.#erasing.delete(packageId);
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const { boothId, logger } = this.#options;
    if (topic === ackTopic(boothId)) {
      const ack = parseAck(payload);
      if (!ack.ok) return logger.warn({ reason: ack.reason }, `ignoring malformed capture ack: ${ack.reason}`);
      const { packageId, status, reason } = ack.value;
      const awaiting = this.#awaiting.get(packageId);
      if (awaiting) {
        awaiting.onVerdict(status === 'accepted' ? { kind: 'accepted' } : { kind: 'rejected', reason: reason ?? 'no reason given' });
      } else if (status === 'accepted' && !this.#erasing.has(packageId)) {
        // A late acknowledgement (after a timeout, a reconnect or a restart) still counts.
        this.#cooldown.delete(packageId);
        void this.eraseAccepted(packageId, 'late acknowledgement');
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
