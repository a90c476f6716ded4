/**
 * A process hosting a share of the fleet's booths on one event loop (forked by the fleet
 * coordinator; IPC messages in ipc.ts). Starts the booths staggered at `rampPerSecond`, reports
 * every accepted and delivered package, and every 2 s its event-loop delay, the booths' states
 * and how late their telemetry ran. `stop-sessions` lets the outboxes drain; `stop` ends every
 * booth (NDEATH, disconnect, files closed) and the process.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { systemClock } from '../../../hal/clock.ts';
import { EventLoopLag } from '../../telemetry/event-loop-lag.ts';
import { imagePool } from './fleet-package.ts';
import { HostLogger } from './host-logger.ts';
import { toParent, type BoothHostConfig, type ToBoothHost } from './ipc.ts';
import { seededRandom } from './seeded-random.ts';
import { SimBooth } from './sim-booth.ts';

const STATS_EVERY_MS = 2000;
const STARTS_PER_TURN = 2;

class BoothHost {
  readonly #config: BoothHostConfig;
  readonly #booths: SimBooth[] = [];
  readonly #logger = new HostLogger(20, (line) => process.stderr.write(line));
  readonly #lag = new EventLoopLag(10);
  /** Packages accepted and not yet delivered, per booth index. */
  readonly #pending = new Map<string, number>();
  #lastLoopP99Ms = 0;
  #maxDepth = 0;
  #late: number[] = [];
  #outboxCalls = { read: [] as number[], attempt: [] as number[], erase: [] as number[] };
  #rampTimer: NodeJS.Timeout | undefined;
  #statsTimer: NodeJS.Timeout | undefined;

  constructor(config: BoothHostConfig) {
    this.#config = config;
  }

  start(): void {
    const config = this.#config;
    const images = imagePool(config.captureBytes, config.capturesPerPackage);
    const centralKey = createPublicKey(config.centralPublicKeyPem);
    for (const [index, booth] of config.booths.entries()) {
      const boothId = booth.boothId;
      this.#booths.push(
        new SimBooth({
          boothId,
          group: config.group,
          primaryHost: config.primaryHost,
          dir: booth.dir,
          brokers: booth.brokers,
          mqttVersion: config.mqttVersion,
          boothKey: createPrivateKey(booth.privateKeyPem),
          centralKey,
          clock: systemClock,
          logger: this.#logger.forBooth(boothId),
          random: seededRandom(config.seed * 100_003 + index),
          telemetryMs: config.telemetryMs,
          capturesPerHour: config.capturesPerHour,
          sessionMs: config.sessionMs,
          images,
          maxChunkBytes: config.maxChunkBytes,
          loopLagP99Ms: () => this.#lastLoopP99Ms,
          events: {
            accepted: (packageId, at, acceptMs, bytes) => {
              this.#pending.set(packageId, index);
              toParent({ type: 'accepted', boothId, packageId, at, acceptMs, bytes });
            },
            delivered: (packageId, at) => {
              this.#pending.delete(packageId);
              toParent({ type: 'delivered', packageId, at });
            },
            refused: (reason) => toParent({ type: 'refused', boothId, reason }),
            telemetryLate: (ms) => this.#late.push(ms),
            outboxCall: (op, ms) => this.#outboxCalls[op].push(round(ms)),
            state: () => undefined,
          },
        }),
      );
    }
    this.#lag.start();
    this.#statsTimer = setInterval(() => this.sendStats(), STATS_EVERY_MS);
    this.ramp();
  }

  /**
   * Starts booth i at i / rampPerSecond seconds: the broker never sees all the connects at once.
   * A start opens two SQLite files (creating them costs fsyncs), so at most a few start per turn
   * of the event loop; the connects already under way get their CONNACKs in between.
   */
  private ramp(): void {
    const startedAt = performance.now();
    let next = 0;
    const step = () => {
      const due = Math.min(this.#booths.length, Math.floor(((performance.now() - startedAt) / 1000) * this.#config.rampPerSecond) + 1);
      for (const limit = Math.min(due, next + STARTS_PER_TURN); next < limit; next += 1) this.#booths[next]!.start();
      if (next < this.#booths.length) this.#rampTimer = setTimeout(step, next < due ? 0 : 10);
      else toParent({ type: 'started', booths: next, atMs: Date.now() });
    };
    step();
  }

  private sendStats(): void {
    const states: Record<string, number> = {};
    const brokers: Record<string, number> = {};
    let uploaderConnected = 0;
    for (const booth of this.#booths) {
      states[booth.state] = (states[booth.state] ?? 0) + 1;
      if (booth.uploaderConnected) uploaderConnected += 1;
      if (booth.state === 'new') continue;
      const broker = booth.state === 'online' ? (booth.broker ?? 'none') : 'none';
      brokers[broker] = (brokers[broker] ?? 0) + 1;
    }
    this.#lastLoopP99Ms = this.#lag.percentileMs(99);
    const loopMaxMs = this.#lag.maxMs();
    this.#lag.reset();
    const depth = this.#pending.size;
    this.#maxDepth = Math.max(this.#maxDepth, depth);
    const late = this.#late;
    this.#late = [];
    const outboxCallMs = this.#outboxCalls;
    this.#outboxCalls = { read: [], attempt: [], erase: [] };
    toParent({
      type: 'stats',
      at: Date.now(),
      started: this.#booths.filter((booth) => booth.state !== 'new').length,
      states,
      uploaderConnected,
      brokers,
      outboxDepth: depth,
      maxOutboxDepth: this.#maxDepth,
      loopP99Ms: round(this.#lastLoopP99Ms),
      loopMaxMs: round(loopMaxMs),
      telemetryLateMs: late.map(round),
      outboxCallMs,
      warnings: this.#logger.warnings,
      errors: this.#logger.errors,
      ...(this.#logger.lastWarning ? { lastWarning: this.#logger.lastWarning } : {}),
    });
  }

  stopSessions(): void {
    for (const booth of this.#booths) booth.stopSessions();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#rampTimer);
    this.sendStats();
    clearInterval(this.#statsTimer);
    this.#lag.stop();
    await Promise.all(this.#booths.map((booth) => booth.stop().catch(() => undefined)));
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

let host: BoothHost | undefined;
process.on('message', (message: ToBoothHost) => {
  try {
    if (message.type === 'start') {
      host = new BoothHost(message.config);
      host.start();
    } else if (message.type === 'stop-sessions') {
      host?.stopSessions();
      // The IPC channel keeps order: the coordinator has every 'accepted' of this host once it reads this.
      toParent({ type: 'sessions-stopped' });
    }
    else if (message.type === 'stop') {
      void (host?.stop() ?? Promise.resolve()).then(() => {
        toParent({ type: 'stopped' });
        process.disconnect();
      });
    }
  } catch (error) {
    toParent({ type: 'failed', message: (error as Error).message });
  }
});
process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
toParent({ type: 'ready' });
