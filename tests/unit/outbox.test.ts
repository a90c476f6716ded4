/**
 * The capture outbox: durable accept, read back, crypto-erase, quota, corrupt file quarantine,
 * and a full disk (a real 2 MiB tmpfs) that refuses new packages without losing accepted ones.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, it } from 'node:test';
import { Outbox } from '../../runtime/outbox/outbox.ts';
import { OutboxError } from '../../runtime/outbox/outbox-errors.ts';
import { FakeClock } from '../support/fake-clock.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshOutbox(limits = { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 }, dir = mkdtempSync(join(tmpdir(), 'outbox-'))) {
  dirs.push(dir);
  const clock = new FakeClock();
  const outbox = new Outbox(dir, clock, limits);
  return { outbox, clock, dir, opened: outbox.open() };
}

/** Runs `body` with a fresh tmpfs of `size` mounted (root only; CI runs as root), unmounting after. */
function withTmpfs(size: string, body: (mount: string) => void): void {
  const mount = mkdtempSync(join(tmpdir(), 'outbox-tmpfs-'));
  dirs.push(mount);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount]);
  try {
    body(mount);
  } finally {
    execFileSync('umount', [mount]);
  }
}

const isCode = (code: string) => (error: unknown) => error instanceof OutboxError && error.code === code;

/** Every byte in the outbox's files (database, WAL, package files), to look for what must not be there. */
function diskBytes(dir: string): Buffer {
  const database = readdirSync(dir).filter((name) => name.startsWith('outbox.db')).map((name) => join(dir, name));
  return Buffer.concat([...database, ...packageFiles(dir)].map((path) => readFileSync(path)));
}

function packageFiles(dir: string): string[] {
  return readdirSync(join(dir, 'data')).map((name) => join(dir, 'data', name));
}

/** A second name for a package file, outside the outbox: what the outbox writes over the file's blocks stays visible through it after the unlink. */
function linkOutside(file: string, dir: string): string {
  const link = join(dir, `link-${basename(file)}`);
  linkSync(file, link);
  return link;
}

/** The outbox's own connection, to look at or change rows behind its back. */
function databaseOf(outbox: Outbox): DatabaseSync {
  return (outbox as unknown as { db(): DatabaseSync }).db();
}

const allZeros = (bytes: Buffer) => bytes.length > 0 && bytes.every((byte) => byte === 0);

