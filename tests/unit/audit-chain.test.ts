/**
 * The hash-chained audit log: how records are sealed and fsynced, the chain continued over
 * restarts, torn tails and rotation, writers in two processes, and what the verifier says about
 * every kind of tampering — an edited byte, a removed, inserted or reordered record, a removed
 * middle file, oldest files deleted by hand — and what it accepts: a torn last line, and files
 * deleted by rotation.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs, { appendFileSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { GENESIS, sealRecord } from '../../runtime/audit/audit-chain.ts';
import { readChainTail, readTail } from '../../runtime/audit/audit-files.ts';
import { AuditLog, type AuditLogOptions } from '../../runtime/audit/audit-log.ts';
import { verifyAuditChain, type VerifyReport } from '../../runtime/audit/audit-verify.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { memoryLogger } from '../support/memory-logger.ts';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-'));
  path = join(dir, 'audit.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function auditLog(options: AuditLogOptions = {}) {
  const { logger, lines } = memoryLogger();
  const clock = new FakeClock();
  return { log: new AuditLog(path, clock, logger, options), lines, clock };
}

/** Writes `count` door records (about 170 bytes each), numbered from `from`. */
function fill(log: AuditLog, count: number, from = 0): void {
  for (let index = from; index < from + count; index += 1) log.record('door.locked', { reason: `test session ${index}`, maxLockSeconds: 60 });
}

const linesOf = (file: string) => readFileSync(join(dir, file), 'utf8').split('\n').filter((line) => line !== '');
const entriesOf = (file: string) => linesOf(file).map((line) => JSON.parse(line) as Record<string, unknown>);
const writeLines = (file: string, lines: string[]) => writeFileSync(join(dir, file), lines.map((line) => `${line}\n`).join(''));
const chainFiles = () => readdirSync(dir).filter((name) => /^audit\.(\d+\.)?log$/.test(name)).sort((a, b) => order(a) - order(b));
const order = (name: string) => (name === 'audit.log' ? Number.MAX_SAFE_INTEGER : Number(name.split('.')[1]));
const verify = (options = {}) => verifyAuditChain(path, options);
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

function only(report: VerifyReport): { kind: string; file: string; line: number; seq?: number } {
  assert.equal(report.intact, false, 'the verifier found nothing');
  const [first] = report.problems;
  return { kind: first!.kind, file: first!.file, line: first!.line, ...(first!.seq === undefined ? {} : { seq: first!.seq }) };
}

/** A chain of 30 records over several files, none deleted yet. */
function rotatedChain(): string[] {
  const { log } = auditLog({ maxFileBytes: 2048, maxFiles: 100 });
  fill(log, 30);
  log.close();
  const files = chainFiles();
  assert.ok(files.length >= 4, `expected several files, got ${files.join(', ')}`);
  return files;
}

