/**
 * One lock file per device (`<stateDir>/locks/<id>.lock`) so two processes never open the same
 * device: boothd holds the lock of every device it has open, and `boothctl` working without the
 * daemon takes the lock of each device it opens. A lock whose holder has died (kill -9, power
 * cut) is stale and taken over; a live holder makes the open fail with EBUSY naming it, which
 * boothd's device manager retries with backoff like any other failed open.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceError } from '../../hal/errors.ts';

export interface LockHolder {
  pid: number;
  /** Which program holds it, for the technician: "boothd", "boothctl device door lock". */
  owner: string;
  at: number;
}

export interface DeviceLocking {
  acquire(deviceId: string): void;
  release(deviceId: string): void;
}

export class DeviceLocks implements DeviceLocking {
  readonly #dir: string;
  readonly #owner: string;
  readonly #pid: number;
  readonly #held = new Set<string>();

  constructor(stateDir: string, owner: string, pid = process.pid) {
    this.#dir = join(stateDir, 'locks');
    this.#owner = owner;
    this.#pid = pid;
  }

  /** Takes the lock of `deviceId`, or throws EBUSY naming the live process that holds it. */
  acquire(deviceId: string): void {
    if (this.#held.has(deviceId)) return;
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const path = this.pathOf(deviceId);
    // Two rounds: the second runs after a stale lock has been removed.
    for (let round = 0; round < 2; round += 1) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeSync(fd, JSON.stringify({ pid: this.#pid, owner: this.#owner, at: Date.now() } satisfies LockHolder));
        } catch (error) {
          rmSync(path, { force: true }); // e.g. ENOSPC: an empty lock would be left behind
          throw error;
        } finally {
          closeSync(fd);
        }
        this.#held.add(deviceId);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = this.holderOf(deviceId);
      if (holder && holder.pid !== this.#pid && isAlive(holder.pid)) throw busy(deviceId, holder);
      this.removeStale(deviceId, path);
    }
    throw new DeviceError('EBUSY', deviceId, 'open', `could not take the lock file ${path}`);
  }

  release(deviceId: string): void {
    if (!this.#held.delete(deviceId)) return;
    const holder = this.holderOf(deviceId);
    if (holder?.pid === this.#pid) rmSync(this.pathOf(deviceId), { force: true });
  }

  releaseAll(): void {
    for (const deviceId of [...this.#held]) this.release(deviceId);
  }

  /** Who holds `deviceId` now, if anyone (a holder that died still shows until taken over). */
  holderOf(deviceId: string): LockHolder | undefined {
    return readHolder(this.pathOf(deviceId));
  }

  /**
   * Moves a stale lock aside (rename is atomic: of two processes racing over the same stale lock
   * only one moves it) and deletes it — unless what was moved turns out to be a live holder's
   * fresh lock, written between our look and our move: that one is put back, and the device is
   * busy.
   */
  private removeStale(deviceId: string, path: string): void {
    const aside = `${path}.stale-${this.#pid}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another process moved it first
      throw error;
    }
    const moved = readHolder(aside);
    if (moved && moved.pid !== this.#pid && isAlive(moved.pid)) {
      try {
        linkSync(aside, path);
      } finally {
        rmSync(aside, { force: true });
      }
      throw busy(deviceId, moved);
    }
    rmSync(aside, { force: true });
  }

  private pathOf(deviceId: string): string {
    return join(this.#dir, `${deviceId}.lock`);
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder> | null;
    if (typeof parsed?.pid !== 'number') return { pid: 0, owner: 'unknown (unreadable lock file)', at: 0 };
    return { pid: parsed.pid, owner: String(parsed.owner ?? 'unknown'), at: Number(parsed.at ?? 0) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A half-written file from a crash between create and write: treat as stale.
    return { pid: 0, owner: 'unknown (unreadable lock file)', at: 0 };
  }
}

function busy(deviceId: string, holder: LockHolder): DeviceError {
  return new DeviceError('EBUSY', deviceId, 'open', `held by ${holder.owner} (pid ${holder.pid}) since ${new Date(holder.at).toISOString()}`);
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, just not ours to signal
  }
}
