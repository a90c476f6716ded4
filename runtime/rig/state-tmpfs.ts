/**
 * `infra: { disk-full: true|false }`. Moving boothd's state dir onto another filesystem in the
 * middle of a run would mean a restart and a different booth; instead, a scenario that has a
 * disk-full step gets its state dir on a small tmpfs from the start (root only, unmounted at the
 * end), and the step fills it to the last byte with a filler file — or removes the filler.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Room for the outbox, the Sparkplug store and the audit log of a few sessions. */
export const TMPFS_SIZE_MIB = 64;
const FILLER = '.booth-rig-disk-filler';

export class StateTmpfs {
  readonly dir: string;
  #mounted = false;

  constructor(dir: string) {
    this.dir = dir;
  }

  mount(): void {
    if (process.getuid?.() !== 0) throw new Error('a scenario with a disk-full step needs root: the rig mounts a tmpfs for its state dir');
    mkdirSync(this.dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE_MIB}m,mode=0700`, 'booth-rig-state', this.dir], { timeout: 10_000, stdio: 'pipe' });
    this.#mounted = true;
  }

  /** Writes the filler until the filesystem says ENOSPC, in ever smaller blocks down to one byte; returns the bytes it took. */
  fill(): number {
    const fd = openSync(join(this.dir, FILLER), 'a');
    let written = 0;
    try {
      for (let size = 1024 * 1024; size >= 1; size = Math.floor(size / 2)) {
        const block = Buffer.alloc(size);
        for (;;) {
          try {
            written += writeSync(fd, block);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
            break;
          }
        }
      }
    } finally {
      closeSync(fd);
    }
    return written;
  }

  free(): void {
    rmSync(join(this.dir, FILLER), { force: true });
  }

  /** Unmounts (lazily when something still holds it); removes nothing else. */
  unmount(): void {
    if (!this.#mounted) return;
    try {
      execFileSync('umount', [this.dir], { timeout: 10_000, stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', this.dir], { timeout: 10_000, stdio: 'pipe' });
    }
    this.#mounted = false;
  }
}
