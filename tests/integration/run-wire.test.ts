/**
 * `make run-wire` (simulator/wire/run-wire.ts) for a bounded time: the real boothd comes up on
 * the real drivers of config/booth.example.yaml with every device ready against the twins; the
 * person the script plays presses the exit button and boothd releases the door for it (log and
 * audit); a visit runs end to end (the pad signs when prompted, the package reaches the central
 * side); and a Ctrl-C (SIGINT to the script's process group, as a terminal sends it) stops boothd,
 * the twins and the PTY pairs, and exits 0 with no socat or boothd left and the PTY links gone.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { runGenerateKeys } from '../../scripts/generate-keys.ts';
import { simBioSdkLibraryPath } from '../../simulator/sdk/controls.ts';
import { ROOT } from '../support/boothd-process.ts';
import { boothctl } from '../support/boothctl-process.ts';
import { waitFor } from '../support/wait.ts';

type Line = Record<string, unknown> & { msg?: string; component?: string };

const dir = mkdtempSync(join(tmpdir(), 'run-wire-'));
const keys = join(dir, 'keys');
const stateDir = join(dir, 'state');
let child: ChildProcess | undefined;

/** Processes whose command line names this test's folder: boothd (its manifest), socat (its PTYs). */
function leftovers(): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(dir)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

