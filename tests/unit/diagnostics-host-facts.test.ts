import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { certificateExpiry } from '../../runtime/diagnostics/certificate.ts';
import {
  clockSyncReader,
  decodeTimex,
  readClockSync,
  STA_NANO,
  STA_UNSYNC,
  TIME_ERROR,
  TIMEX_BUFFER_BYTES,
} from '../../runtime/diagnostics/clock-sync.ts';
import { diskSpace, probeDiskWrite, PROBE_FILE_PREFIX } from '../../runtime/diagnostics/disk.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const TIME_OK = 0;
const STA_PLL = 0x0001;

/** A `struct timex` (LP64 little-endian) with the fields decodeTimex reads. */
function timex(fields: { offset?: bigint; maxerror?: bigint; esterror?: bigint; status?: number }, into: Buffer = Buffer.alloc(TIMEX_BUFFER_BYTES)): Buffer {
  into.writeBigInt64LE(fields.offset ?? 0n, 8);
  into.writeBigInt64LE(123_456n << 16n, 16); // freq: must not leak into any decoded field
  into.writeBigInt64LE(fields.maxerror ?? 0n, 24);
  into.writeBigInt64LE(fields.esterror ?? 0n, 32);
  into.writeInt32LE(fields.status ?? 0, 40);
  return into;
}

describe('decodeTimex', () => {
  it('decodes a synchronised clock with the offset in microseconds', () => {
    const report = decodeTimex(timex({ offset: 1_500n, esterror: 250n, maxerror: 100_000n, status: STA_PLL }), TIME_OK);
    assert.deepEqual(report, { synchronized: true, offsetMs: 1.5, estimatedErrorMs: 0.25, maxErrorMs: 100, source: 'adjtimex' });
  });

  it('decodes the offset in nanoseconds when STA_NANO is set (the error fields stay in microseconds)', () => {
    const report = decodeTimex(timex({ offset: -2_500_000n, esterror: 1_000n, maxerror: 2_000n, status: STA_PLL | STA_NANO }), TIME_OK);
    assert.deepEqual(report, { synchronized: true, offsetMs: -2.5, estimatedErrorMs: 1, maxErrorMs: 2, source: 'adjtimex' });
  });

  it('is unsynchronised when the status has STA_UNSYNC, even if the return value is TIME_OK', () => {
    const report = decodeTimex(timex({ offset: 10n, maxerror: 16_000_000n, status: STA_UNSYNC | STA_PLL }), TIME_OK);
    assert.equal(report.synchronized, false);
    assert.equal(report.maxErrorMs, 16_000);
    assert.equal(report.offsetMs, 0.01);
  });

  it('is unsynchronised when adjtimex returns TIME_ERROR, even with a clean status', () => {
    assert.equal(decodeTimex(timex({ status: STA_PLL }), TIME_ERROR).synchronized, false);
    assert.equal(decodeTimex(timex({ status: STA_PLL }), TIME_OK).synchronized, true);
  });

  it('reads a view that does not start at the beginning of its ArrayBuffer', () => {
    const backing = Buffer.alloc(TIMEX_BUFFER_BYTES + 16, 0xff);
    const view = timex({ offset: 3_000n, esterror: 4_000n, maxerror: 5_000n, status: 0 }, backing.subarray(16));
    assert.deepEqual(decodeTimex(view, TIME_OK), { synchronized: true, offsetMs: 3, estimatedErrorMs: 4, maxErrorMs: 5, source: 'adjtimex' });
  });

  it('refuses a buffer too short to hold the status field', () => {
    assert.throws(() => decodeTimex(Buffer.alloc(40), TIME_OK), RangeError);
  });
});

describe('clock sync reader', () => {
  it('hands adjtimex a zeroed buffer (modes = 0: read only) and decodes what it fills in', () => {
    let seen: Buffer | undefined;
    const read = clockSyncReader(() => (buffer) => {
      seen = Buffer.from(buffer);
      timex({ offset: 2_000n, esterror: 10n, maxerror: 20n, status: STA_PLL }, buffer);
      return TIME_OK;
    });
    const report = read();
    assert.ok(seen);
    assert.equal(seen.length, TIMEX_BUFFER_BYTES);
    assert.ok(seen.every((byte) => byte === 0), 'the struct passed to adjtimex must be all zero');
    assert.deepEqual(report, { synchronized: true, offsetMs: 2, estimatedErrorMs: 0.01, maxErrorMs: 0.02, source: 'adjtimex' });
  });

  it('reports a loading failure as unavailable instead of throwing', () => {
    const report = clockSyncReader(() => {
      throw new Error("Cannot find module 'koffi'");
    })();
    assert.equal(report.source, 'unavailable');
    assert.equal(report.synchronized, false);
    assert.ok(report.source === 'unavailable' && report.error.includes('koffi'));
    assert.ok(Number.isNaN(report.offsetMs) && Number.isNaN(report.maxErrorMs) && Number.isNaN(report.estimatedErrorMs));
  });

  it('reports a failed syscall (-1) as unavailable', () => {
    const report = clockSyncReader(() => () => -1)();
    assert.equal(report.source, 'unavailable');
    assert.ok(report.source === 'unavailable' && /-1/.test(report.error));
  });

  it('readClockSync on this machine returns a well-formed report without throwing', () => {
    const report = readClockSync();
    assert.equal(typeof report.synchronized, 'boolean');
    if (report.source === 'adjtimex') {
      for (const value of [report.offsetMs, report.estimatedErrorMs, report.maxErrorMs]) assert.ok(Number.isFinite(value), `${value} is finite`);
      assert.ok(report.maxErrorMs >= 0 && report.estimatedErrorMs >= 0);
    } else {
      assert.equal(report.source, 'unavailable');
      assert.equal(report.synchronized, false);
      assert.ok(report.error.length > 0);
    }
  });
});

