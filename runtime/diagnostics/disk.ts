/**
 * Disk facts for the technician: how much room a folder's filesystem has, and whether
 * a real write + fsync + read-back works there (and how long it takes).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface DiskSpace {
  /** Bytes an unprivileged process may still write (statfs `bavail`, not `bfree`). */
  freeBytes: number;
  totalBytes: number;
  /** freeBytes / totalBytes in percent (0 for a filesystem reporting no blocks). */
  freePct: number;
}

/** Free and total space of the filesystem holding `dir`. Throws if `dir` cannot be stat'ed. */
export function diskSpace(dir: string): DiskSpace {
  const stats = statfsSync(dir);
  const freeBytes = stats.bavail * stats.bsize;
  const totalBytes = stats.blocks * stats.bsize;
  return { freeBytes, totalBytes, freePct: totalBytes > 0 ? (freeBytes / totalBytes) * 100 : 0 };
}

export interface DiskWriteOk {
  ok: true;
  /** Creating the file and writing the bytes (page cache). */
  writeMs: number;
  /** fsync of the file, then of the directory (the media). */
  fsyncMs: number;
}

export interface DiskWriteFailed {
  ok: false;
  /** The errno code (`ENOSPC`, `EIO`, `EACCES`, `EROFS`...), or `EMISMATCH` when the read-back differs. */
  code: string;
  message: string;
}

export type DiskWriteProbe = DiskWriteOk | DiskWriteFailed;

export const DEFAULT_PROBE_BYTES = 1024 * 1024;

/** The name prefix of probe files, so a leftover one (after a power cut) is recognisable. */
export const PROBE_FILE_PREFIX = '.disk-probe-';

/**
 * Writes `bytes` random bytes to a new uniquely named file in `dir`, fsyncs it and the
 * directory, reads it back, compares, and deletes it. I/O errors come back as
 * `{ ok: false, code }`, never thrown; the file is removed on every path.
 * The read-back usually comes from the page cache: it checks the filesystem path, not the media.
 */
export async function probeDiskWrite(
  dir: string,
  bytes: number = DEFAULT_PROBE_BYTES,
  now: () => number = () => performance.now(),
): Promise<DiskWriteProbe> {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new RangeError(`probe size must be a positive integer, got ${bytes}`);
  const file = join(dir, `${PROBE_FILE_PREFIX}${process.pid}-${randomUUID()}.tmp`);
  const data = randomBytes(bytes);
  let result: DiskWriteProbe | undefined;
  try {
    result = await writeSyncAndCompare(dir, file, data, now);
  } catch (error) {
    if (!isErrnoError(error)) throw error; // a bug, not an I/O fact; the finally still removes the file
    result = failure(error);
  } finally {
    const removalError = await rm(file, { force: true }).then(() => undefined, (error: unknown) => error);
    if (removalError !== undefined) result = withRemovalFailure(result, file, removalError);
  }
  return result;
}

async function writeSyncAndCompare(dir: string, file: string, data: Buffer, now: () => number): Promise<DiskWriteProbe> {
  const started = now();
  const handle = await open(file, 'wx');
  let fsyncStarted: number;
  try {
    await handle.writeFile(data);
    fsyncStarted = now();
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDirectory(dir);
  const fsynced = now();
  const readBack = await readFile(file);
  if (!readBack.equals(data)) {
    return { ok: false, code: 'EMISMATCH', message: `read back ${readBack.length} bytes from ${file} that differ from the ${data.length} written` };
  }
  return { ok: true, writeMs: fsyncStarted - started, fsyncMs: fsynced - fsyncStarted };
}

/** fsync of the directory makes the new entry itself durable (Linux allows fsync on an O_RDONLY directory fd). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function withRemovalFailure(result: DiskWriteProbe | undefined, file: string, error: unknown): DiskWriteProbe {
  const removal = isErrnoError(error) ? failure(error) : { ok: false as const, code: 'EUNKNOWN', message: String(error) };
  const message = `could not remove probe file ${file}: ${removal.message}`;
  if (result === undefined || result.ok) return { ok: false, code: removal.code, message };
  return { ...result, message: `${result.message}; ${message}` };
}

function isErrnoError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

function failure(error: NodeJS.ErrnoException & { code: string }): DiskWriteFailed {
  return { ok: false, code: error.code, message: error.message };
}
