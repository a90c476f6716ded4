/**
 * Starts the daemon's components in order and stops them in reverse order. A component that
 * fails while running (it calls `context.fail`) is stopped and restarted with backoff + jitter;
 * the others keep running. Modelled on OTP/balena-supervisor style one-for-one restarts.
 */
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import type { BoothLogger } from '../logging/logger.ts';
import { backoffDelay, type BackoffPolicy, type RandomSource } from '../../hal/backoff.ts';

export interface ComponentContext {
  /** Reports that the component died; the supervisor restarts it. */
  fail(error: unknown): void;
}

export interface Component {
  readonly name: string;
  start(context: ComponentContext): Promise<void>;
  stop(): Promise<void>;
}

type Status = 'stopped' | 'starting' | 'running' | 'restarting';

interface Entry {
  component: Component;
  status: Status;
  restarts: number;
  timer?: TimerHandle;
}

export interface SupervisorOptions {
  clock: Clock;
  logger: BoothLogger;
  backoff: BackoffPolicy;
  random?: RandomSource;
}

export class Supervisor {
  readonly #entries: Entry[] = [];
  readonly #options: SupervisorOptions;
  #stopping = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  add(component: Component): this {
    this.#entries.push({ component, status: 'stopped', restarts: 0 });
    return this;
  }

  status(): Record<string, { status: Status; restarts: number }> {
    return Object.fromEntries(this.#entries.map((e) => [e.component.name, { status: e.status, restarts: e.restarts }]));
  }

  /** Starts every component in the order added; a start failure is retried like a crash. */
  async start(): Promise<void> {
    this.#stopping = false;
    for (const entry of this.#entries) await this.startOne(entry);
  }

  /** Stops every component in reverse order; a failing stop is logged and the rest still stop. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const entry of [...this.#entries].reverse()) {
      entry.timer?.cancel();
      if (entry.status === 'stopped') continue;
      entry.status = 'stopped';
      try {
        await entry.component.stop();
      } catch (error) {
        this.#options.logger.error({ err: error, component: entry.component.name }, 'component failed to stop');
      }
    }
  }

  private async startOne(entry: Entry): Promise<void> {
    const { logger } = this.#options;
    entry.status = 'starting';
    try {
      await entry.component.start({ fail: (error) => void this.onFailure(entry, error) });
      entry.status = 'running';
    } catch (error) {
      await this.onFailure(entry, error);
    }
    if (entry.status === 'running') logger.debug({ component: entry.component.name }, 'component started');
  }

  private async onFailure(entry: Entry, error: unknown): Promise<void> {
    if (this.#stopping || entry.status === 'restarting' || entry.status === 'stopped') return;
    const { logger, clock, backoff } = this.#options;
    entry.status = 'restarting';
    await entry.component.stop().catch(() => undefined);
    const delay = backoffDelay(entry.restarts, backoff, this.#options.random ?? Math.random);
    entry.restarts += 1;
    logger.error({ err: error, component: entry.component.name, retryInMs: delay }, `${entry.component.name} failed; restarting`);
    entry.timer = clock.setTimeout(() => {
      entry.timer = undefined;
      if (!this.#stopping) void this.startOne(entry);
    }, delay);
  }
}
