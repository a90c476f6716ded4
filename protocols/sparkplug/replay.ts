/**
 * Store-and-forward replay: after a BIRTH, the DATA kept while offline goes out oldest first,
 * every metric marked is_historical with its original timestamp, at a bounded rate so a long
 * outage does not flood the broker or the host. DDATA of a device that is not online now is
 * dropped (with a warning): a host cannot take DDATA for a device without its DBIRTH.
 */
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import { decodePayload, type SparkplugPayload } from './payload.ts';
import type { SessionStore } from './session-store.ts';

export interface ReplayTarget {
  /** Whether a born session can take messages now. */
  born(): boolean;
  deviceOnline(device: string): boolean;
  /** Publishes with the session's next seq. */
  send(type: 'NDATA' | 'DDATA', device: string | undefined, payload: SparkplugPayload): void;
  warn(object: object, message: string): void;
}

const RETRY_AFTER_STORE_ERROR_MS = 5000;

export class Replay {
  readonly #store: SessionStore;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #target: ReplayTarget;
  #timer: TimerHandle | undefined;

  constructor(store: SessionStore, clock: Clock, perSecond: number, target: ReplayTarget) {
    this.#store = store;
    this.#clock = clock;
    this.#intervalMs = 1000 / perSecond;
    this.#target = target;
  }

  /** (Re)starts the replay after `delayMs`. */
  start(delayMs = 0): void {
    this.stop();
    this.#timer = this.#clock.setTimeout(() => this.replayOne(), delayMs);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  private replayOne(): void {
    this.#timer = undefined;
    if (!this.#target.born()) return;
    try {
      const [message] = this.#store.peek(1, this.#clock.now());
      if (!message) return;
      if (message.device !== undefined && !this.#target.deviceOnline(message.device)) {
        this.#target.warn({ device: message.device }, `dropping stored DDATA for ${message.device}: the device is not online`);
      } else {
        this.#target.send(message.device === undefined ? 'NDATA' : 'DDATA', message.device, historicalCopy(message.payload));
      }
      this.#store.remove(message.id);
    } catch (error) {
      // A full or failing disk (SQLITE_FULL even on DELETE): keep the stored data, try again later.
      // A message sent but not yet removed goes again then — a duplicate, never a loss.
      this.#target.warn({ err: error }, `store-and-forward replay paused: ${(error as Error).message}; retrying in ${RETRY_AFTER_STORE_ERROR_MS / 1000} s`);
      this.start(RETRY_AFTER_STORE_ERROR_MS);
      return;
    }
    this.start(this.#intervalMs);
  }
}

/** Stored messages keep their datatypes; on the wire DATA goes without them, marked historical. */
function historicalCopy(stored: Uint8Array): SparkplugPayload {
  const payload = decodePayload(stored);
  return { ...payload, metrics: payload.metrics.map((metric) => ({ ...metric, isHistorical: true, omitDatatype: true })) };
}
