/**
 * The daemon's last log lines in memory, for `boothctl logs` and the support bundle: a technician
 * sees what boothd said just now without access to the journal. Lines are kept as pino wrote
 * them (JSON, binary already withheld by the logger's formatter), oldest dropped first.
 */
import { AUDIT_LEVEL } from './logger.ts';

export interface RecentLogQuery {
  /** Only lines of this component (a child logger's `component`). */
  component?: string;
  /** Only lines at this level or above: trace, debug, info, audit, warn, error, fatal. */
  level?: string;
  /** At most this many of the newest matching lines. */
  limit?: number;
}

export const LEVEL_NUMBERS: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  audit: AUDIT_LEVEL,
  warn: 40,
  error: 50,
  fatal: 60,
};

export class RecentLogs {
  readonly #capacity: number;
  #lines: string[] = [];

  constructor(capacity = 2000) {
    this.#capacity = capacity;
  }

  /** The pino destination side: one JSON line (with or without its newline) per call. */
  write(line: string): boolean {
    this.#lines.push(line.endsWith('\n') ? line.slice(0, -1) : line);
    if (this.#lines.length > this.#capacity * 1.25) this.#lines = this.#lines.slice(-this.#capacity);
    return true;
  }

  query(query: RecentLogQuery = {}): Array<Record<string, unknown>> {
    let minimum = 0;
    if (query.level !== undefined) {
      const number = LEVEL_NUMBERS[query.level];
      if (number === undefined) throw new RangeError(`unknown level "${query.level}"; levels: ${Object.keys(LEVEL_NUMBERS).join(', ')}`);
      minimum = number;
    }
    const limit = query.limit ?? 200;
    const matching: Array<Record<string, unknown>> = [];
    for (const line of this.#lines.slice(-this.#capacity)) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // not ours to judge; pino writes only JSON here
      }
      if (Number(entry.level ?? 0) < minimum) continue;
      if (query.component !== undefined && entry.component !== query.component) continue;
      matching.push(entry);
    }
    return matching.slice(-limit);
  }
}
