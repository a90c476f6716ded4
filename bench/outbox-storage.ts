/**
 * How to keep sealed packages durable: as BLOBs in the SQLite outbox (what boothd does) or as
 * files referenced from it (write, fsync the file, fsync the folder, then commit the row).
 * Both measured against the disk's own fsync rate in the same run.
 */
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { systemClock } from '../hal/clock.ts';
import { Outbox } from '../runtime/outbox/outbox.ts';

export interface StorageFigures {
  packageBytes: number;
  packages: number;
  blobPerSecond: number;
  filePerSecond: number;
  fsyncPerSecond: number;
}

function rate(count: number, started: number): number {
  return Math.round((count / ((performance.now() - started) / 1000)) * 10) / 10;
}

/** Writes of 4 KiB + fdatasync in a loop: the disk's durable-write floor. */
function fsyncRate(dir: string, count: number): number {
  const fd = openSync(join(dir, 'fsync-probe'), 'w');
  const block = randomBytes(4096);
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    writeSync(fd, block, 0, block.length, 0);
    fsyncSync(fd);
  }
  closeSync(fd);
  return rate(count, started);
}

function blobRate(dir: string, payloads: Buffer[]): number {
  const outbox = new Outbox(join(dir, 'blob'), systemClock, { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: 1e12 });
  outbox.open();
  const started = performance.now();
  payloads.forEach((payload, index) => outbox.accept(`pkg-${index}`, payload));
  const result = rate(payloads.length, started);
  outbox.close();
  return result;
}

/** The alternative design, implemented only here to be measured. */
function fileRate(dir: string, payloads: Buffer[]): number {
  const folder = join(dir, 'files');
  mkdirSync(folder);
  const db = new DatabaseSync(join(dir, 'files.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE packages (package_id TEXT PRIMARY KEY, file TEXT NOT NULL, bytes INTEGER)');
  const insert = db.prepare('INSERT INTO packages VALUES (?, ?, ?)');
  const started = performance.now();
  payloads.forEach((payload, index) => {
    const file = join(folder, `pkg-${index}`);
    const fd = openSync(file, 'w', 0o600);
    writeSync(fd, payload);
    fsyncSync(fd);
    closeSync(fd);
    const dirFd = openSync(folder, 'r');
    fsyncSync(dirFd); // the new directory entry must be durable too
    closeSync(dirFd);
    insert.run(`pkg-${index}`, file, payload.length);
  });
  const result = rate(payloads.length, started);
  db.close();
  return result;
}

export function measureOutboxStorage(packageBytes: number, packages: number): StorageFigures {
  const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-'));
  try {
    const payloads = Array.from({ length: packages }, () => randomBytes(packageBytes));
    return {
      packageBytes,
      packages,
      fsyncPerSecond: fsyncRate(dir, 200),
      blobPerSecond: blobRate(dir, payloads),
      filePerSecond: fileRate(dir, payloads),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
