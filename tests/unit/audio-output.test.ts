/**
 * The audio outputs: NullAudioOutput records and can be cut; CommandAudioOutput runs the configured
 * player (here tiny shell scripts standing in for aplay), passes the file last, reports a failing or
 * missing player clearly, and kills the player — and whatever it started — when the sound is stopped.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AudioOutputError } from '../../runtime/audio/audio-output.ts';
import { CommandAudioOutput } from '../../runtime/audio/command-audio-output.ts';
import { NullAudioOutput } from '../../runtime/audio/null-audio-output.ts';

const dir = mkdtempSync(join(tmpdir(), 'audio-output-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Alive and not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Pids written by a player script: its own and the `sleep` it started. */
function pidsIn(file: string): number[] {
  return readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
}

describe('NullAudioOutput', () => {
  it('records what it was asked to play and resolves', async () => {
    const output = new NullAudioOutput();
    await output.play('/voice/ru/a.wav');
    await output.play('/voice/ru/b.wav');
    assert.deepEqual(output.played, ['/voice/ru/a.wav', '/voice/ru/b.wav']);
  });

  it('keeps only the latest files, so a speakerless booth does not grow for months', async () => {
    const output = new NullAudioOutput({ remember: 3 });
    for (let i = 1; i <= 5; i += 1) await output.play(`/voice/${i}.wav`);
    assert.deepEqual(output.played, ['/voice/3.wav', '/voice/4.wav', '/voice/5.wav']);
  });

  it('rejects with the abort reason when cut, and refuses an already aborted signal', async () => {
    const output = new NullAudioOutput({ durationMs: 10_000 });
    const controller = new AbortController();
    const playing = output.play('/voice/a.wav', { signal: controller.signal });
    controller.abort();
    await assert.rejects(playing, { name: 'AbortError' });
    assert.deepEqual(output.interrupted, ['/voice/a.wav']);
    await assert.rejects(output.play('/voice/b.wav', { signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.deepEqual(output.played, ['/voice/a.wav']);
  });
});

describe('CommandAudioOutput', () => {
  it('runs the command with the file appended and resolves when the player exits 0', async () => {
    const log = join(dir, 'args.log');
    const player = script('player-ok.sh', `printf '%s\\n' "$@" > '${log}'`);
    await new CommandAudioOutput({ command: [player, '-q', '--device', 'speaker'] }).play('/voice/ru/idle.welcome.wav');
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['-q', '--device', 'speaker', '/voice/ru/idle.welcome.wav']);
  });

  it('rejects with EIO, the exit status and the last line of stderr when the player fails', async () => {
    const player = script('player-fails.sh', `echo "opening device" >&2\necho "aplay: main:831: audio open error: No such device" >&2\nexit 1`);
    await assert.rejects(new CommandAudioOutput({ command: [player] }).play('/voice/a.wav'), (error: unknown) => {
      assert.ok(error instanceof AudioOutputError);
      assert.equal(error.code, 'EIO');
      assert.match(error.message, /player-fails\.sh" exited with status 1: aplay: main:831: audio open error: No such device$/);
      return true;
    });
  });

  it('rejects with ENOENT and says how to fix it when the player program is missing', async () => {
    await assert.rejects(new CommandAudioOutput({ command: ['no-such-player-7f3a', '-q'] }).play('/voice/a.wav'), (error: unknown) => {
      assert.ok(error instanceof AudioOutputError);
      assert.equal(error.code, 'ENOENT');
      assert.equal(error.message, 'audio player "no-such-player-7f3a" not found: install it or set audio.command in the booth manifest');
      return true;
    });
  });

  it('kills the player and what it started when aborted, then rejects with the abort reason', async () => {
    const pids = join(dir, 'pids-term');
    // A wrapper script whose child does the playing: both must go.
    const player = script('player-slow.sh', `sleep 30 &\necho $$ $! > '${pids}'\nwait`);
    const controller = new AbortController();
    const playing = new CommandAudioOutput({ command: [player] }).play('/voice/a.wav', { signal: controller.signal });
    await waitFor(() => existsSync(pids) && pidsIn(pids).length === 2, 'the player to start');
    const started = Date.now();
    controller.abort();
    await assert.rejects(playing, { name: 'AbortError' });
    assert.ok(Date.now() - started < 1000, 'SIGTERM should have been enough');
    for (const pid of pidsIn(pids)) await waitFor(() => !isAlive(pid), `process ${pid} to be gone`);
  });

  it('kills a player that ignores SIGTERM with SIGKILL after the grace time', async () => {
    const pids = join(dir, 'pids-kill');
    const player = script('player-stubborn.sh', `trap '' TERM\nsleep 30 &\necho $$ $! > '${pids}'\nwait`);
    const controller = new AbortController();
    const playing = new CommandAudioOutput({ command: [player], killGraceMs: 200 }).play('/voice/a.wav', { signal: controller.signal });
    await waitFor(() => existsSync(pids) && pidsIn(pids).length === 2, 'the player to start');
    const started = Date.now();
    controller.abort(new Error('next prompt'));
    await assert.rejects(playing, /next prompt/);
    assert.ok(Date.now() - started >= 150, 'rejected before the player was gone');
    for (const pid of pidsIn(pids)) await waitFor(() => !isAlive(pid), `process ${pid} to be gone`);
  });

  it('does not start the player for an already aborted signal', async () => {
    const marker = join(dir, 'started');
    const player = script('player-marks.sh', `touch '${marker}'`);
    await assert.rejects(new CommandAudioOutput({ command: [player] }).play('/voice/a.wav', { signal: AbortSignal.abort() }), { name: 'AbortError' });
    await sleep(100);
    assert.equal(existsSync(marker), false);
  });

  it('refuses an empty command', () => {
    assert.throws(() => new CommandAudioOutput({ command: [] }), /audio player command is empty/);
  });
});
