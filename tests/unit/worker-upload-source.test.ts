/**
 * The upload worker threads: the chunks they hand over are exactly what splitIntoChunks makes of
 * the stored package, an attempt is counted, an erase really removes, errors keep their code,
 * and a thread that dies fails only what it was doing — the next request gets a new thread; the
 * threads never keep a process alive that is otherwise done.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { splitIntoChunks } from '../../protocols/capture/transfer-codec.ts';
import { Outbox } from '../../runtime/outbox/outbox.ts';
import { WorkerUploadSource } from '../../runtime/outbox/worker-upload-source.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { waitFor } from '../support/wait.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'upload-worker-'));
  const outbox = new Outbox(dir, new FakeClock(), { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 });
  outbox.open();
  const source = new WorkerUploadSource(outbox);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => outbox.close(), () => source.close());
  return { outbox, source };
}

describe('worker upload source', () => {
  it('hands over the chunks of the stored package, counts the attempt, and erases on request', async () => {
    const { outbox, source } = setUp();
    const sealed = randomBytes(300_000);
    outbox.accept('pkg-1', sealed);
    const chunks = await source.chunks('pkg-1', 65_536);
    assert.deepEqual(chunks.map((chunk) => Buffer.from(chunk)), splitIntoChunks('pkg-1', sealed, 65_536).map((chunk) => Buffer.from(chunk)));
    await waitFor(() => outbox.pending(10)[0]?.attempts === 1, 'the attempt to be counted'); // not waited for by chunks()
    assert.deepEqual(source.pending(10).map((item) => item.packageId), ['pkg-1']);
    assert.equal(await source.erase('pkg-1'), true);
    assert.equal(outbox.has('pkg-1'), false);
    assert.equal(await source.erase('pkg-1'), false, 'a repeated acknowledgement erases nothing');
  });

  it('reports a package that is not there with its outbox code', async () => {
    const { source } = setUp();
    await assert.rejects(source.chunks('missing', 65_536), (error: Error & { code?: string }) => error.code === 'ENOENT' && /no package missing/.test(error.message));
  });

  it('fails what a dying thread was doing and starts a new thread for the next request', async () => {
    const { outbox, source } = setUp();
    outbox.accept('pkg-2', randomBytes(10_000));
    await source.chunks('pkg-2', 65_536); // the reader thread is up
    const threads = source.threadsForTests();
    assert.equal(threads.length, 2, 'a reader and a writer');
    // The outcome is taken at once: the request may fail while the threads are being terminated.
    const pending = source.chunks('pkg-2', 65_536).then(
      (chunks) => ({ chunks }),
      (error: Error) => ({ error }),
    );
    await Promise.all(threads.map((thread) => thread.terminate()));
    const outcome = await pending;
    if ('chunks' in outcome) assert.ok(outcome.chunks.length > 0, 'finished before the threads died: also fine');
    else assert.match(outcome.error.message, /^upload (reader|writer) thread exited with code 1$/);
    await waitFor(() => source.threadsForTests().length === 0, 'the dead threads to be forgotten');
    const again = await source.chunks('pkg-2', 65_536);
    assert.equal(again.length, 1);
  });

  it('does not keep a process alive that never closes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upload-worker-exit-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'leave-open.ts');
    const root = new URL('../../', import.meta.url);
    writeFileSync(
      script,
      [
        `import { Outbox } from ${JSON.stringify(new URL('runtime/outbox/outbox.ts', root).href)};`,
        `import { WorkerUploadSource } from ${JSON.stringify(new URL('runtime/outbox/worker-upload-source.ts', root).href)};`,
        `const outbox = new Outbox(${JSON.stringify(join(dir, 'outbox'))}, { now: () => Date.now() }, { maxBytes: 1 << 24, maxAgeMs: 3_600_000 });`,
        'outbox.open();',
        "outbox.accept('pkg-1', new Uint8Array(5000));",
        'const source = new WorkerUploadSource(outbox);',
        "source.pending(10);",
        "const chunks = await source.chunks('pkg-1', 65_536);",
        "console.log(`read ${chunks.length}`);",
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const code = await new Promise<number | null | 'still running'>((resolve) => {
      const limit = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running');
      }, 20_000);
      child.once('exit', (exitCode) => {
        clearTimeout(limit);
        resolve(exitCode);
      });
    });
    assert.equal(code, 0, `the process must end by itself once its work is done: ${output}`);
    assert.match(output, /^read 1$/m);
  });
});