describe('outbox', () => {
  it('keeps accepted packages across a reopen, oldest first, byte-identical', () => {
    const { outbox, clock, dir } = freshOutbox();
    const packages = [randomBytes(300_000), randomBytes(10), randomBytes(2_400_000)];
    packages.forEach((bytes, index) => {
      outbox.accept(`pkg-${index}`, bytes);
      void clock.advance(1000);
    });
    outbox.close();
    const again = new Outbox(dir, clock, { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 });
    assert.deepEqual(again.open(), {});
    assert.deepEqual(again.pending().map((item) => [item.packageId, item.bytes]), [['pkg-0', 300_000], ['pkg-1', 10], ['pkg-2', 2_400_000]]);
    packages.forEach((bytes, index) => assert.ok(Buffer.from(again.read(`pkg-${index}`)).equals(bytes)));
    again.close();
  });

  it('stores packages encrypted at rest and crypto-erases them: neither key nor bytes stay on disk', () => {
    const { outbox, dir } = freshOutbox();
    const marker = Buffer.from('PLAINTEXT-MARKER-'.repeat(64));
    outbox.accept('pkg-a', marker);
    assert.equal(diskBytes(dir).includes(Buffer.from('PLAINTEXT-MARKER-PLAINTEXT')), false, 'plaintext on disk');
    const key = Buffer.from((databaseOf(outbox).prepare('SELECT key FROM package_keys WHERE package_id = ?').get('pkg-a') as { key: Uint8Array }).key);
    assert.ok(diskBytes(dir).includes(key), 'the at-rest key should be on disk before the erase');
    const [file] = packageFiles(dir);
    const stored = readFileSync(file!);
    assert.equal(stored.length, marker.length + 12 + 16, 'one file: IV, ciphertext, tag');
    const link = linkOutside(file!, mkdtempSync(join(tmpdir(), 'outbox-link-')));
    dirs.push(dirname(link));
    assert.equal(outbox.erase('pkg-a'), true);
    assert.equal(outbox.erase('pkg-a'), false, 'a repeated acknowledgement erases nothing');
    assert.deepEqual(packageFiles(dir), [], 'the package file is removed');
    assert.ok(allZeros(readFileSync(link)), 'the package file was removed without its bytes being overwritten');
    assert.equal(diskBytes(dir).includes(stored.subarray(100, 164)), false, 'ciphertext left on disk after erase');
    assert.equal(diskBytes(dir).includes(key), false, 'at-rest key left on disk after erase');
    assert.throws(() => outbox.read('pkg-a'), isCode('ENOENT'));
    assert.equal(outbox.stats().depth, 0);
    outbox.close();
  });

  it('fails the read of a package whose file was changed or lost with ECORRUPT, naming the package', () => {
    const { outbox, dir } = freshOutbox();
    outbox.accept('tampered', randomBytes(5000));
    outbox.accept('lost', randomBytes(5000));
    assert.equal(packageFiles(dir).length, 2);
    // Which file is which: the outbox names files by random ids, so ask the database.
    const fileOf = (id: string) => (databaseOf(outbox).prepare('SELECT file FROM package_data WHERE package_id = ?').get(id) as { file: string }).file;
    const tamperedPath = join(dir, 'data', fileOf('tampered'));
    const bytes = readFileSync(tamperedPath);
    bytes[100] = bytes[100]! ^ 0x01;
    writeFileSync(tamperedPath, bytes);
    rmSync(join(dir, 'data', fileOf('lost')));
    assert.throws(() => outbox.read('tampered'), (error) => isCode('ECORRUPT')(error) && /tampered does not authenticate/.test((error as Error).message));
    assert.throws(() => outbox.read('lost'), (error) => isCode('ECORRUPT')(error) && /lost: its data file is gone/.test((error as Error).message));
    assert.equal(outbox.stats().depth, 2, 'a corrupt package is reported, not dropped');
    outbox.close();
  });

  it('reports an erase whose file cannot be wiped, with the package gone, and wipes the file at the next open', () => {
    const { outbox, clock, dir } = freshOutbox();
    outbox.accept('stuck', randomBytes(3000));
    const [file] = packageFiles(dir);
    const links = mkdtempSync(join(tmpdir(), 'outbox-link-'));
    dirs.push(links);
    const link = linkOutside(file!, links);
    // A folder where the file was: opening it for writing fails, as a disk refusing the wipe would.
    rmSync(file!);
    mkdirSync(file!);
    assert.throws(
      () => outbox.erase('stuck'),
      (error) => isCode('EIO')(error) && /package stuck is erased \(key and rows gone\) but its file is not yet wiped, left to the next start/.test((error as Error).message),
    );
    assert.equal(outbox.has('stuck'), false, 'the package is erased even though its file is not');
    outbox.close();
    // A start while the disk still refuses: the open succeeds and says which file it left.
    const refused = new Outbox(dir, clock, { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 });
    const { orphans } = refused.open();
    assert.equal(orphans?.wiped, 0);
    assert.equal(orphans?.left.length, 1);
    assert.ok(orphans?.left[0]?.includes(basename(file!)), `the reason does not name the file: ${orphans?.left[0]}`);
    refused.close();
    rmSync(file!, { recursive: true });
    linkSync(link, file!);
    const reopened = new Outbox(dir, clock, { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 });
    assert.deepEqual(reopened.open(), { orphans: { wiped: 1, left: [] } });
    assert.deepEqual(packageFiles(dir), []);
    assert.ok(allZeros(readFileSync(link)), 'the file was removed at open without being overwritten');
    reopened.close();
  });

  it('wipes at open a package file no row names (a crash before its row committed, or during an erase)', () => {
    const { outbox, clock, dir } = freshOutbox();
    outbox.accept('kept', randomBytes(3000));
    outbox.close();
    const links = mkdtempSync(join(tmpdir(), 'outbox-link-'));
    dirs.push(links);
    const orphan = join(dir, 'data', '00000000-0000-4000-8000-000000000000.pkg');
    writeFileSync(orphan, randomBytes(4096));
    const orphanLink = linkOutside(orphan, links);
    writeFileSync(join(dir, 'data', 'not-a-package.txt'), 'left alone');
    const reopened = new Outbox(dir, clock, { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 });
    assert.deepEqual(reopened.open(), { orphans: { wiped: 1, left: [] } });
    assert.equal(existsSync(orphan), false, 'the orphan package file is still there');
    assert.ok(allZeros(readFileSync(orphanLink)), 'the orphan was removed without being overwritten');
    assert.ok(existsSync(join(dir, 'data', 'not-a-package.txt')), 'a file that is not a package file was touched');
    assert.equal(reopened.read('kept').byteLength, 3000);
    reopened.close();
  });

  it('refuses a package over the quota, and a duplicate id, keeping what it has', () => {
    const { outbox } = freshOutbox({ maxBytes: 1_000_000, maxAgeMs: 1000 });
    outbox.accept('one', randomBytes(600_000));
    assert.deepEqual(outbox.admission(500_000).ok, false);
    assert.throws(() => outbox.accept('two', randomBytes(500_000)), (error) => isCode('EQUOTA')(error) && /holds 600000 of 1000000 bytes/.test((error as Error).message));
    assert.throws(() => outbox.accept('one', randomBytes(10)), isCode('EEXIST'));
    assert.equal(outbox.read('one').byteLength, 600_000);
    assert.equal(outbox.stats().depth, 1);
    outbox.close();
  });

  it('reports packages older than maxAge as overdue without dropping them', async () => {
    const { outbox, clock } = freshOutbox({ maxBytes: 1e9, maxAgeMs: 60_000 });
    outbox.accept('old', randomBytes(10));
    await clock.advance(61_000);
    outbox.accept('new', randomBytes(10));
    assert.deepEqual({ ...outbox.stats(), oldestAt: undefined }, { depth: 2, bytes: 20, oldestAt: undefined, overdue: 1 });
    outbox.close();
  });

  it('quarantines a corrupt outbox file at start-up and works with a fresh one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    writeFileSync(join(dir, 'outbox.db'), Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(8192)]));
    const { outbox, opened } = freshOutbox(undefined, dir);
    assert.ok(opened.quarantined, 'nothing quarantined');
    assert.match(opened.reason ?? '', /ECORRUPT|EIO/);
    assert.ok(readdirSync(opened.quarantined!).includes('outbox.db'));
    assert.ok(readdirSync(opened.quarantined!).includes('data'), 'the package files go with their database');
    outbox.accept('after', randomBytes(100));
    assert.equal(outbox.read('after').byteLength, 100);
    outbox.close();
  });

  it('on a full disk refuses new packages with ENOSPC and loses nothing already accepted', (t) => {
    if (process.getuid?.() !== 0) return t.diagnostic('needs root to mount a tmpfs') as undefined;
    withTmpfs('2m', (mount) => {
      const outbox = new Outbox(join(mount, 'outbox'), new FakeClock(), { maxBytes: 1e9, maxAgeMs: 1e9 });
      outbox.open();
      const kept = randomBytes(400_000);
      outbox.accept('kept', kept);
      let refused: unknown;
      for (let i = 0; i < 20 && !refused; i += 1) {
        try {
          outbox.accept(`filler-${i}`, randomBytes(300_000));
        } catch (error) {
          refused = error;
        }
      }
      assert.ok(isCode('ENOSPC')(refused), `expected ENOSPC, got ${String(refused)}`);
      assert.ok(Buffer.from(outbox.read('kept')).equals(kept), 'an accepted package was damaged by the full disk');
      const depth = outbox.stats().depth;
      outbox.close();
      const reopened = new Outbox(join(mount, 'outbox'), new FakeClock(), { maxBytes: 1e9, maxAgeMs: 1e9 });
      assert.deepEqual(reopened.open(), {});
      assert.equal(reopened.stats().depth, depth);
      assert.ok(Buffer.from(reopened.read('kept')).equals(kept));
      reopened.close();
    });
  });
});

