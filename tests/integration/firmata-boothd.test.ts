/**
 * The real boothd (bin/boothd, a child process) on the Firmata drivers: door lock, sensors and
 * lighting all on one I/O board, played by the Firmata twin on a socat PTY pair in this process.
 * Pressing the exit button on the twin releases a locked door (the twin sees the relay output go
 * off); unplugging the board gives DDEATH for all three devices and replugging DBIRTH, with the
 * door released again as soon as the lock is back — without restarting boothd.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { BoothdSandbox } from '../support/boothd-process.ts';
import { boothctl } from '../support/boothctl-process.ts';
import { firmataBooth, firmataManifest, PIN, type FirmataBooth } from '../support/firmata-rig.ts';
import { freePort } from '../support/mosquitto.ts';
import { SparkplugObserver } from '../support/sparkplug-observer.ts';
import { waitFor } from '../support/wait.ts';

let sandbox: BoothdSandbox | undefined;
let booth: FirmataBooth | undefined;
let observer: SparkplugObserver | undefined;
afterEach(async () => {
  await observer?.close();
  await sandbox?.cleanup();
  await booth?.close();
  observer = undefined;
  sandbox = undefined;
  booth = undefined;
});

async function runningBooth() {
  booth = await firmataBooth();
  const brokerPort = await freePort();
  const path = booth.pair.driverPath;
  sandbox = new BoothdSandbox((stateDir) => firmataManifest(stateDir, path, brokerPort));
  const run = await sandbox.startRunning();
  await run.waitForLine((line) => line.msg === 'all 3 devices ready', 'all 3 devices ready');
  return { booth, box: sandbox, run, brokerPort };
}

describe('boothd on the Firmata drivers', () => {
  it('releases a locked door when the exit button on the board is pressed', async () => {
    const { booth, box, run } = await runningBooth();
    const locked = await run.control('door.lock', { reason: 'test session' });
    assert.equal(locked.ok, true, locked.error);
    assert.equal(booth.rig.relayEnergised, true, 'the relay output is not energised after door.lock');
    assert.equal(booth.rig.physicalBolt, 'locked');

    const from = booth.twin.records.length;
    booth.rig.pressExitButton();
    const pressed = await booth.twin.waitForRecord((r) => r.kind === 'input' && r.pin === PIN.exitButton, 'the press on the wire', 2000, from);
    const released = await booth.twin.waitForRecord((r) => r.kind === 'digital' && r.pin === PIN.relay && r.value === 0, 'the relay released', 5000, from);
    assert.ok(released.at >= pressed.at);
    assert.equal(booth.rig.physicalBolt, 'unlocked');
    await run.waitForLine((line) => line.event === 'door.released' && line.reason === 'exit button', 'the exit-button release in the audit');
    await waitFor(() => box.audit().some((entry) => entry.event === 'door.released' && entry.reason === 'exit button'), 'the release in the audit file');

    const status = await run.control('status');
    const devices = (status.result as { devices: Array<{ id: string; ok: boolean; compatible: string }> }).devices;
    assert.deepEqual(
      devices.map((device) => [device.id, device.compatible, device.ok]),
      [
        ['door', 'firmata,door-lock', true],
        ['sensors', 'firmata,sensors', true],
        ['lights', 'firmata,pwm-lighting', true],
      ],
    );
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    assert.equal(booth.rig.relayEnergised, false);
  });

  it('after boothd is killed with the door locked, ExecStopPost (boothctl door unlock --direct) releases the relay', async () => {
    const { booth, box, run } = await runningBooth();
    assert.equal((await run.control('door.lock', { reason: 'test session' })).ok, true);
    run.child.kill('SIGKILL');
    await run.exited;
    // The board stays powered and keeps its outputs: a killed daemon cannot have released it.
    assert.equal(booth.rig.relayEnergised, true);
    const from = booth.twin.records.length;
    const result = await boothctl(['door', 'unlock', '--direct', '--config', box.configFile, 'ExecStopPost']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /released \(bolt unlocked\)/);
    await booth.twin.waitForRecord((r) => r.kind === 'digital' && r.pin === PIN.relay && r.value === 0, 'the relay released by boothctl', 5000, from);
    assert.equal(booth.rig.relayEnergised, false);
    assert.equal(booth.rig.physicalBolt, 'unlocked');
  });

  it('sends DDEATH for every device on an unplugged board and DBIRTH when it is back, releasing the door', async () => {
    const { booth, run, brokerPort } = await runningBooth();
    observer = await SparkplugObserver.connect(`mqtt://127.0.0.1:${brokerPort}`);
    assert.equal((await run.control('door.lock', { reason: 'test session' })).ok, true);
    assert.equal(booth.rig.physicalBolt, 'locked');

    const beforeUnplug = observer.mark();
    await booth.twin.unplug();
    assert.equal(booth.rig.physicalBolt, 'unlocked', 'an unpowered board must leave the lock released');
    for (const device of ['door', 'sensors', 'lights']) {
      await observer.waitFor((m) => m.type === 'DDEATH' && m.device === device, `DDEATH of ${device}`, 10_000, beforeUnplug);
    }
    // The guard tries to release; the lock is gone (ENODEV), so the fail-safe hardware is what holds.
    const attempt = await run.waitForLine((line) => line.event === 'door.release-failed' && /device lost/.test(String(line.reason)), 'the release attempt on loss');
    assert.equal(attempt.code, 'ENODEV');

    const beforeReplug = observer.mark();
    const fromRecord = booth.twin.records.length;
    await booth.twin.replug();
    for (const device of ['door', 'sensors', 'lights']) {
      await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === device, `DBIRTH of ${device}`, 15_000, beforeReplug);
    }
    // The lock came back: it is written released when set up, and the door guard releases it again.
    await booth.twin.waitForRecord((r) => r.kind === 'digital' && r.pin === PIN.relay && r.value === 0, 'the relay written released', 5000, fromRecord);
    await run.waitForLine((line) => line.event === 'door.released' && line.reason === 'door lock door connected', 'release when the lock reconnected');
    assert.equal(booth.rig.relayEnergised, false);

    // And it works again: lock, exit button, released.
    assert.equal((await run.control('door.lock', { reason: 'second session' })).ok, true);
    const from = booth.twin.records.length;
    booth.rig.pressExitButton();
    await booth.twin.waitForRecord((r) => r.kind === 'digital' && r.pin === PIN.relay && r.value === 0, 'the relay released after replug', 5000, from);
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.exited, { code: 0, signal: null });
  });
});
