/**
 * One simulated booth of the fleet: the project's real Sparkplug EdgeNode (its own SessionStore
 * file), its own capture Outbox (SQLite, fsynced accepts) and CapturePipeline (sealed to the
 * central key, signed with this booth's key), and a CaptureUploader — everything boothd runs
 * for telemetry and captures, without the devices. Telemetry is sampled every period on a
 * fixed schedule; sessions follow each other with exponential gaps at the configured rate.
 *
 * The uploader reads the outbox on the event loop (inThreadSource): boothd's WorkerUploadSource
 * starts two worker threads per booth, which a process with a thousand booths cannot afford.
 */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../../../hal/clock.ts';
import { CaptureUploader, inThreadSource, type PackageStore } from '../../../protocols/capture/uploader.ts';
import { createX25519Crypto } from '../../../protocols/capture/x25519-aes-gcm.ts';
import { EdgeNode, type EdgeLogger, type EdgeNodeState } from '../../../protocols/sparkplug/edge-node.ts';
import { SessionStore } from '../../../protocols/sparkplug/session-store.ts';
import { CapturePipeline } from '../../captures/capture-pipeline.ts';
import { Outbox } from '../../outbox/outbox.ts';
import { BoothMetrics } from './booth-metrics.ts';
import { fleetPackage } from './fleet-package.ts';
import { exponential } from './seeded-random.ts';

export interface SimBoothEvents {
  /** A package is durable in the outbox (`acceptMs`: seal + fsynced accept on the event loop). */
  accepted(packageId: string, at: number, acceptMs: number, sealedBytes: number): void;
  /** The central acknowledgement came back and the package was erased. */
  delivered(packageId: string, at: number): void;
  /** A session's package was refused (outbox full, I/O error). */
  refused(reason: string): void;
  /** How late a telemetry sample ran against its schedule. */
  telemetryLate(ms: number): void;
  /** How long an outbox call of the uploader held the event loop (read + decrypt, attempt count, erase). */
  outboxCall(op: 'read' | 'attempt' | 'erase', ms: number): void;
  state(from: EdgeNodeState | 'new', to: EdgeNodeState): void;
}

export interface SimBoothOptions {
  boothId: string;
  group: string;
  primaryHost: string;
  /** Folder of this booth's SessionStore and outbox. */
  dir: string;
  /** The booth's brokers: one, or a failover list (EdgeNode and CaptureUploader move on together). */
  brokers: readonly string[];
  /** MQTT version of the capture uploads (Sparkplug is 3.1.1). */
  mqttVersion: 4 | 5;
  boothKey: KeyObject;
  centralKey: KeyObject;
  clock: Clock;
  logger: EdgeLogger;
  random: () => number;
  telemetryMs: number;
  /** 0: no sessions (telemetry only). */
  capturesPerHour: number;
  sessionMs: number;
  images: readonly Uint8Array[];
  maxChunkBytes: number;
  /** The process-wide event-loop lag the booth reports as its own. */
  loopLagP99Ms(): number;
  events: SimBoothEvents;
}

const NO_AUDIT = { record: () => undefined };

/** The outbox as the uploader sees it, each synchronous call timed. */
function timed(outbox: Outbox, events: SimBoothEvents): PackageStore {
  const time = <T>(op: 'read' | 'attempt' | 'erase', call: () => T): T => {
    const started = performance.now();
    try {
      return call();
    } finally {
      events.outboxCall(op, performance.now() - started);
    }
  };
  return {
    pending: (limit) => outbox.pending(limit),
    read: (packageId) => time('read', () => outbox.read(packageId)),
    markAttempt: (packageId) => time('attempt', () => outbox.markAttempt(packageId)),
    erase: (packageId) => time('erase', () => outbox.erase(packageId)),
  };
}

export class SimBooth {
  readonly #options: SimBoothOptions;
  readonly #metrics: BoothMetrics;
  readonly #store: SessionStore;
  readonly #outbox: Outbox;
  readonly #pipeline: CapturePipeline;
  readonly #node: EdgeNode;
  readonly #uploader: CaptureUploader;
  readonly #startedAt: number;
  #telemetryTimer: TimerHandle | undefined;
  #sessionTimer: TimerHandle | undefined;
  #nextSampleAt = 0;
  #sessions = false;
  #state: EdgeNodeState | 'new' = 'new';