describe('disk', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'booth-disk-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('diskSpace of a tmp dir is consistent', () => {
    const space = diskSpace(dir);
    assert.ok(Number.isSafeInteger(space.totalBytes) && space.totalBytes > 0);
    assert.ok(Number.isSafeInteger(space.freeBytes) && space.freeBytes >= 0 && space.freeBytes <= space.totalBytes);
    assert.ok(Math.abs(space.freePct - (space.freeBytes / space.totalBytes) * 100) < 1e-9);
    assert.throws(() => diskSpace(join(dir, 'missing')), { code: 'ENOENT' });
  });

  it('probeDiskWrite succeeds on a tmp dir, times with the injected clock and leaves no file', async () => {
    const ticks = [100, 110, 125];
    const result = await probeDiskWrite(dir, 64 * 1024, () => ticks.shift() ?? assert.fail('clock read more than three times'));
    assert.deepEqual(result, { ok: true, writeMs: 10, fsyncMs: 15 });
    assert.deepEqual(readdirSync(dir), []);
  });

  it('probeDiskWrite with the default size and clock gives non-negative timings', async () => {
    const result = await probeDiskWrite(dir);
    assert.equal(result.ok, true);
    assert.ok(result.ok && result.writeMs >= 0 && result.fsyncMs >= 0);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('probeDiskWrite reports a missing directory as a code instead of throwing', async () => {
    const result = await probeDiskWrite(join(dir, 'missing'), 16);
    assert.deepEqual({ ok: result.ok, code: !result.ok && result.code }, { ok: false, code: 'ENOENT' });
  });

  it('probeDiskWrite reports ENOSPC on a full disk and removes its file', async () => {
    const mountPoint = join(dir, 'tiny');
    mkdirSync(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (error) {
      assert.fail(`this test needs to mount a tmpfs (run as root with mount permitted): ${(error as Error).message}`);
    }
    try {
      assert.deepEqual(await probeDiskWrite(mountPoint, 16 * 1024).then((r) => r.ok), true, 'the empty tmpfs takes a small probe');
      assert.throws(() => writeFileSync(join(mountPoint, 'filler'), Buffer.alloc(1024 * 1024)), { code: 'ENOSPC' });
      assert.equal(diskSpace(mountPoint).freeBytes, 0);

      const result = await probeDiskWrite(mountPoint, 64 * 1024);

      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.code === 'ENOSPC', JSON.stringify(result));
      assert.deepEqual(readdirSync(mountPoint), ['filler']);
      assert.ok(!readdirSync(mountPoint).some((name) => name.startsWith(PROBE_FILE_PREFIX)));
    } finally {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    }
  });

  it('probeDiskWrite refuses a nonsense size as a programming error', async () => {
    await assert.rejects(probeDiskWrite(dir, 0), RangeError);
    await assert.rejects(probeDiskWrite(dir, 1.5), RangeError);
  });
});

describe('certificate expiry', () => {
  let dir: string;
  let certFile: string;
  let keyFile: string;
  let generatedAt: number;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'booth-cert-'));
    certFile = join(dir, 'cert.pem');
    keyFile = join(dir, 'key.pem');
    generatedAt = Date.now() - 1000; // notBefore is truncated to the second: stay at or before it
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ed25519', '-days', '30', '-nodes', '-subj', '/CN=booth-test', '-keyout', keyFile, '-out', certFile],
      { stdio: 'pipe' },
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a fresh 30-day certificate has 30 days left and names its subject and issuer', () => {
    const expiry = certificateExpiry(certFile, generatedAt);
    assert.equal(expiry.daysLeft, 30);
    assert.equal(expiry.expired, false);
    assert.match(expiry.subject, /CN=booth-test/);
    assert.match(expiry.issuer, /CN=booth-test/);
    assert.match(expiry.validTo, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const notAfter = Date.parse(expiry.validTo);
    assert.ok(notAfter >= generatedAt + 30 * DAY_MS && notAfter < generatedAt + 30 * DAY_MS + 60_000, expiry.validTo);
  });

  it('is expired exactly after notAfter, with negative days left', () => {
    const notAfter = Date.parse(certificateExpiry(certFile, generatedAt).validTo);
    assert.deepEqual(pick(certificateExpiry(certFile, notAfter)), { daysLeft: 0, expired: false });
    assert.deepEqual(pick(certificateExpiry(certFile, notAfter + 1)), { daysLeft: -1, expired: true });
    assert.deepEqual(pick(certificateExpiry(certFile, generatedAt + 365 * DAY_MS)), { daysLeft: -335, expired: true });
  });

  it('a missing file is a clear error naming it', () => {
    const missing = join(dir, 'absent.pem');
    assert.throws(() => certificateExpiry(missing, generatedAt), (error: Error) => error.message.includes(missing) && /does not exist/.test(error.message));
  });

  it('a PEM file that is not a certificate (a private key) is a clear error naming it', () => {
    assert.throws(() => certificateExpiry(keyFile, generatedAt), (error: Error) => error.message.includes(keyFile) && /not a PEM certificate/.test(error.message));
  });

  it('a corrupt certificate body is a clear error naming the file', () => {
    const corrupt = join(dir, 'corrupt.pem');
    writeFileSync(corrupt, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    assert.throws(() => certificateExpiry(corrupt, generatedAt), (error: Error) => error.message.includes(corrupt) && /not a valid PEM certificate/.test(error.message));
  });
});

function pick(expiry: { daysLeft: number; expired: boolean }): { daysLeft: number; expired: boolean } {
  return { daysLeft: expiry.daysLeft, expired: expiry.expired };
}