describe('outbox on a read-only disk', () => {
  it('refuses new packages with EIO naming the read-only outbox and still reads what it has', (t) => {
    if (process.getuid?.() !== 0) return t.diagnostic('needs root to mount a tmpfs') as undefined;
    withTmpfs('8m', (mount) => {
      let outbox = new Outbox(join(mount, 'outbox'), new FakeClock(), { maxBytes: 1e9, maxAgeMs: 1e9 });
      outbox.open();
      const kept = randomBytes(50_000);
      outbox.accept('kept', kept);
      outbox.close();
      execFileSync('mount', ['-o', 'remount,ro', mount]);
      outbox = new Outbox(join(mount, 'outbox'), new FakeClock(), { maxBytes: 1e9, maxAgeMs: 1e9 });
      let opened: unknown;
      try {
        outbox.open();
        opened = true;
      } catch (error) {
        opened = error;
      }
      if (opened === true) {
        assert.ok(Buffer.from(outbox.read('kept')).equals(kept));
        assert.throws(() => outbox.accept('new', randomBytes(10)), (error) => isCode('EIO')(error) && /read-only|readonly|disk I\/O/i.test((error as Error).message));
        outbox.close();
      } else {
        // SQLite may refuse to open a WAL database on a read-only mount at all: then it must say so
        // clearly, and must not mistake the sick disk for a corrupt outbox.
        assert.ok(opened instanceof OutboxError && opened.code === 'EIO', String(opened));
        assert.match(opened.message, /read-only|readonly|cannot open|unable to open/i);
      }
      assert.deepEqual(readdirSync(join(mount, 'outbox')).filter((name) => name === 'quarantine'), [], 'a healthy outbox was quarantined');
    });
  });
});

describe('outbox erase interrupted by a crash', () => {
  it('finishes at the next open an erase that lost its key but kept its rows', () => {
    const { outbox, clock, dir } = freshOutbox();
    outbox.accept('half-erased', randomBytes(1000));
    outbox.accept('kept', randomBytes(1000));
    // What a SIGKILL between the erase's two commits leaves: the key gone, the rest still there.
    databaseOf(outbox).exec("DELETE FROM package_keys WHERE package_id = 'half-erased'");
    outbox.close();
    const reopened = new Outbox(dir, clock, { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 });
    assert.deepEqual(reopened.open(), { orphans: { wiped: 1, left: [] } }, "the half-erased package's file is reported wiped");
    assert.deepEqual(reopened.pending().map((item) => item.packageId), ['kept']);
    assert.equal(reopened.has('half-erased'), false);
    assert.equal(reopened.stats().depth, 1);
    assert.equal(reopened.read('kept').byteLength, 1000);
    assert.equal(packageFiles(dir).length, 1, "the half-erased package's file is wiped with its rows");
    reopened.close();
  });
});
