/**
 * The capture outbox: sealed capture packages kept on disk until the central side has
 * acknowledged them. SQLite (node:sqlite) in WAL mode with synchronous=FULL holds each package's
 * row, key and chunk hashes; its bytes are a file of their own (package-files.ts; docs/outbox.md
 * says why, with measurements), fsynced with its folder before the row commits. `accept` returns
 * only once the package is durable: the session may then tell the person "done".
 *
 * At rest every package is additionally encrypted with its own random AES-256-GCM key, kept in a
 * separate table. Removal is a crypto-erase: the key row goes first, then the rows, then the file
 * is overwritten with zeros and removed; with secure_delete on and the WAL truncated, neither key
 * nor bytes stay on disk. A package is erased only on the central acknowledgement, never on an
 * MQTT PUBACK. Outboxes from before the files keep their packages as BLOBs, read as before.
 *
 * With each package the hashes its chunk messages carry (transferDigests) are stored, made once
 * at accept rather than on every upload attempt; they are bound into the at-rest encryption's
 * associated data, so a changed or swapped digest row fails the read like changed data does.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, existsSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../../hal/clock.ts';
import { decodeTransferDigests, DEFAULT_MAX_CHUNK_BYTES, encodeTransferDigests, transferDigests, type TransferDigests } from '../../protocols/capture/transfer-codec.ts';
import { fromSqliteError, OutboxError } from './outbox-errors.ts';
import { PackageFiles, type SweepResult } from './package-files.ts';

export interface OutboxLimits {
  /** Total stored bytes above which new packages (and sessions) are refused. */
  maxBytes: number;
  /** Packages older than this are reported overdue (never dropped). */
  maxAgeMs: number;
}

export interface OutboxOptions {
  /** The uploader's maxChunkBytes: the chunk hashes are made for it at accept (default 128 KiB). */
  uploadChunkBytes?: number;
}

/** A package as the uploader needs it: the sealed bytes and, when stored with it, its chunk hashes. */
export interface UploadablePackage {
  sealed: Uint8Array;
  digests?: TransferDigests;
}

export interface OutboxItem {
  packageId: string;
  bytes: number;
  createdAt: number;
  attempts: number;
  lastAttemptAt?: number;
}

export interface OutboxStats {
  depth: number;
  bytes: number;
  oldestAt?: number;
  overdue: number;
}

export interface OpenResult {
  /** Where a corrupt outbox was moved, when one was found at start-up. */
  quarantined?: string;
  reason?: string;
  /**
   * Package files no row named (a crash between a file's write and its row's commit, or during
   * an erase): wiped at open, or left for the next open with the reason. Present only when there were any.
   */
  orphans?: SweepResult;
}

