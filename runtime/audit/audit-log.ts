/**
 * The audit log: one JSON line per safety-relevant event (every door transition, every refusal),
 * appended to `<stateDir>/audit.log` and fsynced before `record` returns, and mirrored to the
 * logger at the `audit` level. A write failure is logged loudly but never stops a door release.
 */
import { closeSync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../hal/clock.ts';
import type { BoothLogger } from '../logging/logger.ts';

export type AuditFields = Record<string, string | number | boolean | undefined>;

export interface AuditEntry extends AuditFields {
  at: string;
  event: string;
}

export interface AuditSink {
  record(event: string, fields?: AuditFields): void;
}

export class AuditLog implements AuditSink {
  readonly #path: string;
  readonly #clock: Clock;
  readonly #logger: BoothLogger;
  #fd: number | undefined;

  constructor(path: string, clock: Clock, logger: BoothLogger) {
    this.#path = path;
    this.#clock = clock;
    this.#logger = logger;
  }

  get path(): string {
    return this.#path;
  }

  record(event: string, fields: AuditFields = {}): void {
    const entry: AuditEntry = { at: new Date(this.#clock.now()).toISOString(), event, ...fields };
    this.#logger.audit({ ...fields, event }, describe(event, fields));
    try {
      const fd = this.open();
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fdatasyncSync(fd);
    } catch (error) {
      this.#logger.error({ err: error, event }, 'audit log write failed; the event is only in the daemon log');
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  private open(): number {
    if (this.#fd === undefined) {
      mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
      this.#fd = openSync(this.#path, 'a', 0o600);
    }
    return this.#fd;
  }
}

/** `door.released reason="exit button" bolt=unlocked`: the audit line as a person reads it. */
function describe(event: string, fields: AuditFields): string {
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`);
  return [event, ...parts].join(' ');
}
