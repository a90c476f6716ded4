/**
 * How to keep sealed packages durable, and how to erase them: our outbox (each package a file,
 * written and fsynced with its folder before its row commits; erased by overwriting the file with
 * zeros) against the BLOB design it replaced (the package in the SQLite row, WAL, 64 KiB pages,
 * erased by secure_delete), both with the same at-rest AES-256-GCM layer, and the disk's own
 * fsync rate — same run. Erase is timed in CPU ms per MiB (on a 2-core booth it competes with the
 * upload) and wall ms per package.
 */
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createCipheriv, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { systemClock } from '../hal/clock.ts';
import { DEFAULT_MAX_CHUNK_BYTES, encodeTransferDigests, transferDigests } from '../protocols/capture/transfer-codec.ts';
import { Outbox } from '../runtime/outbox/outbox.ts';

export interface StorageFigures {
  packageBytes: number;
  packages: number;
  fsyncPerSecond: number;
  files: DesignFigures;
  blob: DesignFigures;
}

export interface DesignFigures {
  acceptsPerSecond: number;
  eraseCpuMsPerMiB: number;
  eraseWallMsPerPackage: number;
}

const MiB = 1024 * 1024;

function rate(count: number, started: number): number {
  return Math.round((count / ((performance.now() - started) / 1000)) * 10) / 10;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Writes of 4 KiB + fsync in a loop: the disk's durable-write floor. */
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

/** Times `erase` over every package: CPU of this process per MiB, wall time per package. */
function timeErase(payloads: Buffer[], erase: (index: number) => void): Pick<DesignFigures, 'eraseCpuMsPerMiB' | 'eraseWallMsPerPackage'> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  payloads.forEach((_, index) => erase(index));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const mib = payloads.reduce((sum, payload) => sum + payload.length, 0) / MiB;
  return { eraseCpuMsPerMiB: round2((used.user + used.system) / 1000 / mib), eraseWallMsPerPackage: round2(wallMs / payloads.length) };
}

function ours(dir: string, payloads: Buffer[]): DesignFigures {
  const outbox = new Outbox(join(dir, 'files'), systemClock, { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: 1e12 });
  outbox.open();
  const started = performance.now();
  payloads.forEach((payload, index) => outbox.accept(`pkg-${index}`, payload));
  const acceptsPerSecond = rate(payloads.length, started);
  const erase = timeErase(payloads, (index) => outbox.erase(`pkg-${index}`));
  outbox.close();
  return { acceptsPerSecond, ...erase };
}

/** The design before package files, rebuilt here only to be measured: same pragmas, same at-rest layer, same commits. */
function blobDesign(dir: string, payloads: Buffer[]): DesignFigures {
  mkdirSync(dir, { recursive: true });
  const db = new DatabaseSync(join(dir, 'blob.db'));
  db.exec(`PRAGMA page_size = 65536; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;
    CREATE TABLE packages (package_id TEXT PRIMARY KEY, bytes INTEGER);
    CREATE TABLE package_keys (package_id TEXT PRIMARY KEY, key BLOB NOT NULL);
    CREATE TABLE package_data (package_id TEXT PRIMARY KEY, data BLOB NOT NULL, digests BLOB);`);
  const started = performance.now();
  payloads.forEach((payload, index) => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const digests = encodeTransferDigests(transferDigests(`pkg-${index}`, payload, DEFAULT_MAX_CHUNK_BYTES)); // made at accept there too
    cipher.setAAD(digests);
    const data = Buffer.concat([iv, cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT INTO packages VALUES (?, ?)').run(`pkg-${index}`, payload.length);
    db.prepare('INSERT INTO package_keys VALUES (?, ?)').run(`pkg-${index}`, key);
    db.prepare('INSERT INTO package_data VALUES (?, ?, ?)').run(`pkg-${index}`, data, digests);
    db.exec('COMMIT');
  });
  const acceptsPerSecond = rate(payloads.length, started);
  db.exec('PRAGMA synchronous = NORMAL'); // erases were not fsynced there either
  const erase = timeErase(payloads, (index) => {
    db.prepare('DELETE FROM package_keys WHERE package_id = ?').run(`pkg-${index}`);
    db.exec('BEGIN IMMEDIATE');
    db.prepare('DELETE FROM package_data WHERE package_id = ?').run(`pkg-${index}`);
    db.prepare('DELETE FROM packages WHERE package_id = ?').run(`pkg-${index}`);
    db.exec('COMMIT');
    if (index === payloads.length - 1) db.exec('PRAGMA wal_checkpoint(TRUNCATE)'); // as the outbox did on emptying
  });
  db.close();
  return { acceptsPerSecond, ...erase };
}

export function measureOutboxStorage(packageBytes: number, packages: number): StorageFigures {
  const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-'));
  try {
    const payloads = Array.from({ length: packages }, () => randomBytes(packageBytes));
    // A few packages through each first, untimed: the first design measured would pay the JIT.
    ours(join(dir, 'warm-up-files'), payloads.slice(0, 3));
    blobDesign(join(dir, 'warm-up-blob'), payloads.slice(0, 3));
    return { packageBytes, packages, fsyncPerSecond: fsyncRate(dir, 200), files: ours(dir, payloads), blob: blobDesign(dir, payloads) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
