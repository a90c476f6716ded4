/**
 * The edge node's durable state in one SQLite database (node:sqlite, WAL):
 * - the birth/death sequence number (bdSeq), so a restarted boothd continues it;
 * - store-and-forward: DATA messages kept while the broker or primary host is away, replayed
 *   in order after the next BIRTH. Bounded by bytes and age; when full, the oldest are dropped
 *   (and counted) so the newest telemetry survives;
 * - the ids of accepted signed commands until their window closes (replay protection), each
 *   committed with a full fsync before the command runs, so neither a restart of boothd nor a
 *   power cut lets a captured command be played again.
 * WAL with synchronous=NORMAL survives kill -9 of boothd (the WAL is in the kernel's page cache);
 * a power cut may lose the last telemetry records, which is acceptable for telemetry (captures
 * use a stricter store).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export interface StoredMessage {
  id: number;
  /** Device id for DDATA, undefined for NDATA. */
  device?: string;
  /** Encoded Sparkplug payload without seq; metrics carry their own timestamps. */
  payload: Uint8Array;
  storedAt: number;
}

export interface StoreLimits {
  maxBytes: number;
  maxAgeMs: number;
}

export interface StoreStats {
  pending: number;
  pendingBytes: number;
  dropped: number;
}

export class SessionStore {
  readonly #db: DatabaseSync;
  readonly #limits: StoreLimits;
  readonly #insert: StatementSync;
  readonly #oldest: StatementSync;
  readonly #delete: StatementSync;
  #dropped = 0;

  constructor(path: string, limits: StoreLimits) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.#db = new DatabaseSync(path);
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS pending (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device TEXT,
        payload BLOB NOT NULL,
        bytes INTEGER NOT NULL,
        stored_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS accepted_commands (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);`);
    this.#limits = limits;
    this.#insert = this.#db.prepare('INSERT INTO pending (device, payload, bytes, stored_at) VALUES (?, ?, ?, ?)');
    this.#oldest = this.#db.prepare('SELECT id, device, payload, stored_at FROM pending ORDER BY id LIMIT ?');
    this.#delete = this.#db.prepare('DELETE FROM pending WHERE id = ?');
  }

  /**
   * The bdSeq for a new MQTT session: the previous one + 1 (mod 256), persisted before the
   * CONNECT that carries it in its will. The first session ever uses 0.
   */
  nextBdSeq(): number {
    const row = this.#db.prepare("SELECT value FROM settings WHERE key = 'bdSeq'").get() as { value: number } | undefined;
    const next = row === undefined ? 0 : (row.value + 1) % 256;
    this.#db.prepare("INSERT INTO settings (key, value) VALUES ('bdSeq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(next);
    return next;
  }

  /** Keeps one DATA message for later; drops the oldest when over the byte limit. */
  store(device: string | undefined, payload: Uint8Array, now: number): void {
    this.#insert.run(device ?? null, payload, payload.byteLength, now);
    this.enforceLimits(now);
  }

  /** The oldest `limit` messages, expired ones removed first. */
  peek(limit: number, now: number): StoredMessage[] {
    this.enforceLimits(now);
    return (this.#oldest.all(limit) as Array<{ id: number; device: string | null; payload: Uint8Array; stored_at: number }>).map((row) => ({
      id: row.id,
      ...(row.device === null ? {} : { device: row.device }),
      payload: row.payload,
      storedAt: row.stored_at,
    }));
  }

  /** Forgets a message once it has been handed to the broker. */
  remove(id: number): void {
    this.#delete.run(id);
  }

  /** Whether a signed command with this id was accepted and its window (expiresAt) has not closed. */
  hasCommand(id: string, now: number): boolean {
    return this.#db.prepare('SELECT 1 FROM accepted_commands WHERE id = ? AND expires_at >= ?').get(id, now) !== undefined;
  }

  /**
   * Records an accepted command id until `expiresAt`, durably (synchronous = FULL for this one
   * commit: the WAL is fsynced) before the command is carried out; forgets ids whose window has
   * closed. Commands are rare, so the fsync costs nothing that matters.
   */
  rememberCommand(id: string, expiresAt: number, now: number): void {
    this.#db.exec('PRAGMA synchronous = FULL');
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        this.#db.prepare('DELETE FROM accepted_commands WHERE expires_at < ?').run(now);
        this.#db.prepare('INSERT INTO accepted_commands (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)').run(id, expiresAt);
        this.#db.exec('COMMIT');
      } catch (error) {
        this.#db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.#db.exec('PRAGMA synchronous = NORMAL');
    }
  }

  stats(): StoreStats {
    const row = this.#db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM pending').get() as { n: number; b: number };
    return { pending: row.n, pendingBytes: row.b, dropped: this.#dropped };
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  private enforceLimits(now: number): void {
    const expired = this.#db.prepare('DELETE FROM pending WHERE stored_at < ?').run(now - this.#limits.maxAgeMs);
    this.#dropped += Number(expired.changes);
    let { pendingBytes } = this.stats();
    while (pendingBytes > this.#limits.maxBytes) {
      const oldest = this.#db.prepare('SELECT id, bytes FROM pending ORDER BY id LIMIT 1').get() as { id: number; bytes: number } | undefined;
      if (!oldest) break;
      this.#delete.run(oldest.id);
      this.#dropped += 1;
      pendingBytes -= oldest.bytes;
    }
  }
}
