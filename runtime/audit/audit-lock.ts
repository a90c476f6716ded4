/**
 * Serialises appends to one audit chain across processes: boothd and `boothctl door unlock
 * --direct` may both write, and two writers appending after the same record would fork the
 * chain. The lock is held only around one append (read the head, write, fsync), a few ms.
 *
 * `<dir>/audit.lock` holds the holder's pid. It is created whole through a hard link (never
 * seen half-written); a holder that died is stale and moved aside by rename (atomic: of two
 * processes racing over it only one moves it). A live holder is waited for, at most `waitMs`;
 * after that the append goes ahead unlocked — an audit record is never dropped, and a fork it
 * might cause is what `boothctl audit verify` reports.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';

export class AuditWriteLock {
  readonly #path: string;
  readonly #pid: number;
  readonly #waitMs: number;
  readonly #sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(path: string, options: { pid?: number; waitMs?: number } = {}) {
    this.#path = path;
    this.#pid = options.pid ?? process.pid;
    this.#waitMs = options.waitMs ?? 1000;
  }

  /** Runs `critical` holding the lock. `locked` false: the holder did not let go in time. */
  run<T>(critical: () => T): { value: T; locked: boolean } {
    const locked = this.acquire();
    try {
      return { value: critical(), locked };
    } finally {
      if (locked) this.release();
    }
  }

  /** The pid in the lock file, if there is one. */
  holder(): number | undefined {
    try {
      const pid = Number.parseInt(readFileSync(this.#path, 'utf8'), 10);
      return Number.isSafeInteger(pid) ? pid : 0;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return 0;
    }
  }

  private acquire(): boolean {
    const deadline = Date.now() + this.#waitMs;
    const temporary = `${this.#path}.${this.#pid}`;
    for (;;) {
      try {
        const fd = openSync(temporary, 'w', 0o600);
        try {
          writeSync(fd, String(this.#pid));
        } finally {
          closeSync(fd);
        }
        linkSync(temporary, this.#path);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false; // e.g. ENOSPC: go on unlocked
      } finally {
        rmSync(temporary, { force: true });
      }
      const holder = this.holder();
      if (holder !== undefined && (holder === this.#pid || !isAlive(holder))) this.moveStaleAside();
      else if (Date.now() >= deadline) return false;
      else Atomics.wait(this.#sleeper, 0, 0, 2);
    }
  }

  private release(): void {
    if (this.holder() === this.#pid) rmSync(this.#path, { force: true });
  }

  private moveStaleAside(): void {
    const aside = `${this.#path}.stale-${this.#pid}`;
    try {
      renameSync(this.#path, aside);
    } catch {
      return; // another process moved it first
    }
    const moved = Number.parseInt(readFileSync(aside, 'utf8'), 10);
    // A live holder's fresh lock, taken between our look and our move: put it back.
    if (moved !== this.#pid && isAlive(moved)) {
      try {
        linkSync(aside, this.#path);
      } catch {
        // someone else holds it now; we wait for them
      }
    }
    rmSync(aside, { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
