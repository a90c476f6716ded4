/**
 * Device lock files: one holder per device across processes; a live other holder gets EBUSY
 * naming it, a dead or unreadable holder is stale and taken over, and the device manager treats
 * a held lock like any other failed open (retried with backoff until the lock is free).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AnyDevice } from '../../hal/index.ts';
import { DeviceError, isDeviceError } from '../../hal/errors.ts';
import { DeviceLocks } from '../../runtime/devices/device-locks.ts';
import { DeviceManager } from '../../runtime/devices/device-manager.ts';
import { SimLighting, simLightingProps } from '../../simulator/devices/sim-lighting.ts';
import { SimSensors, simSensorsProps } from '../../simulator/devices/sim-sensors.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { memoryLogger } from '../support/memory-logger.ts';

/** A real process that stays alive until killed: its pid plays another program holding a lock. */
async function liveProcess(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  assert.ok(child.pid !== undefined && child.pid > 0);
  return child as ChildProcess & { pid: number };
}

/** Kills `child` and waits (bounded) for its 'exit' event, after which its pid is reaped. */
async function killAndWait(child: ChildProcess, limitMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child ${child.pid} did not exit within ${limitMs} ms`)), limitMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
}

function lockFile(stateDir: string, id: string): string {
  return join(stateDir, 'locks', `${id}.lock`);
}

function readLock(stateDir: string, id: string): { pid: number; owner: string; at: number } {
  return JSON.parse(readFileSync(lockFile(stateDir, id), 'utf8')) as { pid: number; owner: string; at: number };
}

function catchError(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

describe('device lock files', () => {
  let stateDir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'device-locks-'));
  });

  afterEach(async () => {
    for (const child of children.splice(0)) await killAndWait(child);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('acquire writes an owner-only lock file naming our pid and the program', () => {
    const before = Date.now();
    const locks = new DeviceLocks(stateDir, 'boothctl device door lock');
    locks.acquire('door');
    const holder = readLock(stateDir, 'door');
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.owner, 'boothctl device door lock');
    assert.ok(holder.at >= before && holder.at <= Date.now(), `lock time ${holder.at} not within the call`);
    assert.equal(statSync(lockFile(stateDir, 'door')).mode & 0o777, 0o600);
    assert.equal(statSync(join(stateDir, 'locks')).mode & 0o777, 0o700);
    assert.deepEqual(locks.holderOf('door'), holder);
    assert.equal(locks.holderOf('lights'), undefined);
  });

  it('a live holder in another process makes acquire fail with EBUSY naming it; once it dies the lock is taken over', async () => {
    const other = await liveProcess();
    children.push(other);
    const daemon = new DeviceLocks(stateDir, 'boothd', other.pid);
    daemon.acquire('door');
    assert.equal(readLock(stateDir, 'door').pid, other.pid);

    const cli = new DeviceLocks(stateDir, 'boothctl device door lock');
    const error = catchError(() => cli.acquire('door'));
    assert.ok(isDeviceError(error, 'EBUSY'), `expected EBUSY, got ${String(error)}`);
    assert.equal((error as DeviceError).deviceId, 'door');
    assert.match((error as Error).message, /held by boothd \(pid \d+\)/);
    assert.ok((error as Error).message.includes(`pid ${other.pid}`), (error as Error).message);
    // The refused attempt left the holder's file alone.
    assert.deepEqual(readLock(stateDir, 'door').pid, other.pid);

    await killAndWait(other);
    cli.acquire('door');
    const taken = readLock(stateDir, 'door');
    assert.equal(taken.pid, process.pid);
    assert.equal(taken.owner, 'boothctl device door lock');
  });

  it('release removes only a lock this instance holds, never one another process took over', async () => {
    const other = await liveProcess();
    children.push(other);
    const ours = new DeviceLocks(stateDir, 'boothctl');
    ours.acquire('door');
    // Meanwhile our lock was judged stale and taken over by another process.
    writeFileSync(lockFile(stateDir, 'door'), JSON.stringify({ pid: other.pid, owner: 'boothd', at: 1 }));
    ours.release('door');
    assert.equal(readLock(stateDir, 'door').pid, other.pid, 'released somebody else\'s lock');

    // An instance that never acquired a device does not touch its lock either.
    const holder = new DeviceLocks(stateDir, 'boothd', other.pid);
    holder.acquire('lights');
    new DeviceLocks(stateDir, 'bystander').release('lights');
    assert.equal(readLock(stateDir, 'lights').owner, 'boothd');

    // The holder's own release does remove it.
    holder.release('lights');
    assert.equal(existsSync(lockFile(stateDir, 'lights')), false);
  });

  for (const [what, content] of [
    ['an empty file (crash between create and write)', ''],
    ['a half-written file', '{"pid":12'],
    ['JSON without a pid', '{"owner":"boothd"}'],
    ['JSON null', 'null'],
  ] as const) {
    it(`treats ${what} as a stale lock and takes it over`, () => {
      mkdirSync(join(stateDir, 'locks'), { recursive: true });
      writeFileSync(lockFile(stateDir, 'door'), content);
      const locks = new DeviceLocks(stateDir, 'boothctl');
      assert.equal(locks.holderOf('door')?.pid, 0);
      assert.match(locks.holderOf('door')?.owner ?? '', /unreadable/);
      locks.acquire('door');
      assert.equal(readLock(stateDir, 'door').pid, process.pid);
    });
  }

  it('re-acquiring a lock this instance holds is a no-op, and one release frees it', () => {
    const locks = new DeviceLocks(stateDir, 'boothd');
    locks.acquire('door');
    const first = readFileSync(lockFile(stateDir, 'door'), 'utf8');
    locks.acquire('door');
    locks.acquire('door');
    assert.equal(readFileSync(lockFile(stateDir, 'door'), 'utf8'), first);
    locks.release('door');
    assert.equal(existsSync(lockFile(stateDir, 'door')), false);
    locks.release('door'); // releasing again is harmless
    assert.equal(existsSync(lockFile(stateDir, 'door')), false);
  });

  it('releaseAll frees every lock this instance holds and nothing else', async () => {
    const other = await liveProcess();
    children.push(other);
    new DeviceLocks(stateDir, 'someone else', other.pid).acquire('camera');
    const locks = new DeviceLocks(stateDir, 'boothd');
    for (const id of ['door', 'lights', 'sensors']) locks.acquire(id);
    locks.releaseAll();
    for (const id of ['door', 'lights', 'sensors']) assert.equal(locks.holderOf(id), undefined, `${id} still locked`);
    assert.equal(locks.holderOf('camera')?.owner, 'someone else');
    // And the devices can be taken again afterwards.
    locks.acquire('door');
    assert.equal(readLock(stateDir, 'door').owner, 'boothd');
  });
});

describe('device manager with lock files', () => {
  it('a device locked by a live other process fails to open with EBUSY, and opens once the lock is released', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'device-locks-manager-'));
    const other = await liveProcess();
    try {
      const clock = new FakeClock();
      const lights = new SimLighting({ id: 'lights', compatible: 'sim,lighting', clock }, simLightingProps.parse({ latencyMs: 1 }));
      const sensors = new SimSensors({ id: 'sensors', compatible: 'sim,sensors', clock }, simSensorsProps.parse({ latencyMs: 1 }));
      const technician = new DeviceLocks(stateDir, 'boothctl device lights light', other.pid);
      technician.acquire('lights');

      const manager = new DeviceManager({
        devices: [lights, sensors] as AnyDevice[],
        clock,
        logger: memoryLogger().logger,
        backoff: { initialMs: 1000, maxMs: 8000, jitter: 0.5 },
        random: () => 1,
        locks: new DeviceLocks(stateDir, 'boothd'),
      });
      const failures: Array<{ id: string; error: DeviceError; retryInMs: number }> = [];
      manager.on('open-failed', (device, error, retryInMs) => failures.push({ id: device.id, error, retryInMs }));
      const ready: string[] = [];
      manager.on('ready', (device) => ready.push(device.id));

      await clock.drive(manager.openAll());
      assert.equal(sensors.state, 'ready');
      assert.equal(lights.state, 'closed', 'opened a device another process holds');
      assert.deepEqual(ready, ['sensors']);
      assert.equal(failures.length, 1);
      assert.equal(failures[0]?.id, 'lights');
      assert.equal(failures[0]?.error.code, 'EBUSY');
      assert.ok(failures[0]?.error.message.includes(`boothctl device lights light (pid ${other.pid})`), failures[0]?.error.message);
      assert.equal(readLock(stateDir, 'lights').pid, other.pid);
      assert.equal(readLock(stateDir, 'sensors').pid, process.pid);

      // Still held at the first retry: fails again, with a longer delay.
      await clock.advance(failures[0]!.retryInMs + 5);
      assert.equal(failures.length, 2);
      assert.equal(failures[1]?.error.code, 'EBUSY');
      assert.ok(failures[1]!.retryInMs > failures[0]!.retryInMs);
      assert.equal(lights.state, 'closed');

      technician.release('lights');
      await clock.advanceUntil(() => lights.state === 'ready', 10_000);
      assert.deepEqual(ready, ['sensors', 'lights']);
      assert.equal(failures.length, 2);
      const holder = readLock(stateDir, 'lights');
      assert.equal(holder.pid, process.pid);
      assert.equal(holder.owner, 'boothd');

      await clock.drive(manager.closeAll());
      assert.equal(existsSync(lockFile(stateDir, 'lights')), false);
      assert.equal(existsSync(lockFile(stateDir, 'sensors')), false);
    } finally {
      await killAndWait(other);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
