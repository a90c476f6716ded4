/**
 * Chunk hashes made once at accept (transferDigests) instead of on every upload attempt: the
 * chunks built from them are byte-identical to hashing afresh, they are only used for the chunk
 * size they were made for, and they are authenticated at rest with the package — a changed,
 * dropped or swapped digest row fails the read (ECORRUPT) instead of sending wrong hashes. An
 * outbox written before the hashes were stored is still read (and hashed per attempt).
 */
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, it } from 'node:test';
import {
  ChunkError, chunkLayout, decodeChunk, decodeTransferDigests, encodeTransferDigests, splitIntoChunks, transferDigests, writeChunks,
} from '../../protocols/capture/transfer-codec.ts';
import { inThreadSource } from '../../protocols/capture/uploader.ts';
import { OutboxError } from '../../runtime/outbox/outbox-errors.ts';
import { Outbox } from '../../runtime/outbox/outbox.ts';
import { FakeClock } from '../support/fake-clock.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshOutbox(uploadChunkBytes?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-digests-'));
  dirs.push(dir);
  const outbox = new Outbox(dir, new FakeClock(), { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 }, uploadChunkBytes === undefined ? {} : { uploadChunkBytes });
  outbox.open();
  return { outbox, dir };
}

const asBuffers = (chunks: Uint8Array[]) => chunks.map((chunk) => Buffer.from(chunk));
const isCorrupt = (error: unknown) => error instanceof OutboxError && error.code === 'ECORRUPT';

describe('transfer digests', () => {
  it('give the same chunk messages as hashing afresh, and are ignored when made for another chunk size', () => {
    const bytes = randomBytes(10_000);
    const digests = transferDigests('pkg-a', bytes, 1000);
    assert.deepEqual(asBuffers(splitIntoChunks('pkg-a', bytes, 1000, digests)), asBuffers(splitIntoChunks('pkg-a', bytes, 1000)));
    assert.deepEqual(asBuffers(splitIntoChunks('pkg-a', bytes, 1500, digests)), asBuffers(splitIntoChunks('pkg-a', bytes, 1500)), 'made for 1000-byte chunks: not used for 1500');
    for (const message of splitIntoChunks('pkg-a', bytes, 1000, digests)) decodeChunk(message); // each verifies its chunkSha256
    assert.deepEqual(decodeTransferDigests(encodeTransferDigests(digests)), digests);
    assert.throws(() => decodeTransferDigests(new Uint8Array(40)), ChunkError);
  });

  it('writes the chunk messages back to back into a buffer it is given', () => {
    const bytes = randomBytes(5000);
    const { storageBytes } = chunkLayout('pkg-b', bytes.length, 1000);
    const target = new Uint8Array(new SharedArrayBuffer(storageBytes + 100));
    const lengths = writeChunks('pkg-b', bytes, 1000, target);
    let offset = 0;
    const written = lengths.map((length) => target.subarray(offset, (offset += length)));
    assert.equal(offset, storageBytes);
    assert.deepEqual(asBuffers(written), asBuffers(splitIntoChunks('pkg-b', bytes, 1000)));
    assert.throws(() => writeChunks('pkg-b', bytes, 1000, new Uint8Array(storageBytes - 1)), ChunkError);
  });
});

describe('outbox chunk hashes', () => {
  it('are stored at accept for the upload chunk size and read back with the package', () => {
    const { outbox } = freshOutbox(4096);
    const sealed = randomBytes(50_000);
    outbox.accept('pkg-1', sealed);
    const { sealed: read, digests } = outbox.readForUpload('pkg-1');
    assert.deepEqual(Buffer.from(read), sealed);
    assert.deepEqual(digests, transferDigests('pkg-1', sealed, 4096));
    const source = inThreadSource(outbox);
    return source.chunks('pkg-1', 4096).then((chunks) => assert.deepEqual(asBuffers(chunks), asBuffers(splitIntoChunks('pkg-1', sealed, 4096))));
  });

  it('fail the read when changed, dropped or swapped between packages, as changed data does', () => {
    const { outbox, dir } = freshOutbox();
    outbox.accept('pkg-1', randomBytes(300_000));
    outbox.accept('pkg-2', randomBytes(300_000));
    const db = new DatabaseSync(join(dir, 'outbox.db'));
    try {
      const stored = (id: string) => (db.prepare('SELECT digests FROM package_data WHERE package_id = ?').get(id) as { digests: Uint8Array }).digests;
      const setDigests = (id: string, value: Uint8Array | null) => db.prepare('UPDATE package_data SET digests = ? WHERE package_id = ?').run(value, id);
      const original = stored('pkg-1');
      const flipped = Uint8Array.from(original);
      flipped[40]! ^= 1; // a bit of the first chunk's hash
      setDigests('pkg-1', flipped);
      assert.throws(() => outbox.readForUpload('pkg-1'), isCorrupt);
      setDigests('pkg-1', null);
      assert.throws(() => outbox.readForUpload('pkg-1'), isCorrupt, 'dropping the hashes is no way around them');
      setDigests('pkg-1', stored('pkg-2'));
      assert.throws(() => outbox.readForUpload('pkg-1'), isCorrupt, "another package's hashes");
      setDigests('pkg-1', original);
      assert.ok(outbox.readForUpload('pkg-1').digests);
    } finally {
      db.close();
    }
  });

  it('reads an outbox written before hashes were stored: the column is added, its packages are hashed per attempt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-digests-old-'));
    dirs.push(dir);
    const sealed = randomBytes(20_000);
    // The earlier layout and at-rest encryption: no digests column, the package id alone as associated data.
    const db = new DatabaseSync(join(dir, 'outbox.db'));
    db.exec(`PRAGMA journal_mode = WAL;
      CREATE TABLE packages (package_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, bytes INTEGER NOT NULL, attempts INTEGER NOT NULL, last_attempt_at INTEGER);
      CREATE TABLE package_keys (package_id TEXT PRIMARY KEY, key BLOB NOT NULL);
      CREATE TABLE package_data (package_id TEXT PRIMARY KEY, data BLOB NOT NULL);`);
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from('old-pkg'));
    const data = Buffer.concat([iv, cipher.update(sealed), cipher.final(), cipher.getAuthTag()]);
    db.prepare('INSERT INTO packages VALUES (?, 1, ?, 0, NULL)').run('old-pkg', sealed.length);
    db.prepare('INSERT INTO package_keys VALUES (?, ?)').run('old-pkg', key);
    db.prepare('INSERT INTO package_data VALUES (?, ?)').run('old-pkg', data);
    db.close();
    const outbox = new Outbox(dir, new FakeClock(), { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 });
    outbox.open();
    try {
      const read = outbox.readForUpload('old-pkg');
      assert.deepEqual(Buffer.from(read.sealed), sealed);
      assert.equal(read.digests, undefined);
      const chunks = await inThreadSource(outbox).chunks('old-pkg', 4096);
      assert.deepEqual(asBuffers(chunks), asBuffers(splitIntoChunks('old-pkg', sealed, 4096)));
      outbox.accept('new-pkg', randomBytes(1000));
      assert.ok(outbox.readForUpload('new-pkg').digests, 'new packages get their hashes in the old file');
    } finally {
      outbox.close();
    }
  });
});
