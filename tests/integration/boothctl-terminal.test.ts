/**
 * boothctl as a technician sees it: run inside a real terminal (a tmux pane, 160×50) and check
 * the rendered screen — colours on, the doctor's progress lines replaced in place by results —
 * and bash completion through the installed script, driven the way bash drives it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ALL_SIM_DEVICES_YAML } from '../support/booth-fixture.ts';
import { BoothdSandbox, ROOT, type BoothdRun } from '../support/boothd-process.ts';
import { BOOTHCTL } from '../support/boothctl-process.ts';
import { waitFor } from '../support/wait.ts';

const run = promisify(execFile);
const TMUX_SOCKET = `boothctl-test-${process.pid}`;
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NO_COLOR' && name !== 'TMUX'));

let sandbox: BoothdSandbox;
let daemon: BoothdRun;

before(async () => {
  sandbox = new BoothdSandbox(
    (stateDir) => `
booth: { id: tty-01, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 } }
devices:${ALL_SIM_DEVICES_YAML}`,
  );
  daemon = await sandbox.startRunning();
});

after(async () => {
  await run('tmux', ['-L', TMUX_SOCKET, 'kill-server']).catch(() => undefined);
  await sandbox.cleanup();
});

const tmux = (...args: string[]) => run('tmux', ['-L', TMUX_SOCKET, '-f', '/dev/null', ...args], { env: ENV, timeout: 10_000 });

/** Runs `command` in a fresh 160×50 tmux window and returns its screen once it has finished. */
async function onScreen(name: string, command: string): Promise<{ text: string; withColours: string; exitCode: number }> {
  await tmux('new-session', '-d', '-x', '160', '-y', '50', '-s', name, `${command}; echo "__EXIT__ $?"; sleep 600`);
  let text = '';
  await waitFor(
    async () => {
      text = (await tmux('capture-pane', '-p', '-t', name)).stdout;
      return text.includes('__EXIT__');
    },
    `"${command}" to finish in tmux`,
    60_000,
    100,
  );
  const withColours = (await tmux('capture-pane', '-p', '-e', '-t', name)).stdout;
  await tmux('kill-session', '-t', name);
  return { text, withColours, exitCode: Number(/__EXIT__ (\d+)/.exec(text)?.[1]) };
}

describe('boothctl in a real terminal', () => {
  it('status renders an aligned, coloured table on a terminal', async () => {
    const screen = await onScreen('status', `${BOOTHCTL} status --config ${sandbox.configFile}`);
    assert.equal(screen.exitCode, 0, screen.text);
    assert.match(screen.text, /^booth tty-01 \(group tests\)$/m);
    const header = screen.text.split('\n').find((line) => line.includes('DEVICE'));
    assert.ok(header, screen.text);
    const stateColumn = header.indexOf('STATE');
    for (const id of ['door', 'scanner', 'passport']) {
      const row = screen.text.split('\n').find((line) => line.startsWith(`  ${id} `));
      assert.ok(row, `a row for ${id}`);
      assert.equal(row.slice(stateColumn, stateColumn + 5), 'ready', `the STATE column lines up for ${id}`);
    }
    assert.match(screen.withColours, /\u001b\[32mrunning/, 'green "running" on a terminal');
    assert.ok(!screen.text.includes('\u001b'), 'the rendered text itself has no stray escape codes');
  });

  it('doctor replaces each progress line by its result and ends with a verdict table naming the fault', async () => {
    const jammed = await daemon.control('sim.jam-bolt', { jammed: true });
    assert.equal(jammed.ok, true, jammed.error);
    try {
      const screen = await onScreen('doctor', `${BOOTHCTL} doctor --no-captures --config ${sandbox.configFile}`);
      assert.equal(screen.exitCode, 1, screen.text);
      assert.ok(!screen.text.includes('…'), `no progress line is left on screen:\n${screen.text}`);
      assert.match(screen.text, /^PASS device scanner: opens and answers/m);
      assert.match(screen.text, /^FAIL door door: lock: .*bolt sensor did not confirm/m);
      assert.match(screen.text, /^door door\s+FAIL\s+the bolt did not follow the lock/m);
      assert.match(screen.text, /^verdict: 1 FAILED, \d+ warnings, \d+ checks$/m);
      assert.match(screen.withColours, /\u001b\[31mFAIL/, 'FAIL in red');
    } finally {
      await daemon.control('sim.jam-bolt', { jammed: false });
    }
  });
});

describe('bash completion', () => {
  /** What bash offers after `line` (the last word is being completed), through the real script. */
  async function complete(words: string[]): Promise<string[]> {
    const script = [
      `source <(boothctl completion bash)`,
      `COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')})`,
      `COMP_CWORD=${words.length - 1}`,
      `_boothctl`,
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
    ].join('\n');
    const { stdout } = await run('bash', ['-c', script], {
      env: { ...ENV, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}`, BOOTH_CONFIG: sandbox.configFile },
      cwd: sandbox.dir,
      timeout: 20_000,
    });
    return stdout.split('\n').filter((line) => line !== '');
  }

  it('completes commands, device ids from the running booth, their actions, subcommands, options and files', async () => {
    assert.deepEqual(await complete(['boothctl', 'do']), ['doctor', 'door']);
    assert.deepEqual(await complete(['boothctl', 'device', 'sc']), ['scanner']);
    assert.deepEqual(await complete(['boothctl', 'device', 'lights', '']), ['levels', 'light', 'scene', 'info', 'reset']);
    assert.deepEqual(await complete(['boothctl', 'outbox', 'e']), ['export']);
    assert.deepEqual(await complete(['boothctl', 'tail', '--device', 'pa']), ['pad', 'passport']);
    assert.ok((await complete(['boothctl', 'status', '--'])).includes('--no-probe'));
    assert.deepEqual(await complete(['boothctl', 'bundle', '--out', 'boo']), ['booth.yaml'], 'file names after --out');
  });
});
