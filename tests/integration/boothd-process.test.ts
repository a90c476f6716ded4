/**
 * The real boothd process and the door: released at start-up even after a SIGKILL left it
 * locked, on SIGTERM and SIGINT, and on an uncaught exception; a bad manifest stops boothd
 * before it touches any hardware.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { dirname, join } from 'node:path';
import { generateBoothKeyPair, generateCentralKeyPair, writeKeyPair } from '../../protocols/capture/keys.ts';
import { ALL_SIM_DEVICES_YAML } from '../support/booth-fixture.ts';
import { BoothdSandbox, ROOT } from '../support/boothd-process.ts';
import { freePort } from '../support/mosquitto.ts';

let sandbox: BoothdSandbox | undefined;
afterEach(async () => {
  await sandbox?.cleanup();
  sandbox = undefined;
});

async function lockedDaemon() {
  sandbox = new BoothdSandbox();
  const run = await sandbox.startRunning();
  const answer = await run.control('door.lock', { reason: 'test session' });
  assert.equal(answer.ok, true, answer.error);
  assert.equal(sandbox.physicalBolt(), 'locked');
  return { box: sandbox, run };
}

describe('boothd process and the door', () => {
  it('after SIGKILL while locked, the next start releases the door before anything else', async () => {
    const { box, run } = await lockedDaemon();
    run.child.kill('SIGKILL');
    assert.equal((await run.exited).signal, 'SIGKILL');
    assert.equal(box.physicalBolt(), 'locked', 'a killed daemon cannot have released the lock');

    const next = box.start();
    await next.waitForLine((line) => line.event === 'door.released' && line.reason === 'startup', 'start-up release');
    assert.equal(box.physicalBolt(), 'unlocked');
    const firstDeviceOpened = next.lines.findIndex((line) => / ready \(/.test(line.msg ?? '') && line.device !== 'door');
    const released = next.lines.findIndex((line) => line.event === 'door.released');
    assert.ok(firstDeviceOpened === -1 || released < firstDeviceOpened, 'a device opened before the door was released');
    next.child.kill('SIGTERM');
    assert.equal((await next.exited).code, 0);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} releases the door and exits 0`, async () => {
      const { box, run } = await lockedDaemon();
      run.child.kill(signal);
      assert.deepEqual(await run.exited, { code: 0, signal: null });
      assert.equal(box.physicalBolt(), 'unlocked');
      const events = box.audit().map((entry) => `${entry.event}:${entry.reason ?? ''}`);
      assert.ok(events.includes(`door.released:shutdown: ${signal}`), events.join('\n'));
      assert.equal(box.audit().at(-1)?.event, 'boothd.stopped');
    });
  }

  it('an uncaught exception releases the door and exits 70 for systemd to restart', async () => {
    const { box, run } = await lockedDaemon();
    await run.control('sim.crash');
    assert.deepEqual(await run.exited, { code: 70, signal: null });
    assert.equal(box.physicalBolt(), 'unlocked');
    const release = box.audit().find((entry) => entry.event === 'door.released' && entry.reason === 'crash: uncaught exception');
    assert.ok(release, 'no crash release in the audit log');
    assert.ok(run.lines.some((line) => line.level === 60 && /uncaught exception/.test(line.msg)), 'no fatal log line');
  });

  it('a bad manifest exits 2 naming the file and key, without touching the lock', async () => {
    sandbox = new BoothdSandbox();
    mkdirSync(dirname(sandbox.lockFile), { recursive: true });
    writeFileSync(sandbox.lockFile, JSON.stringify({ bolt: 'locked', contact: 'closed' }));
    const before = statSync(sandbox.lockFile).mtimeMs;
    writeFileSync(sandbox.configFile, `booth: { id: x }\nstateDir: ${sandbox.stateDir}\ndevices:\n  - { id: door, compatible: "acme,door" }\n`);
    const run = sandbox.start();
    assert.equal((await run.exited).code, 2);
    assert.match(run.stderr(), new RegExp(`${sandbox.configFile}: invalid booth configuration`));
    assert.match(run.stderr(), /devices\[0\]\.compatible: unknown compatible "acme,door"/);
    assert.equal(statSync(sandbox.lockFile).mtimeMs, before);
    assert.equal(sandbox.physicalBolt(), 'locked');
  });

  it('--check-config validates and exits 0 without starting', async () => {
    sandbox = new BoothdSandbox();
    const run = sandbox.start(['--check-config', sandbox.configFile]);
    assert.equal((await run.exited).code, 0);
    assert.equal(run.lines[0]?.msg, `${sandbox.configFile}: valid (booth proc-01, 3 devices)`);
  });

  it('rejects unknown commands on the control socket with the list of known ones', async () => {
    sandbox = new BoothdSandbox();
    const run = await sandbox.startRunning();
    const answer = await run.control('door.explode');
    assert.equal(answer.ok, false);
    assert.match(answer.error ?? '', /^unknown command "door\.explode"; known: .*door\.lock/);
    run.child.kill('SIGTERM');
    await run.exited;
  });
});

describe('door release without boothd (systemd ExecStopPost)', () => {
  it('boothctl door unlock --direct releases a door a killed boothd left locked', async () => {
    const { box, run } = await lockedDaemon();
    run.child.kill('SIGKILL');
    await run.exited;
    assert.equal(box.physicalBolt(), 'locked');
    const output = execFileSync(join(ROOT, 'bin', 'boothctl'), ['door', 'unlock', '--direct', '--config', box.configFile, 'ExecStopPost'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(output, 'door: released (bolt unlocked)\n');
    assert.equal(box.physicalBolt(), 'unlocked');
    const entry = box.audit().at(-1);
    assert.equal(entry?.event, 'door.released');
    assert.equal(entry?.reason, 'ExecStopPost');
    assert.equal(entry?.by, 'direct');
  });
});

describe('a running boothd driven through its control socket', () => {
  it('reports status, and releases the door when the simulated exit button is pressed', async () => {
    const { box, run } = await lockedDaemon();
    const status = await run.control('status');
    assert.equal(status.ok, true);
    const result = status.result as { boothId: string; door: { state: string }; devices: Array<{ id: string; ok: boolean; info?: { serial: string } }> };
    assert.equal(result.boothId, 'proc-01');
    assert.equal(result.door.state, 'locked');
    assert.deepEqual(result.devices.map((device) => [device.id, device.ok]), [['door', true], ['lights', true], ['sensors', true]]);
    assert.ok(result.devices.every((device) => device.info?.serial), 'device without serial in status');

    assert.equal((await run.control('sim.exit-button')).ok, true);
    await run.waitForLine((line) => line.event === 'door.released' && line.reason === 'exit button', 'exit-button release');
    assert.equal(box.physicalBolt(), 'unlocked');
    const unknownDevice = await run.control('sim.unplug', { device: 'toaster' });
    assert.match(unknownDevice.error ?? '', /args\.device must name a simulated device \(door, lights, sensors\); got "toaster"/);
    run.child.kill('SIGTERM');
    await run.exited;
  });
});

describe('boothd --demo (what make run plays)', () => {
  it('stores a capture package at its own central side, and exits 0 on SIGINT', { timeout: 90_000 }, async () => {
    const port = await freePort();
    sandbox = new BoothdSandbox(
      (stateDir) => `
booth: { id: demo-01, group: demo }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: ${port} }, primaryHost: central-sim }
captures: { boothKeyFile: keys/booth.key, centralPublicKeyFile: keys/central.pub }
devices:${ALL_SIM_DEVICES_YAML}`,
    );
    writeKeyPair(join(sandbox.dir, 'keys'), 'booth', generateBoothKeyPair());
    writeKeyPair(join(sandbox.dir, 'keys'), 'central', generateCentralKeyPair());
    const run = sandbox.start(['--config', sandbox.configFile, '--demo']);
    await run.waitForLine((line) => /^capture package \S+ stored/.test(line.msg ?? ''), 'a package stored by the demo central', 60_000);
    const beforeStop = run.lines.length;
    run.child.kill('SIGINT');
    const exited = await Promise.race([run.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000))]);
    if (exited === 'hung') assert.fail('boothd --demo did not exit within 15 s of SIGINT');
    assert.equal(exited.code, 0);
    assert.equal(sandbox.physicalBolt(), 'unlocked');
    // Ctrl-C of make run is routine: nothing on the way out may look like a fault to chase.
    assert.deepEqual(run.lines.slice(beforeStop).filter((line) => line.level >= 40).map((line) => line.msg), []);
  });
});

describe('boothd --demo with a session in the manifest (what make run plays)', () => {
  it('sends simulated people through real sessions; their packages reach the demo central; SIGINT exits 0', { timeout: 90_000 }, async () => {
    const port = await freePort();
    sandbox = new BoothdSandbox(
      (stateDir) => `
booth: { id: demo-02, group: demo }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: ${port} }, primaryHost: central-sim }
captures: { boothKeyFile: keys/booth.key, centralPublicKeyFile: keys/central.pub }
session: { timeouts: { goodbyeSeconds: 2 } }
kiosk: { port: 0 }
devices:${ALL_SIM_DEVICES_YAML}`,
    );
    writeKeyPair(join(sandbox.dir, 'keys'), 'booth', generateBoothKeyPair());
    writeKeyPair(join(sandbox.dir, 'keys'), 'central', generateCentralKeyPair());
    const run = sandbox.start(['--config', sandbox.configFile, '--demo']);
    const kiosk = await run.waitForLine((line) => /^kiosk screen at http:\/\/127\.0\.0\.1:\d+\//.test(line.msg ?? ''), 'the kiosk URL', 30_000);
    const page = await fetch(String(kiosk.msg).match(/http:\/\/127\.0\.0\.1:\d+\//)![0]);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/);
    await run.waitForLine((line) => /^right-four attempt 1 of 3: accepted, quality \[2:\d+\/30 3:\d+\/20 4:\d+\/10 5:\d+\/10\]$/.test(line.msg ?? ''), 'a slap verdict', 60_000);
    await run.waitForLine((line) => /^session \S+ completed$/.test(line.msg ?? ''), 'a completed session', 60_000);
    await run.waitForLine((line) => /^capture package \S+ stored/.test(line.msg ?? ''), 'its package stored by the demo central', 60_000);
    const beforeStop = run.lines.length;
    run.child.kill('SIGINT');
    const exited = await Promise.race([run.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000))]);
    if (exited === 'hung') assert.fail('boothd --demo did not exit within 15 s of SIGINT');
    assert.equal(exited.code, 0);
    assert.equal(sandbox.physicalBolt(), 'unlocked');
    // Ctrl-C of make run is routine: nothing on the way out may look like a fault to chase.
    assert.deepEqual(run.lines.slice(beforeStop).filter((line) => line.level >= 40).map((line) => line.msg), []);
  });
});