after(() => {
  if (child && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Only what this test started: everything naming its own temporary folder.
  for (const { pid } of leftovers()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function pipeLines(stream: NodeJS.ReadableStream, into: Line[], watchers: Set<() => void>): void {
  createInterface({ input: stream }).on('line', (text) => {
    try {
      into.push(JSON.parse(text) as Line);
    } catch {
      into.push({ msg: text, raw: true });
    }
    for (const watcher of watchers) watcher();
  });
}

describe('make run-wire', () => {
  it('runs boothd on the real drivers against the twins, shows a twin action in the log and audit, and stops cleanly on Ctrl-C', async () => {
    const started = Date.now();
    simBioSdkLibraryPath(); // make test builds it; says so when it is missing
    const quiet = { stdout: () => undefined, stderr: (line: string) => assert.fail(line) };
    assert.equal(runGenerateKeys(['--out', keys, '--booth', 'booth', '--central', 'central', '--commands', 'commands'], quiet), 0);

    const lines: Line[] = [];
    const watchers = new Set<() => void>();
    let stderr = '';
    child = spawn(process.execPath, [join(ROOT, 'simulator', 'wire', 'run-wire.ts'), '--dir', dir, '--keys', keys, '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, BOOTH_LOG_FORMAT: 'json', BOOTH_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, like a shell job: the Ctrl-C below goes to the group
    });
    const running = child;
    pipeLines(running.stdout!, lines, watchers);
    running.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => running.once('exit', (code, signal) => resolve({ code, signal })));
    const waitForLine = (predicate: (line: Line) => boolean, what: string, limitMs = 20_000) =>
      new Promise<Line>((resolve, reject) => {
        const check = () => {
          const found = lines.find(predicate);
          if (found) finish(() => resolve(found));
          else if (running.exitCode !== null || running.signalCode !== null) finish(() => reject(new Error(`run-wire exited before ${what}; stderr: ${stderr}; last lines: ${tail()}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${limitMs} ms waiting for ${what}; stderr: ${stderr}; last lines: ${tail()}`))), limitMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          watchers.delete(check);
          settle();
        };
        watchers.add(check);
        check();
      });
    const tail = () => lines.slice(-15).map((line) => `${line.component ?? ''} ${line.msg}`).join(' | ');

    // Every device of the example booth comes up, on the driver the example names.
    const example = parseDocument(readFileSync(join(ROOT, 'config', 'booth.example.yaml'), 'utf8')).toJS() as { devices: Array<{ id: string; compatible: string }> };
    await waitForLine((line) => line.msg === `all ${example.devices.length} devices ready`, 'all devices ready');
    await waitForLine((line) => typeof line.msg === 'string' && line.msg.startsWith('boothd running'), 'boothd running');
    const status = await boothctl(['status', '--json', '--no-probe'], { env: { BOOTH_STATE_DIR: stateDir } });
    assert.equal(status.code, 0, status.stderr);
    const devices = (JSON.parse(status.stdout) as { devices: Array<{ id: string; state: string; ok: boolean }> }).devices;
    assert.deepEqual(
      devices.map((device) => [device.id, device.state, device.ok]),
      example.devices.map((device) => [device.id, 'ready', true]),
    );
    const ready = lines.filter((line) => line.event === 'device.ready');
    for (const device of example.devices) {
      const opened = ready.find((line) => line.device === device.id);
      assert.equal(opened?.compatible, device.compatible, `${device.id} opened on ${String(opened?.compatible)}`);
    }
    assert.deepEqual(
      example.devices.filter((device) => device.compatible.startsWith('sim,')).map((device) => device.id),
      ['passport'],
      'only the document reader is simulated inside boothd',
    );

    // The derived manifest: serial paths are the PTY driver ends, the SDK the simulated one.
    const derived = parseDocument(readFileSync(join(dir, 'booth.yaml'), 'utf8')).toJS() as {
      stateDir: string;
      devices: Array<{ id: string; bus?: { type: string; path?: string; library?: string } }>;
    };
    assert.equal(derived.stateDir, stateDir);
    for (const device of derived.devices) {
      if (device.bus?.type === 'serial') assert.match(device.bus.path ?? '', new RegExp(`^${dir}/pty/booth-[a-z]+/driver-end$`), device.id);
      if (device.bus?.type === 'sdk') assert.equal(device.bus.library, simBioSdkLibraryPath());
    }

    // The person presses the exit button on the Firmata twin: boothd sees it and releases the door.
    await waitForLine((line) => line.component === 'twin:booth-io' && line.action === 'exit-button', 'the twin pressing the exit button');
    await waitForLine((line) => line.msg === 'sensors exitButtonPressed = true', 'the press in boothd\'s log');
    await waitForLine((line) => line.event === 'door.released' && line.reason === 'exit button' && line.was === 'locked', 'the exit-button release in the audit log line');
    const audit = () =>
      readFileSync(join(stateDir, 'audit.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((text) => JSON.parse(text) as Line);
    // The log line is written when the record is made; the file append follows it.
    await waitFor(() => audit().some((entry) => entry.event === 'door.released' && entry.reason === 'exit button'), 'the exit-button release in the audit file');

    // The visit goes on through the real drivers: the pad twin signs, the package reaches central.
    await waitForLine((line) => line.component === 'twin:booth-pad' && line.action === 'sign', 'the pad prompting the person');
    await waitForLine((line) => typeof line.msg === 'string' && /^capture package \S+ stored: 5 captures$/.test(line.msg), 'the capture package at the central side');

    // Ctrl-C: the terminal signals the whole foreground process group.
    process.kill(-running.pid!, 'SIGINT');
    let limit: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([exited, new Promise<never>((_, reject) => (limit = setTimeout(() => reject(new Error(`run-wire did not stop within 25 s: ${tail()}`)), 25_000)))]);
    clearTimeout(limit);
    assert.deepEqual(result, { code: 0, signal: null }, stderr);
    assert.ok(lines.some((line) => line.msg === 'boothd stopped; door released'), 'boothd stopped cleanly');
    assert.ok(lines.some((line) => line.event === 'door.released' && line.reason === 'shutdown: SIGTERM'), 'boothd released the door on its way out');
    assert.equal(lines.at(-1)?.msg, 'stopped: boothd, the twins and the PTY pairs are gone');
    assert.deepEqual(leftovers(), [], 'no boothd or socat left');
    assert.equal(existsSync(join(dir, 'pty')), false, 'the PTY links are gone');
    assert.equal(existsSync(join(dir, 'run-wire.pid')), false);
    assert.ok(Date.now() - started < 45_000, `took ${Date.now() - started} ms`);
  });
});