describe('audit record format', () => {
  it('seals each record with seq, prev and a hash over its own bytes; the first chains to the genesis', () => {
    const { log } = auditLog();
    log.record('boothd.starting', { booth: 'b-01' });
    log.record('door.released', { reason: 'exit button', door: 'door', skipped: undefined });
    log.record('door.locked', { reason: 'session', seq: 99, hash: 'forged' });
    const lines = linesOf('audit.log');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(entries.map((entry) => entry.seq), [1, 2, 3]);
    assert.deepEqual(Object.keys(entries[1]!), ['seq', 'at', 'event', 'reason', 'door', 'prev', 'hash']);
    assert.equal(entries[0]!.prev, GENESIS);
    for (const [index, line] of lines.entries()) {
      // The hash is over the line's exact bytes with its own `,"hash":"…"` member taken out.
      assert.equal(entries[index]!.hash, sha256(line.replace(/,"hash":"[0-9a-f]{64}"\}$/, '}')));
      if (index > 0) assert.equal(entries[index]!.prev, entries[index - 1]!.hash);
    }
    assert.equal(entries[0]!.at, '2026-11-27T09:00:00.000Z');
    assert.equal(entries[2]!.seq, 3, 'an event field cannot overwrite the chain members');
    assert.deepEqual(log.summary(), { records: 3, lastEvent: 'door.locked', head: { seq: 3, hash: entries[2]!.hash as string }, chainOk: undefined });
  });

  it('fsyncs each record (already written) before record() returns', () => {
    const { log } = auditLog();
    const synced: string[] = [];
    const real = fs.fdatasyncSync;
    const spy = mock.method(fs, 'fdatasyncSync', (fd: number) => {
      synced.push(readFileSync(path, 'utf8'));
      real(fd);
    });
    syncBuiltinESMExports();
    try {
      log.record('door.locked', { reason: 'one' });
      assert.equal(spy.mock.callCount(), 1);
      log.record('door.released', { reason: 'two' });
      assert.equal(spy.mock.callCount(), 2);
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
    assert.match(synced[0]!, /"reason":"one".*\n$/);
    assert.match(synced[1]!, /"reason":"two".*\n$/);
  });

  it('logs and survives a write failure without leaving a torn line', () => {
    const { log, lines } = auditLog();
    log.record('door.locked', { reason: 'before' });
    const real = fs.writeSync;
    const spy = mock.method(fs, 'writeSync', (fd: number, buffer: Buffer) => {
      real(fd, buffer.subarray(0, 10)); // half a line, then the disk is full
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    syncBuiltinESMExports();
    try {
      assert.doesNotThrow(() => log.record('door.released', { reason: 'disk full' }));
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
    assert.ok(lines.some((line) => line.level === 50 && /audit log write failed; 1 record\(s\) held in memory/.test(line.msg)));
    assert.ok(readFileSync(path, 'utf8').endsWith('\n'), 'the half-written line was cut back');
    assert.deepEqual(entriesOf('audit.log').map((entry) => entry.reason), ['before']);
    log.record('door.released', { reason: 'after' });
    // The record the full disk refused is written first, in its place in the chain.
    assert.deepEqual(entriesOf('audit.log').map((entry) => [entry.seq, entry.reason]), [[1, 'before'], [2, 'disk full'], [3, 'after']]);
  });

  it('holds at most unwrittenLimit records while the disk is full, and says how many it lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-held-'));
    const heldPath = join(dir, 'audit.log');
    const clock = new FakeClock(Date.parse('2026-11-28T06:00:00Z'));
    const log = new AuditLog(heldPath, clock, memoryLogger('info').logger, { unwrittenLimit: 3 });
    log.record('door.locked', { reason: 'before' });
    const spy = mock.method(fs, 'writeSync', () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    syncBuiltinESMExports();
    try {
      for (let index = 1; index <= 5; index += 1) {
        await clock.advance(1000);
        log.record('door.released', { reason: `full ${index}` });
      }
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
    await clock.advance(1000);
    log.record('door.released', { reason: 'space again' });
    const entries = readFileSync(heldPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      entries.map((entry) => [entry.event, entry.reason ?? entry.count]),
      [['door.locked', 'before'], ['audit.records-lost', 2], ['door.released', 'full 3'], ['door.released', 'full 4'], ['door.released', 'full 5'], ['door.released', 'space again']],
    );
    assert.equal(entries[2]!.at, '2026-11-28T06:00:03.000Z', 'a held record keeps the time it happened');
    assert.equal((await verifyAuditChain(heldPath)).intact, true);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('the chain over restarts and damage', () => {
  it('continues from the last record on disk after a restart', async () => {
    const first = auditLog();
    fill(first.log, 3);
    first.log.close();
    const second = auditLog();
    second.log.record('boothd.starting', {});
    const entries = entriesOf('audit.log');
    assert.deepEqual(entries.map((entry) => entry.seq), [1, 2, 3, 4]);
    assert.equal(entries[3]!.prev, entries[2]!.hash);
    assert.equal((await verify()).intact, true);
  });

  it('reads only the end of a long file to find the head', () => {
    const first = auditLog();
    fill(first.log, 2000);
    first.log.close();
    const reads: number[] = [];
    const real = fs.readSync as (...args: unknown[]) => number;
    const spy = mock.method(fs, 'readSync', (...args: unknown[]) => {
      const bytes = real(...args);
      reads.push(bytes);
      return bytes;
    });
    syncBuiltinESMExports();
    try {
      auditLog().log.record('boothd.starting', {});
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
    const size = statSync(path).size;
    const total = reads.reduce((sum, bytes) => sum + bytes, 0);
    assert.ok(size > 300_000, `the file is ${size} bytes`);
    assert.ok(total < 80_000, `read ${total} bytes of a ${size}-byte file`);
    assert.equal(entriesOf('audit.log').at(-1)!.seq, 2001);
  });

  it('a torn last line is reported by verify as a warning, then cut off and recorded at the next start', async () => {
    const first = auditLog();
    fill(first.log, 3);
    first.log.close();
    const torn = '{"seq":4,"at":"2026-11-27T09:00:00.000Z","event":"door.rel';
    appendFileSync(path, torn);

    const before = await verify();
    assert.equal(before.intact, true);
    assert.deepEqual(before.warnings.map((warning) => [warning.kind, warning.file, warning.line]), [['torn-tail', 'audit.log', 4]]);

    auditLog().log.record('boothd.starting', {});
    const entries = entriesOf('audit.log');
    assert.deepEqual(entries.map((entry) => entry.event), ['door.locked', 'door.locked', 'door.locked', 'audit.tail-repaired', 'boothd.starting']);
    assert.equal(entries[3]!.droppedBytes, Buffer.byteLength(torn));
    assert.equal(entries[3]!.droppedSha256, sha256(torn));
    assert.equal(entries[3]!.prev, entries[2]!.hash, 'the repair record chains from the last good record');
    const after = await verify();
    assert.equal(after.intact, true);
    assert.deepEqual(after.warnings, []);
  });

  it('a tail of zeros (size grew, data never written: a power cut) is repaired the same way', () => {
    const first = auditLog();
    fill(first.log, 2);
    first.log.close();
    appendFileSync(path, Buffer.alloc(4096));
    auditLog().log.record('boothd.starting', {});
    const entries = entriesOf('audit.log');
    assert.deepEqual(entries.map((entry) => [entry.seq, entry.event]), [[1, 'door.locked'], [2, 'door.locked'], [3, 'audit.tail-repaired'], [4, 'boothd.starting']]);
    assert.equal(entries[2]!.droppedBytes, 4096);
  });

  it('an invalid last record is recorded as audit.chain-broken chained from the last good one, and verify still fails', async () => {
    const first = auditLog();
    fill(first.log, 3);
    first.log.close();
    const lines = linesOf('audit.log');
    writeLines('audit.log', [...lines.slice(0, 2), lines[2]!.replace('test session 2', 'test session X')]);

    auditLog().log.record('boothd.starting', {});
    const entries = entriesOf('audit.log');
    const broken = entries[3]!;
    assert.equal(broken.event, 'audit.chain-broken');
    assert.equal(broken.found, 'start-up');
    assert.equal(broken.problem, 'altered');
    assert.equal(broken.resumedAfterSeq, 2);
    assert.equal(broken.prev, entries[1]!.hash);
    const report = await verify();
    assert.deepEqual(only(report), { kind: 'altered', file: 'audit.log', line: 3, seq: 3 });
  });

  it('sets a log from before the chain aside and starts the chain at the genesis', async () => {
    const old = ['{"at":"2026-11-01T09:00:00.000Z","event":"boothd.starting","booth":"b-01"}', '{"at":"2026-11-01T09:00:01.000Z","event":"door.released","reason":"startup"}'];
    writeLines('audit.log', old);
    auditLog().log.record('boothd.starting', {});
    assert.equal(readFileSync(join(dir, 'audit.pre-chain.log'), 'utf8'), old.map((line) => `${line}\n`).join(''));
    const entries = entriesOf('audit.log');
    assert.deepEqual(entries.map((entry) => [entry.seq, entry.event]), [[1, 'audit.chain-started'], [2, 'boothd.starting']]);
    assert.equal(entries[0]!.prev, GENESIS);
    assert.equal(entries[0]!.preChainFile, 'audit.pre-chain.log');
    const report = await verify();
    assert.equal(report.intact, true);
    assert.deepEqual(report.preChain, ['audit.pre-chain.log']);
  });

  it('two writers on one file (boothd and a direct release) continue each other instead of forking', async () => {
    const boothd = auditLog().log;
    const direct = auditLog().log;
    boothd.record('door.locked', { reason: 'session' });
    direct.record('door.released', { reason: 'ExecStopPost', by: 'direct' });
    boothd.record('door.released', { reason: 'session over' });
    direct.record('door.released', { reason: 'again', by: 'direct' });
    assert.deepEqual(entriesOf('audit.log').map((entry) => entry.seq), [1, 2, 3, 4]);
    assert.equal((await verify()).intact, true);
  });

  it('two processes appending at the same time keep one chain (the write lock)', async () => {
    const childScript = `
      import { AuditLog } from ${JSON.stringify(join(import.meta.dirname, '../../runtime/audit/audit-log.ts'))};
      import { systemClock } from ${JSON.stringify(join(import.meta.dirname, '../../hal/clock.ts'))};
      import { createLogger } from ${JSON.stringify(join(import.meta.dirname, '../../runtime/logging/logger.ts'))};
      const log = new AuditLog(process.argv[1], systemClock, createLogger({ level: 'warn', pretty: false }), { maxFileBytes: 16384, maxFiles: 1000 });
      log.record('door.released', { reason: 'child started' });
      process.stdout.write('writing\\n');
      for (let index = 0; index < 400; index += 1) log.record('door.released', { reason: 'child ' + index });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', childScript, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let childDone = false;
    void exited.then(() => (childDone = true));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    // Write for as long as the child writes: every record of one races with the other's.
    const { log } = auditLog({ maxFileBytes: 16384, maxFiles: 1000 });
    let written = 0;
    while (!childDone && written < 5000) {
      log.record('door.locked', { reason: `parent ${written}` });
      written += 1;
      if (written % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(await exited, 0, stderr);
    const report = await verify();
    assert.deepEqual(report.problems.slice(0, 3), []);
    assert.equal(report.records, 401 + written);
    assert.ok(report.files.length > 3, 'rotated while both wrote');
  });
});

describe('rotation', () => {
  it('renames a full file after its first seq, continues the chain in the next, and keeps maxFiles', async () => {
    const { log } = auditLog({ maxFileBytes: 4096, maxFiles: 3 });
    fill(log, 100);
    log.close();
    const files = chainFiles();
    assert.equal(files.length, 3);
    let previous: Record<string, unknown> | undefined;
    for (const file of files) {
      assert.ok(statSync(join(dir, file)).size <= 4096, `${file} is larger than maxFileBytes`);
      const entries = entriesOf(file);
      if (file !== 'audit.log') assert.equal(file, `audit.${String(entries[0]!.seq)}.log`);
      if (previous) assert.equal(entries[0]!.prev, previous.hash, `${file} does not continue the file before it`);
      previous = entries.at(-1);
    }
    // Every deletion was recorded before it happened, naming the file and its last hash.
    const pruned = files.flatMap((file) => entriesOf(file)).filter((entry) => entry.event === 'audit.pruned');
    assert.ok(pruned.length >= 1);
    const report = await verify();
    assert.equal(report.intact, true, JSON.stringify(report.problems));
    assert.equal(report.start?.after, 'pruned');
    assert.equal(report.start?.seq, Number(files[0]!.split('.')[1]));
    assert.equal(report.head?.seq, entriesOf('audit.log').at(-1)!.seq);
    assert.equal(entriesOf('audit.log').at(-1)!.reason, 'test session 99');
  });

  it('continues the chain over a restart into the next rotation', async () => {
    const first = auditLog({ maxFileBytes: 4096, maxFiles: 4 });
    fill(first.log, 20);
    first.log.close();
    const second = auditLog({ maxFileBytes: 4096, maxFiles: 4 });
    fill(second.log, 40, 20);
    second.log.close();
    const report = await verify();
    assert.equal(report.intact, true, JSON.stringify(report.problems));
    assert.equal(report.files.length, 4);
    assert.deepEqual(
      entriesOf('audit.log').filter((entry) => entry.event === 'door.locked').at(-1)?.reason,
      'test session 59',
    );
  });

  it('after a power cut between the rename and the first record of the new file, continues from the rotated file', async () => {
    const { log } = auditLog({ maxFileBytes: 2048, maxFiles: 100 });
    fill(log, 15);
    log.close();
    const current = entriesOf('audit.log');
    renameSync(path, join(dir, `audit.${String(current[0]!.seq)}.log`)); // what rotate() does first
    auditLog({ maxFileBytes: 2048, maxFiles: 100 }).log.record('boothd.starting', {});
    const [next] = entriesOf('audit.log');
    assert.deepEqual([next!.seq, next!.prev], [current.at(-1)!.seq as number + 1, current.at(-1)!.hash]);
    const report = await verify();
    assert.equal(report.intact, true, JSON.stringify(report.problems));
  });
});

describe('verify finds tampering', () => {
  it('passes an untouched chain from the genesis', async () => {
    const files = rotatedChain();
    const report = await verify();
    assert.equal(report.intact, true);
    assert.deepEqual(report.start, { seq: 1, after: 'genesis' });
    assert.equal(report.records, 30);
    assert.deepEqual(report.files.map((file) => file.name), files);
  });

  it('one byte edited in a record', async () => {
    const files = rotatedChain();
    const lines = linesOf(files[1]!);
    lines[2] = lines[2]!.replace('test session', 'test sessioN');
    writeLines(files[1]!, lines);
    const seq = Number(files[1]!.split('.')[1]) + 2;
    assert.deepEqual(only(await verify()), { kind: 'altered', file: files[1]!, line: 3, seq });
  });

  it('a record edited and re-hashed (the chain link to the next record breaks)', async () => {
    const files = rotatedChain();
    const lines = linesOf('audit.log');
    const entries = entriesOf('audit.log');
    const victim = entries[0]!;
    const previous = entriesOf(files.at(-2)!).at(-1)!;
    lines[0] = sealRecord({ seq: Number(victim.seq) - 1, hash: previous.hash as string }, victim.at as string, 'door.released', { reason: 'nothing to see' }).line;
    writeLines('audit.log', lines);
    assert.deepEqual(only(await verify()), { kind: 'relinked', file: 'audit.log', line: 2, seq: Number(victim.seq) + 1 });
  });

  it('a record removed', async () => {
    const files = rotatedChain();
    const lines = linesOf(files[0]!);
    const removed = entriesOf(files[0]!)[3]!.seq;
    writeLines(files[0]!, lines.filter((_, index) => index !== 3));
    const problem = (await verify()).problems[0]!;
    assert.deepEqual([problem.kind, problem.file, problem.line, problem.seq], ['removed', files[0], 4, Number(removed) + 1]);
    assert.match(problem.message, new RegExp(`\\(seq ${String(removed)}\\) removed`));
  });

  it('a record inserted (a copy of another)', async () => {
    const files = rotatedChain();
    const lines = linesOf(files[1]!);
    lines.splice(2, 0, linesOf(files[0]!)[0]!);
    writeLines(files[1]!, lines);
    const report = await verify();
    assert.deepEqual(only(report), { kind: 'out-of-order', file: files[1]!, line: 3, seq: 1 });
  });

  it('a forged record inserted with a valid hash', async () => {
    const files = rotatedChain();
    const lines = linesOf(files[1]!);
    const entries = entriesOf(files[1]!);
    const forged = sealRecord({ seq: entries[1]!.seq as number, hash: entries[1]!.hash as string }, entries[1]!.at as string, 'door.released', { reason: 'forged' });
    lines.splice(2, 0, forged.line);
    writeLines(files[1]!, lines);
    const problem = (await verify()).problems[0]!;
    assert.deepEqual([problem.kind, problem.file, problem.line], ['out-of-order', files[1], 4]);
  });

  it('two records swapped', async () => {
    const files = rotatedChain();
    const lines = linesOf(files[2]!);
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    writeLines(files[2]!, lines);
    const report = await verify();
    assert.equal(report.intact, false);
    assert.deepEqual(report.problems.map((problem) => [problem.file, problem.line]).slice(0, 2), [[files[2], 2], [files[2], 3]]);
    assert.ok(report.problems.some((problem) => problem.kind === 'out-of-order'));
  });

  it('a middle file removed, naming the missing file', async () => {
    const files = rotatedChain();
    rmSync(join(dir, files[1]!));
    const problem = (await verify()).problems[0]!;
    assert.deepEqual([problem.kind, problem.file, problem.line], ['missing-file', files[2], 1]);
    assert.match(problem.message, new RegExp(`the file ${files[1]!.replaceAll('.', '\\.')} was removed`));
  });

  it('the oldest file deleted by hand, when rotation deleted nothing', async () => {
    const files = rotatedChain();
    rmSync(join(dir, files[0]!));
    assert.deepEqual(only(await verify()), { kind: 'start-missing', file: files[1]!, line: 1, seq: Number(files[1]!.split('.')[1]) });
  });

  it('a rotated file truncated in its middle', async () => {
    const files = rotatedChain();
    const text = readFileSync(join(dir, files[1]!), 'utf8');
    writeFileSync(join(dir, files[1]!), text.slice(0, text.length - 40));
    const report = await verify();
    assert.equal(report.problems[0]!.kind, 'torn-tail');
    assert.equal(report.problems[0]!.file, files[1]);
  });

  it('a chain cut short since central last saw its head (--expect)', async () => {
    rotatedChain();
    const head = (await verify()).head!;
    assert.equal((await verify({ expect: head })).intact, true);
    writeLines('audit.log', linesOf('audit.log').slice(0, -2));
    assert.equal((await verify()).intact, true, 'a clean cut at the end is invisible without an outside anchor');
    assert.equal(only(await verify({ expect: head })).kind, 'expected-missing');
  });
});

describe('verify accepts rotation', () => {
  it('oldest files deleted by rotation are not tampering; one more deleted by hand is', async () => {
    const { log } = auditLog({ maxFileBytes: 2048, maxFiles: 3 });
    fill(log, 40);
    log.close();
    const report = await verify();
    assert.equal(report.intact, true, JSON.stringify(report.problems));
    assert.equal(report.start?.after, 'pruned');
    const files = chainFiles();
    rmSync(join(dir, files[0]!));
    const tampered = only(await verify());
    assert.equal(tampered.kind, 'start-missing');
    assert.equal(tampered.file, files[1]);
  });

  it('files whose deletion was recorded but never done (a power cut) are accepted, deleted or not', async () => {
    // Rotation records audit.pruned, then the unlink "fails to happen" for every old file.
    const real = fs.rmSync;
    const spy = mock.method(fs, 'rmSync', (target: string, options?: fs.RmOptions) => (/audit\.\d+\.log$/.test(target) ? undefined : real(target, options)));
    syncBuiltinESMExports();
    try {
      const { log } = auditLog({ maxFileBytes: 2048, maxFiles: 3 });
      fill(log, 40);
      log.close();
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
    const files = chainFiles();
    const pruned = files.flatMap((file) => entriesOf(file)).filter((entry) => entry.event === 'audit.pruned');
    assert.ok(pruned.length >= 2, 'rotation pruned at least two files');
    const all = await verify();
    assert.deepEqual([all.intact, all.start?.after], [true, 'genesis']);
    // Finishing the deletions by hand, oldest first, stays within what the chain recorded.
    // (A file still there at the next rotation is recorded again: the first record of each counts.)
    const firsts = pruned.filter((entry, index) => pruned.findIndex((other) => other.file === entry.file) === index);
    for (const entry of firsts) {
      rmSync(join(dir, String(entry.file)));
      const report = await verify();
      assert.equal(report.intact, true, `after deleting ${String(entry.file)}: ${JSON.stringify(report.problems)}`);
      assert.deepEqual([report.start?.seq, report.start?.prunedFile], [Number(entry.lastSeq) + 1, entry.file]);
    }
    // One file more is not.
    rmSync(join(dir, chainFiles()[0]!));
    assert.equal(only(await verify()).kind, 'start-missing');
  });
});

describe('reading the end of a file', () => {
  it('finds the last complete lines and the torn fragment across chunk boundaries', () => {
    const text = 'first line\nsecond\n\nfourth line here\ntorn fragm';
    writeFileSync(path, text);
    const fd = openSync(path, 'r');
    try {
      for (const chunk of [1, 3, 7, 64]) {
        const tail = readTail(fd, text.length, 2, chunk);
        assert.deepEqual(tail.lines.map((line) => line.text), ['', 'fourth line here'], `chunk ${chunk}`);
        assert.equal(tail.lines[1]!.offset, text.indexOf('fourth'));
        assert.equal(tail.fragment?.bytes.toString(), 'torn fragm');
        assert.equal(tail.fragment?.offset, text.indexOf('torn'));
        const all = readTail(fd, text.length, 10, chunk);
        assert.deepEqual(all.lines.map((line) => line.text), ['first line', 'second', '', 'fourth line here'], `chunk ${chunk}`);
      }
      assert.deepEqual(readTail(fd, 11, 5, 4).lines.map((line) => line.text), ['first line']);
      assert.equal(readTail(fd, 0, 5).lines.length, 0);
    } finally {
      closeSync(fd);
    }
  });

  it('tails the chain across files, newest last', () => {
    const { log } = auditLog({ maxFileBytes: 2048, maxFiles: 100 });
    fill(log, 30);
    log.close();
    const tail = readChainTail(path, 15).map((line) => JSON.parse(line.text) as { seq: number });
    assert.deepEqual(tail.map((entry) => entry.seq), Array.from({ length: 15 }, (_, index) => 16 + index));
  });
});
