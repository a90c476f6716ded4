/**
 * Watches the link to a connected board on the injected clock: a REPORT_VERSION heartbeat whose
 * missing answer loses the board, garbage counted and reported at most once per second, and the
 * re-read of the inputs that answers garbage, paced so a noise burst is not a query storm.
 */
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import type { BoardSettings } from './config.ts';

const GARBAGE_REPORT_MS = 1000;
const RESYNC_MIN_MS = 50;

export interface LinkHost {
  /** Sends the heartbeat query; false when the write failed (the host then lost the board). */
  sendHeartbeat(): boolean;
  /** Asks the board to report its inputs again and repeats unanswered queries. */
  resync(): void;
  /** No heartbeat answer in time. */
  silent(reason: string): void;
  /** Bytes that were not Firmata since the last report. */
  garbage(bytes: number, reason: string): void;
}

export class LinkWatch {
  readonly #clock: Clock;
  readonly #settings: BoardSettings;
  readonly #host: LinkHost;
  #running = false;
  #heartbeatTimer: TimerHandle | undefined;
  #heartbeatSentAt: number | undefined;
  #lastAnswerAt: number | undefined;
  #garbageBytes = 0;
  #garbageUnreported = 0;
  #garbageReason = '';
  #garbageTimer: TimerHandle | undefined;
  #resyncTimer: TimerHandle | undefined;
  #lastResyncAt = -Infinity;

  constructor(clock: Clock, settings: BoardSettings, host: LinkHost) {
    this.#clock = clock;
    this.#settings = settings;
    this.#host = host;
  }

  /** True while the last heartbeat (if one is out) is not late. */
  get alive(): boolean {
    return this.#heartbeatSentAt === undefined || this.#clock.now() - this.#heartbeatSentAt < this.#settings.heartbeatTimeoutMs;
  }

  health(): Record<string, number> {
    return {
      ...(this.#lastAnswerAt !== undefined ? { heartbeatAgeMs: this.#clock.now() - this.#lastAnswerAt } : {}),
      garbageBytes: this.#garbageBytes,
    };
  }

  start(): void {
    this.#running = true;
    this.#heartbeatTimer = this.#clock.setTimeout(() => this.tick(), this.#settings.heartbeatMs);
  }

  stop(): void {
    this.#running = false;
    for (const timer of [this.#heartbeatTimer, this.#garbageTimer, this.#resyncTimer]) timer?.cancel();
    this.#heartbeatTimer = this.#garbageTimer = this.#resyncTimer = undefined;
  }

  /** A version report arrived: the firmware is alive. */
  answered(): void {
    this.#heartbeatSentAt = undefined;
    this.#lastAnswerAt = this.#clock.now();
  }

  /** Garbage seen: counted, reported (paced), and answered by a re-read of the inputs. */
  garbage(bytes: number, reason: string): void {
    this.#garbageBytes += bytes;
    this.#garbageUnreported += bytes;
    this.#garbageReason ||= reason;
    if (!this.#running) return;
    this.scheduleResync();
    if (this.#garbageTimer) return;
    const report = () => {
      const count = this.#garbageUnreported;
      const why = this.#garbageReason;
      this.#garbageUnreported = 0;
      this.#garbageReason = '';
      if (count > 0 && this.#running) this.#host.garbage(count, why);
      this.#garbageTimer = count > 0 && this.#running ? this.#clock.setTimeout(report, GARBAGE_REPORT_MS) : undefined;
    };
    report();
  }

  private scheduleResync(): void {
    if (this.#resyncTimer) return;
    const wait = Math.max(0, this.#lastResyncAt + RESYNC_MIN_MS - this.#clock.now());
    this.#resyncTimer = this.#clock.setTimeout(() => {
      this.#resyncTimer = undefined;
      this.#lastResyncAt = this.#clock.now();
      if (this.#running) this.#host.resync();
    }, wait);
  }

  private tick(): void {
    this.#heartbeatTimer = undefined;
    if (!this.#running) return;
    const now = this.#clock.now();
    const timeout = this.#settings.heartbeatTimeoutMs;
    if (this.#heartbeatSentAt !== undefined && now - this.#heartbeatSentAt >= timeout) {
      this.#host.silent(`board stopped answering: no heartbeat answer within ${timeout} ms`);
      return;
    }
    if (this.#heartbeatSentAt === undefined) {
      this.#heartbeatSentAt = now;
      if (!this.#host.sendHeartbeat()) return;
    }
    const untilLate = this.#heartbeatSentAt + timeout - now;
    this.#heartbeatTimer = this.#clock.setTimeout(() => this.tick(), Math.min(this.#settings.heartbeatMs, untilLate));
  }
}
