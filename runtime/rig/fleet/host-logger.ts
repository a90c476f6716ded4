/**
 * The logger of a process hosting many booths: counts warnings and errors, keeps the last one,
 * and writes only the first few to stderr (a thousand booths losing the broker together must
 * not drown the report in a thousand identical lines). Debug and info are dropped.
 */
import type { EdgeLogger } from '../../../protocols/sparkplug/edge-node.ts';

export class HostLogger {
  warnings = 0;
  errors = 0;
  lastWarning: string | undefined;
  readonly #printLimit: number;
  readonly #write: (line: string) => void;
  #printed = 0;

  constructor(printLimit: number, write: (line: string) => void) {
    this.#printLimit = printLimit;
    this.#write = write;
  }

  /** The logger one booth gets: every line names the booth. */
  forBooth(boothId: string): EdgeLogger {
    const note = (level: 'warn' | 'error', message: string | undefined) => {
      if (level === 'warn') this.warnings += 1;
      else this.errors += 1;
      this.lastWarning = `${boothId}: ${message ?? ''}`;
      if (this.#printed < this.#printLimit) {
        this.#printed += 1;
        this.#write(`${level} ${this.lastWarning}${this.#printed === this.#printLimit ? ' (further warnings only counted)' : ''}\n`);
      }
    };
    return {
      debug: () => undefined,
      info: () => undefined,
      warn: (_object, message) => note('warn', message),
      error: (_object, message) => note('error', message),
    };
  }
}
