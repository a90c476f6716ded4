/**
 * `infra: { clock-jump: { seconds: n } }`: boothd's wall clock steps by n seconds while it runs,
 * as when NTP corrects a booth PC that drifted or a technician sets the time. A scenario with a
 * clock-jump step runs boothd under libfaketime (Debian package `faketime`, in `make debs`)
 * reading its offset from a file; the step rewrites the file. Only the wall clock moves
 * (DONT_FAKE_MONOTONIC), so timers keep their length, as with a real clock step. The rig's
 * central side keeps true time, which is the point: the booth is the one that is off.
 */
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LIBRARY = 'libfaketimeMT.so.1';

/** Where Debian (any architecture) and a source install put the library. */
export function findFaketimeLibrary(): string | undefined {
  const candidates = ['/usr/lib/faketime', '/usr/local/lib/faketime'];
  for (const triplet of safeList('/usr/lib')) candidates.push(join('/usr/lib', triplet, 'faketime'));
  return candidates.map((dir) => join(dir, LIBRARY)).find((file) => existsSync(file));
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.includes('-linux-'));
  } catch {
    return [];
  }
}

export class BoothdClock {
  readonly #file: string;
  readonly #library: string;
  #offsetSeconds = 0;

  constructor(dir: string) {
    const library = findFaketimeLibrary();
    if (!library) throw new Error(`a scenario with a clock-jump step needs libfaketime (${LIBRARY}; Debian package faketime, installed by make debs)`);
    this.#library = library;
    this.#file = join(dir, 'boothd-clock-offset');
    this.write();
  }

  get offsetSeconds(): number {
    return this.#offsetSeconds;
  }

  /** The environment boothd runs in. */
  env(): Record<string, string> {
    return {
      LD_PRELOAD: this.#library,
      FAKETIME_TIMESTAMP_FILE: this.#file,
      // Re-read the file every second, so a jump lands within a second.
      FAKETIME_CACHE_DURATION: '1',
      DONT_FAKE_MONOTONIC: '1',
    };
  }

  jump(seconds: number): void {
    this.#offsetSeconds += seconds;
    this.write();
  }

  private write(): void {
    // Renamed into place: libfaketime must never read a half-written offset.
    const temporary = `${this.#file}.tmp`;
    writeFileSync(temporary, `${this.#offsetSeconds >= 0 ? '+' : ''}${this.#offsetSeconds}\n`);
    renameSync(temporary, this.#file);
  }
}
