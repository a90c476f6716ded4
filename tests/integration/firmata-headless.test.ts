/**
 * johnny-five runs headless under the Firmata drivers: in a child process that opens a door lock
 * and sensors on the board twin, it adds no SIGINT/SIGTERM/exit handler (boothd owns signals), a
 * SIGINT neither ends the process nor releases anything, no REPL reads stdin or prints a prompt,
 * one johnny-five Board exists while open and none after close (no global board left behind),
 * and the process then ends by itself while its stdin stays open — nothing holds the loop.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, it } from 'node:test';
import { firmataBooth, type FirmataBooth } from '../support/firmata-rig.ts';

const CHILD = join(import.meta.dirname, '..', 'support', 'firmata-headless-child.ts');

let booth: FirmataBooth | undefined;
afterEach(async () => {
  await booth?.close();
  booth = undefined;
});

it('johnny-five takes no signal, no stdin and no global board, and lets the process end by itself', async () => {
  booth = await firmataBooth();
  const child = spawn(process.execPath, [CHILD, booth.pair.driverPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    raw.push(text);
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      // kept in `raw`: anything not JSON (a REPL prompt, johnny-five's console output) fails below
    }
    for (const waiter of waiters) waiter();
  });
  const stage = (name: string, limitMs = 10_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.find((line) => line.stage === name);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no "${name}" from the child within ${limitMs} ms; stdout: ${raw.join('\n')}; stderr: ${stderr}`));
      }, limitMs);
      waiters.add(check);
      check();
    });

  const locked = await stage('locked');
  assert.equal(locked.bolt, 'locked');
  const before = locked.before as Record<string, number>;
  assert.deepEqual(locked.after, { ...before, sigint: before.sigint! + 1 }, 'only the child’s own SIGINT handler was added');
  assert.equal(locked.fiveBoards, 1, 'one johnny-five Board for the one physical board, shared by both devices');
  assert.equal(booth.rig.relayEnergised, true);

  child.kill('SIGINT');
  const after = await stage('after-sigint');
  // Read back from the board after the SIGINT: the bolt sensor still engaged, so the relay too.
  assert.equal(after.bolt, 'locked', 'SIGINT neither ended the child nor touched the lock');

  const closed = await stage('closed');
  assert.equal(closed.fiveBoards, 0, 'no johnny-five Board left in its module-wide list after close');
  assert.equal(closed.boards, 0);
  assert.deepEqual(closed.listeners, before);
  assert.equal(booth.rig.relayEnergised, false, 'closing released the lock');

  // stdin stays open (never written, never ended): only a process that does not read it can end.
  let limit: ReturnType<typeof setTimeout> | undefined;
  const ended = await Promise.race([exited, new Promise<'hung'>((resolve) => (limit = setTimeout(() => resolve('hung'), 10_000)))]);
  clearTimeout(limit);
  if (ended === 'hung') {
    child.kill('SIGKILL');
    assert.fail('the child did not end by itself within 10 s after closing: something holds its event loop (stdin, a timer)');
  }
  assert.deepEqual(ended, { code: 0, signal: null }, stderr);
  assert.equal(raw.length, lines.length, `non-JSON output (a REPL prompt or console logging): ${raw.join('\n')}`);
  assert.equal(stderr, '');
  child.stdin.end();
});
