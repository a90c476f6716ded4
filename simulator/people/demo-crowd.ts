/**
 * The people `make run` sends through the simulated booth, one after another: most give
 * everything at once, some put the wrong hand first, declare a bandaged finger, or decline
 * consent. Each person walks in, follows the screen (the session's events, as the touchscreen
 * shows them) and leaves; the booth's own logs tell the rest. Open the kiosk URL boothd prints
 * to watch the same sessions on the reference screen.
 */
import type { Clock } from '../../hal/clock.ts';
import { sleep } from '../../hal/clock.ts';
import type { SessionPort, SessionSnapshot } from '../../protocols/kiosk/session-contract.ts';
import { SimulatedPerson, type PersonDevices, type PersonScript } from './simulated-person.ts';

export const DEMO_CROWD: readonly PersonScript[] = [
  { name: 'a person who does everything right', language: 'uz', fingerQuality: 78 },
  { name: 'a person who puts the left hand first', language: 'ru', wrongHandAttempts: 1 },
  { name: 'a person with a bandaged finger', language: 'tg', missing: [{ position: 3, reason: 'bandaged' }] },
  { name: 'a person who declines consent', language: 'ky', consents: false },
  { name: 'a person with faint prints who retries', language: 'kk', fingerQuality: 62, pressesRetry: true },
  { name: 'a person who does everything right', language: 'zh', fingerQuality: 85 },
];

export interface DemoCrowdOptions {
  clock: Clock;
  logger: { info(object: object, message: string): void };
  /** Pause between one person leaving and the next coming in. */
  idleMs?: number;
  /** Send this many people and stop (default: keep sending). */
  people?: number;
}

export class DemoCrowd {
  readonly #session: SessionPort;
  readonly #devices: PersonDevices;
  readonly #options: DemoCrowdOptions;
  #abort = new AbortController();
  #running: Promise<void> | undefined;
  visits = 0;

  constructor(session: SessionPort, devices: PersonDevices, options: DemoCrowdOptions) {
    this.#session = session;
    this.#devices = devices;
    this.#options = options;
  }

  start(): void {
    this.#abort = new AbortController();
    this.#running = this.loop(this.#abort.signal).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error('demo stopped'));
    await this.#running;
  }

  get finished(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const { clock, logger } = this.#options;
    while (!signal.aborted && (this.#options.people === undefined || this.visits < this.#options.people)) {
      await this.until((snapshot) => snapshot.state === 'idle', signal);
      const script = DEMO_CROWD[this.visits % DEMO_CROWD.length]!;
      const person = new SimulatedPerson(this.#session, this.#devices, script);
      logger.info({ language: script.language }, `${script.name} walks into the booth (${script.language})`);
      const ended = this.until((snapshot) => snapshot.state !== 'idle' && snapshot.state !== 'precheck', signal).then(() =>
        this.until((snapshot) => snapshot.state === 'idle', signal),
      );
      person.enter();
      try {
        await ended;
      } finally {
        person.leave();
      }
      this.visits += 1;
      await sleep(clock, this.#options.idleMs ?? 6000, signal);
    }
  }

  /** Resolves once the session's snapshot satisfies `done` (now or at a later state event). */
  private until(done: (snapshot: SessionSnapshot) => boolean, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (done(this.#session.snapshot())) return resolve();
      const onState = (snapshot: SessionSnapshot) => {
        if (!done(snapshot)) return;
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(signal.reason);
      };
      const cleanup = () => {
        this.#session.off('state', onState);
        signal.removeEventListener('abort', onAbort);
      };
      this.#session.on('state', onState);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