  constructor(options: SimBoothOptions) {
    this.#options = options;
    const { boothId, clock, logger, dir } = options;
    this.#startedAt = clock.now();
    this.#metrics = new BoothMetrics(options.random, this.#startedAt);
    this.#store = new SessionStore(join(dir, 'sparkplug.db'), { maxBytes: 1_000_000, maxAgeMs: 3_600_000 });
    this.#outbox = new Outbox(join(dir, 'outbox'), clock, { maxBytes: 2 * 1024 ** 3, maxAgeMs: 3_600_000 });
    const crypto = createX25519Crypto({ boothPrivateKey: options.boothKey, centralPublicKey: options.centralKey });
    this.#uploader = new CaptureUploader({
      boothId,
      source: inThreadSource(timed(this.#outbox, options.events)),
      clock,
      logger,
      maxChunkBytes: options.maxChunkBytes,
      maxInFlightBytes: 4 * options.maxChunkBytes,
      ackTimeoutMs: 60_000,
      retry: { initialMs: 1000, maxMs: 30_000, jitter: 0.3 },
      protocolVersion: options.mqttVersion,
    });
    this.#pipeline = new CapturePipeline({ boothId, crypto, outbox: this.#outbox, audit: NO_AUDIT, onAccepted: () => this.#uploader.kick() });
    this.#node = new EdgeNode({
      group: options.group,
      node: boothId,
      primaryHost: options.primaryHost,
      model: this.#metrics.model,
      store: this.#store,
      clock,
      logger,
      execute: async () => undefined,
      reconnect: { initialMs: 1000, maxMs: 30_000, jitter: 0.5 },
      random: options.random,
    });
    this.#node.on('state', (state) => {
      options.events.state(this.#state, state);
      this.#state = state;
    });
    this.#uploader.on('accepted', (packageId) => options.events.delivered(packageId, clock.now()));
  }

  get state(): EdgeNodeState | 'new' {
    return this.#state;
  }

  /** The broker of the Sparkplug session, if connected. */
  get broker(): string | undefined {
    return this.#node.broker;
  }

  get uploaderConnected(): boolean {
    return this.#uploader.connected;
  }

  start(): void {
    const { brokers, clock, random, telemetryMs, capturesPerHour } = this.#options;
    this.#outbox.open();
    this.#node.start(brokers);
    this.#uploader.start(brokers);
    this.#nextSampleAt = clock.now() + random() * telemetryMs; // booths spread over the period
    this.#telemetryTimer = clock.setTimeout(() => this.sample(), this.#nextSampleAt - clock.now());
    if (capturesPerHour > 0) {
      this.#sessions = true;
      this.scheduleSession(true);
    }
  }

  /** No new sessions (the fleet drains its outboxes before it stops). */
  stopSessions(): void {
    this.#sessions = false;
    this.#sessionTimer?.cancel();
    this.#sessionTimer = undefined;
  }

  async stop(): Promise<void> {
    this.stopSessions();
    this.#telemetryTimer?.cancel();
    this.#telemetryTimer = undefined;
    await Promise.all([this.#node.stop(), this.#uploader.stop()]);
    this.#outbox.close();
    this.#store.close();
  }

  private sample(): void {
    const { clock, telemetryMs, events } = this.#options;
    const now = clock.now();
    events.telemetryLate(now - this.#nextSampleAt);
    const outbox = this.#outbox.stats();
    this.#metrics.sample({ now, startedAt: this.#startedAt, loopLagP99Ms: this.#options.loopLagP99Ms(), outbox, outboxFull: false });
    this.#node.flushNow();
    // A fixed schedule: a late sample does not push the later ones back.
    do this.#nextSampleAt += telemetryMs;
    while (this.#nextSampleAt <= now);
    this.#telemetryTimer = clock.setTimeout(() => this.sample(), this.#nextSampleAt - now);
  }

  /**
   * The next person walks in after an exponential gap, so sessions average capturesPerHour. The
   * first call puts the booth at a random point of its cycle — possibly mid-session — so the
   * fleet is in its steady state from the start instead of everyone's first package coming a
   * whole gap + session later.
   */
  private scheduleSession(first = false): void {
    const { clock, random, capturesPerHour, sessionMs } = this.#options;
    const cycleMs = 3_600_000 / capturesPerHour;
    const session = Math.min(sessionMs, cycleMs / 2);
    if (first && random() < session / cycleMs) {
      this.#metrics.session(true, clock.now());
      this.#sessionTimer = clock.setTimeout(() => this.endSession(), random() * session);
      return;
    }
    this.#sessionTimer = clock.setTimeout(() => {
      if (!this.#sessions) return;
      this.#metrics.session(true, clock.now());
      this.#sessionTimer = clock.setTimeout(() => this.endSession(), session);
    }, exponential(random, cycleMs - session));
  }

  private endSession(): void {
    const { clock, boothId, images, events } = this.#options;
    this.#metrics.session(false, clock.now());
    if (!this.#sessions) return;
    const started = performance.now();
    try {
      const accepted = this.#pipeline.submit(fleetPackage(boothId, clock.now(), images));
      events.accepted(accepted.packageId, clock.now(), performance.now() - started, accepted.sealedBytes);
    } catch (error) {
      events.refused((error as Error).message);
    }
    this.scheduleSession();
  }
}