/** The open's result with the sweep's report, when it found any orphan file. */
function withOrphans(result: OpenResult, orphans: SweepResult): OpenResult {
  return orphans.wiped > 0 || orphans.left.length > 0 ? { ...result, orphans } : result;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class Outbox {
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #limits: OutboxLimits;
  readonly #uploadChunkBytes: number;
  readonly #files: PackageFiles;
  #db: DatabaseSync | undefined;
  #lastCheckpointAt = 0;

  /**
   * For a thread that reads and erases what its owner accepted (then `attach`): no limits of its
   * own, since limits are checked on accept and this connection never accepts.
   */
  static secondConnection(dir: string, clock: Clock): Outbox {
    return new Outbox(dir, clock, { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER });
  }

  constructor(dir: string, clock: Clock, limits: OutboxLimits, options: OutboxOptions = {}) {
    this.#dir = dir;
    this.#clock = clock;
    this.#limits = limits;
    this.#uploadChunkBytes = options.uploadChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;
    this.#files = new PackageFiles(dir);
  }

  get dir(): string {
    return this.#dir;
  }

  get path(): string {
    return join(this.#dir, 'outbox.db');
  }

  /**
   * Opens (creating) the outbox. A corrupt one is quarantined and replaced by a fresh one; any
   * other failure (read-only disk, I/O error) is thrown as it is — a healthy outbox on a sick
   * disk must never be moved aside.
   */
  open(): OpenResult {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    this.#files.ensure();
    try {
      const { db, orphans } = this.openChecked();
      this.#db = db;
      return withOrphans({}, orphans);
    } catch (error) {
      if (!(error instanceof OutboxError) || error.code !== 'ECORRUPT') throw error;
      const reason = error.message;
      const quarantined = this.quarantine();
      this.#files.ensure();
      const { db, orphans } = this.openChecked();
      this.#db = db;
      return withOrphans({ quarantined, reason }, orphans);
    }
  }

  /**
   * A second connection to an outbox its owner has already opened and checked: no integrity
   * check, no quarantine, no schema — for the upload worker thread, which reads and erases.
   */
  attach(): void {
    try {
      this.#db = connect(this.path);
    } catch (error) {
      throw fromSqliteError(error, 'attaching to the outbox');
    }
  }

  close(): void {
    if (this.#db?.isOpen) this.#db.close();
    this.#db = undefined;
  }

  /**
   * Whether a new session may start: refused with a reason when the quota is used up, or when
   * the disk itself has no room for it (a session that could not be stored would be taken from
   * the person for nothing).
   */
  admission(expectedBytes: number): { ok: true } | { ok: false; reason: string } {
    const quota = this.quotaAdmission(expectedBytes);
    if (!quota.ok) return quota;
    const free = freeBytes(this.#dir);
    // Twice the package: its file, and the sealed copy and database rows on the way, need room while it is written.
    if (free !== undefined && free < expectedBytes * 2) {
      return { ok: false, reason: `disk full: ${Math.floor(free / 1024 ** 2)} MiB free where the outbox lives, a session needs ${Math.ceil((expectedBytes * 2) / 1024 ** 2)} MiB` };
    }
    return { ok: true };
  }

  /** The quota alone: a package being stored is tried against the disk itself (ENOSPC says so). */
  private quotaAdmission(expectedBytes: number): { ok: true } | { ok: false; reason: string } {
    const { bytes } = this.stats();
    if (bytes + expectedBytes > this.#limits.maxBytes) {
      return { ok: false, reason: `outbox holds ${bytes} of ${this.#limits.maxBytes} bytes; ${expectedBytes} more do not fit until captures are delivered` };
    }
    return { ok: true };
  }

  /**
   * Stores a sealed package durably (fsynced when this returns). Throws OutboxError: EQUOTA
   * when over the quota, EEXIST for a package id already stored, ENOSPC / EIO from the disk.
   * Nothing already accepted is touched by a failure.
   */
  accept(packageId: string, sealed: Uint8Array): void {
    const db = this.db();
    const admission = this.quotaAdmission(sealed.byteLength);
    if (!admission.ok) throw new OutboxError('EQUOTA', admission.reason);
    const digests = digestsFor(packageId, sealed, this.#uploadChunkBytes);
    const key = randomBytes(32);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(atRestAad(packageId, digests));
    const data = Buffer.concat([iv, cipher.update(sealed), cipher.final(), cipher.getAuthTag()]);
    // Checked before the file is written: a duplicate must not cost a file write and wipe.
    if (this.has(packageId)) throw new OutboxError('EEXIST', `accepting package ${packageId}: already stored`);
    const file = this.#files.newName();
    try {
      this.#files.writeDurable(file, data, `accepting package ${packageId}`);
      db.exec('BEGIN IMMEDIATE');
      db.prepare('INSERT INTO packages (package_id, created_at, bytes, attempts) VALUES (?, ?, ?, 0)').run(packageId, this.#clock.now(), sealed.byteLength);
      db.prepare('INSERT INTO package_keys (package_id, key) VALUES (?, ?)').run(packageId, key);
      db.prepare("INSERT INTO package_data (package_id, data, digests, file) VALUES (?, X'', ?, ?)").run(packageId, digests ?? null, file);
      db.exec('COMMIT');
    } catch (error) {
      if (error instanceof OutboxError) throw error; // the file: nothing of it is left
      if (db.isTransaction) db.exec('ROLLBACK');
      this.wipeQuietly(file);
      throw fromSqliteError(error, `accepting package ${packageId}`);
    } finally {
      key.fill(0);
    }
  }

  /** The sealed package bytes as accepted. */
  read(packageId: string): Uint8Array {
    return this.readForUpload(packageId).sealed;
  }

  /**
   * The sealed bytes with the chunk hashes stored at accept (none for a package stored before
   * they were, or whose id is not a valid chunk id); both authenticated, or ECORRUPT.
   */
  readForUpload(packageId: string): UploadablePackage {
    const db = this.db();
    const row = db
      .prepare('SELECT k.key AS key, d.data AS data, d.digests AS digests, d.file AS file FROM package_keys k JOIN package_data d USING (package_id) WHERE package_id = ?')
      .get(packageId) as { key: Uint8Array; data: Uint8Array; digests: Uint8Array | null; file: string | null } | undefined;
    if (!row) throw new OutboxError('ENOENT', `no package ${packageId}`);
    // Views, not copies: a package is megabytes, and every copy is garbage-collector work during uploads.
    let data: Buffer;
    try {
      data = row.file === null ? Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength) : this.#files.read(row.file, `reading package ${packageId}`);
    } catch (error) {
      // A missing file is damage (rows and file go together); a disk that fails the read is EIO as it is.
      const cause = error as OutboxError;
      throw this.readFailure(packageId, cause.code === 'ENOENT' ? new OutboxError('ECORRUPT', `package ${packageId}: its data file is gone`, { cause }) : cause);
    }
    const decipher = createDecipheriv('aes-256-gcm', row.key, data.subarray(0, IV_BYTES));
    decipher.setAAD(atRestAad(packageId, row.digests ?? undefined));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let sealed: Uint8Array;
    try {
      const plaintext = decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES));
      const rest = decipher.final(); // GCM is a stream cipher: nothing is held back, this only checks the tag
      sealed = rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
    } catch (error) {
      throw this.readFailure(packageId, new OutboxError('ECORRUPT', `package ${packageId} does not authenticate at rest`, { cause: error }));
    }
    if (row.digests === null) return { sealed };
    try {
      return { sealed, digests: decodeTransferDigests(row.digests) };
    } catch (error) {
      throw new OutboxError('ECORRUPT', `package ${packageId}: stored chunk hashes are malformed`, { cause: error });
    }
  }

  /**
   * A read that failed because another connection erased the package meanwhile (its file
   * removed or half wiped after the row was read) is ENOENT, like reading it a moment later;
   * only for a package still stored is the failure itself reported.
   */
  private readFailure(packageId: string, failure: OutboxError): OutboxError {
    return this.has(packageId) ? failure : new OutboxError('ENOENT', `no package ${packageId} (erased while it was read)`, { cause: failure });
  }

  /** Oldest first: the upload order. */
  pending(limit = 100): OutboxItem[] {
    const rows = this.db()
      .prepare('SELECT package_id, created_at, bytes, attempts, last_attempt_at FROM packages ORDER BY created_at, rowid LIMIT ?')
      .all(limit) as Array<{ package_id: string; created_at: number; bytes: number; attempts: number; last_attempt_at: number | null }>;
    return rows.map((row) => ({
      packageId: row.package_id,
      createdAt: row.created_at,
      bytes: row.bytes,
      attempts: row.attempts,
      ...(row.last_attempt_at === null ? {} : { lastAttemptAt: row.last_attempt_at }),
    }));
  }

  has(packageId: string): boolean {
    return this.db().prepare('SELECT 1 FROM packages WHERE package_id = ?').get(packageId) !== undefined;
  }

  /** Not fsynced: an attempt count lost to a power cut is harmless, an fsync per upload is not. */
  markAttempt(packageId: string): void {
    this.withoutFsync(`counting an upload attempt of ${packageId}`, (db) => {
      db.prepare('UPDATE packages SET attempts = attempts + 1, last_attempt_at = ? WHERE package_id = ?').run(this.#clock.now(), packageId);
    });
  }

  /**
   * Crypto-erase after the central acknowledgement: the key first (the data is unreadable from
   * that commit on), then the rows, then the file is overwritten with zeros and removed; the WAL
   * is truncated in time so no old page copy of the key survives. Returns false when the package
   * was not (or no longer) here: acknowledgements may repeat.
   */
  erase(packageId: string): boolean {
    // Not fsynced: an erase lost to a power cut only means the package is sent again and the
    // central side acknowledges the duplicate; the fsync would stall the upload per package.
    const { removed, file } = this.withoutFsync(`erasing package ${packageId}`, (db) => {
      const removedKey = db.prepare('DELETE FROM package_keys WHERE package_id = ?').run(packageId).changes;
      db.exec('BEGIN IMMEDIATE');
      const row = db.prepare('SELECT file FROM package_data WHERE package_id = ?').get(packageId) as { file: string | null } | undefined;
      db.prepare('DELETE FROM package_data WHERE package_id = ?').run(packageId);
      const removedRow = db.prepare('DELETE FROM packages WHERE package_id = ?').run(packageId).changes;
      db.exec('COMMIT');
      this.checkpointIfDue();
      return { removed: Number(removedRow) + Number(removedKey) > 0, file: row?.file ?? undefined };
    });
    // After the rows: a wipe that fails leaves a file no row names, which the next open wipes.
    if (file !== undefined) {
      try {
        this.#files.wipe(file);
      } catch (error) {
        const cause = error as OutboxError;
        throw new OutboxError(cause.code, `package ${packageId} is erased (key and rows gone) but its file is not yet wiped, left to the next start: ${cause.message}`, { cause });
      }
    }
    return removed;
  }

  /**
   * Runs `body` with commits that are not fsynced (synchronous=NORMAL), then back to FULL; a
   * failure rolls back what `body` left open and is reported as an OutboxError saying `doing`.
   */
  private withoutFsync<T>(doing: string, body: (db: DatabaseSync) => T): T {
    const db = this.db();
    db.exec('PRAGMA synchronous = NORMAL');
    try {
      return body(db);
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw fromSqliteError(error, doing);
    } finally {
      db.exec('PRAGMA synchronous = FULL');
    }
  }

  /**
   * Truncating the WAL removes the last copies of erased pages, but it is a synchronous write +
   * fsync of the database: done when the outbox has emptied, or at most every 10 s while a
   * backlog drains, so an upload burst does not stall the event loop (the key is already gone).
   */
  private checkpointIfDue(): void {
    const db = this.db();
    const now = this.#clock.now();
    // One row looked at, not all of them counted: this runs after every erase of a backlog.
    const empty = db.prepare('SELECT 1 FROM packages LIMIT 1').get() === undefined;
    if (!empty && now - this.#lastCheckpointAt < 10_000) return;
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    this.#lastCheckpointAt = now;
  }

  /** After a failed accept: the file of a package that was never accepted, wiped, or left to the next open's sweep. */
  private wipeQuietly(file: string): void {
    try {
      this.#files.wipe(file);
    } catch {
      // the disk refuses even this; the row never committed, so the next open's sweep wipes it
    }
  }

  stats(): OutboxStats {
    const db = this.db();
    const row = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b, MIN(created_at) AS oldest FROM packages').get() as {
      n: number;
      b: number;
      oldest: number | null;
    };
    const overdueBefore = this.#clock.now() - this.#limits.maxAgeMs;
    const overdue = (db.prepare('SELECT COUNT(*) AS n FROM packages WHERE created_at < ?').get(overdueBefore) as { n: number }).n;
    return { depth: row.n, bytes: row.b, ...(row.oldest === null ? {} : { oldestAt: row.oldest }), overdue };
  }

  private db(): DatabaseSync {
    if (!this.#db) throw new OutboxError('EIO', 'the outbox is not open');
    return this.#db;
  }

  private openChecked(): { db: DatabaseSync; orphans: SweepResult } {
    let db: DatabaseSync | undefined;
    try {
      db = connect(this.path);
      const check = db.prepare('PRAGMA quick_check').all() as Array<{ quick_check: string }>;
      if (check.length !== 1 || check[0]?.quick_check !== 'ok') {
        throw new OutboxError('ECORRUPT', `quick_check: ${check.map((row) => row.quick_check).join('; ').slice(0, 300)}`);
      }
      db.exec(`
        CREATE TABLE IF NOT EXISTS packages (
          package_id TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL,
          bytes INTEGER NOT NULL,
          attempts INTEGER NOT NULL,
          last_attempt_at INTEGER
        );
        CREATE TABLE IF NOT EXISTS package_keys (package_id TEXT PRIMARY KEY, key BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS package_data (package_id TEXT PRIMARY KEY, data BLOB NOT NULL, digests BLOB, file TEXT);`);
      addMissingColumns(db);
      finishInterruptedErases(db);
      const referenced = db.prepare('SELECT file FROM package_data WHERE file IS NOT NULL').all() as Array<{ file: string }>;
      return { db, orphans: this.#files.sweep(new Set(referenced.map((row) => row.file))) };
    } catch (error) {
      if (db?.isOpen) db.close();
      throw error instanceof OutboxError ? error : fromSqliteError(error, 'opening the outbox');
    }
  }

  /**
   * Moves the outbox files and the package files aside (never deletes them: someone may recover
   * captures from them with the keys in the database).
   */
  private quarantine(): string {
    const target = join(this.#dir, 'quarantine', new Date(this.#clock.now()).toISOString().replace(/[:.]/g, '-'));
    mkdirSync(target, { recursive: true, mode: 0o700 });
    for (const suffix of ['', '-wal', '-shm']) {
      const file = `${this.path}${suffix}`;
      if (existsSync(file)) renameSync(file, join(target, `outbox.db${suffix}`));
    }
    if (existsSync(this.#files.dir)) renameSync(this.#files.dir, join(target, 'data'));
    return target;
  }
}

function connect(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    // Two connections (boothd's and the upload worker's) write: a busy one waits, it does not fail.
    // SQLite's default 4 KiB pages: the rows are small now that the bytes are files, and every
    // commit writes whole pages to the WAL (an outbox made with 64 KiB pages for BLOBs keeps them).
    db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA secure_delete = ON;
      PRAGMA foreign_keys = ON;`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * An outbox made before chunk hashes were stored gets the column (its packages have none: hashed
 * per attempt); one made before package files gets the file column (its packages stay BLOBs).
 */
function addMissingColumns(db: DatabaseSync): void {
  const columns = new Set((db.prepare('PRAGMA table_info(package_data)').all() as Array<{ name: string }>).map((column) => column.name));
  if (!columns.has('digests')) db.exec('ALTER TABLE package_data ADD COLUMN digests BLOB');
  if (!columns.has('file')) db.exec('ALTER TABLE package_data ADD COLUMN file TEXT');
}

/** The chunk hashes to store, or undefined when the id cannot name chunks (such a package cannot be uploaded anyway). */
function digestsFor(packageId: string, sealed: Uint8Array, maxChunkBytes: number): Uint8Array | undefined {
  try {
    return encodeTransferDigests(transferDigests(packageId, sealed, maxChunkBytes));
  } catch {
    return undefined;
  }
}

/**
 * Associated data of the at-rest encryption: the package id alone (as before chunk hashes were
 * stored), or length-prefixed id || stored hashes, so the hashes cannot be changed, dropped or
 * moved to another package without the read failing.
 */
function atRestAad(packageId: string, digests: Uint8Array | undefined): Buffer {
  const id = Buffer.from(packageId);
  if (digests === undefined) return id;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(id.length);
  return Buffer.concat([length, id, digests]);
}

/**
 * An erase deletes the key in one commit and the rest in a second: a kill between the two
 * leaves a package without its key — already crypto-erased, never again readable. Finish such
 * erases at open, or the uploader would try to send a package it cannot read (its file, no
 * longer named by a row, is wiped by the sweep that follows).
 */
function finishInterruptedErases(db: DatabaseSync): void {
  db.exec('BEGIN IMMEDIATE');
  db.exec('DELETE FROM package_data WHERE package_id NOT IN (SELECT package_id FROM package_keys)');
  db.exec('DELETE FROM packages WHERE package_id NOT IN (SELECT package_id FROM package_keys)');
  db.exec('COMMIT');
}

/** Free bytes on the outbox's file system; undefined when it cannot be read (the write will say). */
function freeBytes(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}
