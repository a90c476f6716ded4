/**
 * The outbox's package bytes, one file per package in `<outbox>/data/`, named by a random id
 * the package's row holds (never by the package id: that comes from outside).
 *
 * Why files and not BLOBs (docs/outbox.md): a BLOB is written twice (WAL, then checkpoint) and
 * its secure_delete erase twice again, page by page; a file is written once and wiped by one
 * overwrite with zeros in place. The price is a second place to keep consistent, which the
 * order of steps pays: a file is durable (file and folder fsynced) before the row naming it
 * commits, and a file whose row is gone — a crash between the two, or an erase cut short — is
 * wiped by `sweep` at the next open.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fdatasyncSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fromFsError, OutboxError } from './outbox-errors.ts';

const SUFFIX = '.pkg';

/** What the start-up sweep did with files no row names: how many it wiped, why it left the others. */
export interface SweepResult {
  wiped: number;
  /** One reason per file left for the next open (the error names the file). */
  left: string[];
}
/** Zeros written over a file being wiped, a slice at a time (shared: never written to). */
const ZEROS = Buffer.alloc(1024 * 1024);

export class PackageFiles {
  readonly dir: string;
  #readBuffer = Buffer.alloc(0);

  constructor(outboxDir: string) {
    this.dir = join(outboxDir, 'data');
  }

  /** Creates the folder if missing (mode 0700: only boothd's user may list the packages). */
  ensure(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw fromFsError(error, 'creating the package folder');
    }
  }

  /** A name for a new package's file. */
  newName(): string {
    return `${randomUUID()}${SUFFIX}`;
  }

  /**
   * Writes `data` as `name` and makes it durable: the file fsynced, then the folder, so neither
   * bytes nor name can be lost to a power cut once the row naming them commits. A failure
   * removes what was written and throws an OutboxError saying `doing`.
   */
  writeDurable(name: string, data: Uint8Array, doing: string): void {
    const path = join(this.dir, name);
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx', 0o600);
      for (let offset = 0; offset < data.byteLength; ) offset += writeSync(fd, data, offset, data.byteLength - offset);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      this.syncFolder();
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      this.removeQuietly(path);
      throw fromFsError(error, doing);
    }
  }

  /**
   * A package's bytes, in a buffer this object lends until its next `read`: the caller decrypts
   * them into a buffer of its own at once. Reused because a fresh megabytes-long buffer per
   * package is page faults and garbage-collector work on the upload path. ENOENT when missing.
   */
  read(name: string, doing: string): Buffer {
    let fd: number | undefined;
    try {
      fd = openSync(join(this.dir, name), 'r');
      const size = fstatSync(fd).size;
      if (this.#readBuffer.length < size) this.#readBuffer = Buffer.allocUnsafeSlow(size);
      let offset = 0;
      while (offset < size) {
        const read = readSync(fd, this.#readBuffer, offset, size - offset, offset);
        if (read === 0) break; // shorter than it was a moment ago: the authentication fails it
        offset += read;
      }
      return this.#readBuffer.subarray(0, offset);
    } catch (error) {
      throw fromFsError(error, doing);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * Overwrites the file with zeros in place, waits for the zeros to reach the disk, then removes
   * it: unlinking alone would free the blocks with the bytes still on them, and unlinking before
   * the data sync would let the file system drop the zeros unwritten. A missing file is no error
   * (an erase repeated after a crash).
   */
  wipe(name: string): void {
    const path = join(this.dir, name);
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw fromFsError(error, `wiping ${name}`);
    }
    try {
      const size = fstatSync(fd).size;
      for (let offset = 0; offset < size; ) offset += writeSync(fd, ZEROS, 0, Math.min(ZEROS.length, size - offset), offset);
      fdatasyncSync(fd);
    } catch (error) {
      throw fromFsError(error, `wiping ${name}`);
    } finally {
      closeSync(fd);
    }
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fromFsError(error, `removing the wiped ${name}`);
    }
  }

  /**
   * Wipes every package file no row names (`referenced`): left by a crash after the file was
   * written but before its row committed (never accepted), or after an erase removed the rows
   * but not yet the file. One that cannot be wiped (a read-only disk) is left for the next open
   * rather than failing this one. Says what it did, so the start-up can report it.
   */
  sweep(referenced: ReadonlySet<string>): SweepResult {
    const result: SweepResult = { wiped: 0, left: [] };
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith(SUFFIX) || referenced.has(name)) continue;
      try {
        this.wipe(name);
        result.wiped += 1;
      } catch (error) {
        if (!(error instanceof OutboxError)) throw error;
        result.left.push(error.message);
      }
    }
    return result;
  }

  private syncFolder(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private removeQuietly(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // never created, or the disk refuses even this: the next open's sweep wipes it
    }
  }
}
