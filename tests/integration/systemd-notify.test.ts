/**
 * The real boothd (bin/boothd) speaking the sd_notify protocol to a socket systemd would own,
 * here a socat listener: READY=1 only once the door has been released at start-up, WATCHDOG=1
 * at half of WATCHDOG_USEC from the event loop, none while that loop is blocked or while the
 * booth is unhealthy, STOPPING=1 on SIGTERM. Datagrams on one socket arrive in the order they
 * were sent, so "no ping between these two markers" is exact, whatever the machine's speed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { BoothdSandbox } from '../support/boothd-process.ts';
import { NotifyListener } from '../support/notify-listener.ts';

let sandbox: BoothdSandbox | undefined;
let listener: NotifyListener | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  await sandbox?.cleanup();
  await listener?.stop();
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  sandbox = listener = blocker = undefined;
});

const booth = (stateDir: string, extra = '') => `
booth: { id: notify-01, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 } }
devices:
  # A slow lock: releasing it at start-up takes 300 ms, so an early READY would show.
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 300 } }
  - { id: lights, compatible: "sim,lighting" }
  - { id: sensors, compatible: "sim,sensors" }
${extra}`;

const WATCHDOG = (field: string) => field === 'WATCHDOG=1';

function count(fields: string[], predicate: (field: string) => boolean, from = 0, to = fields.length): number {
  return fields.slice(from, to).filter(predicate).length;
}

/** Sends one datagram of our own: everything boothd sent before it has been received once it arrives. */
async function sentinel(target: NotifyListener, path: string): Promise<number> {
  execFileSync('socat', ['-u', '-', `UNIX-SENDTO:${path}`], { input: 'SENTINEL=1\n' });
  return target.waitForField((field) => field === 'SENTINEL=1', 'the sentinel datagram');
}

describe('boothd under systemd: sd_notify and the watchdog', () => {
  it('READY=1 after the start-up release, WATCHDOG=1 from the loop (none while it is blocked), STOPPING=1 on SIGTERM', async () => {
    sandbox = new BoothdSandbox((stateDir) => booth(stateDir));
    const socket = join(sandbox.dir, 'notify.sock');
    listener = await NotifyListener.onPath(socket);
    const box = sandbox;
    const run = box.start(undefined, { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '300000' });

    const ready = await listener.waitForField((field) => field === 'READY=1', 'READY=1');
    // The audit log is written and fsynced before the release returns, and READY follows start().
    const releasedAtStartup = box.audit().some((entry) => entry.event === 'door.released' && entry.reason === 'startup');
    assert.ok(releasedAtStartup, 'READY=1 arrived before the start-up release was in the audit log');
    assert.equal(box.physicalBolt(), 'unlocked');
    assert.equal(ready, 0, `something came before READY: ${listener.fields.slice(0, ready).join(' | ')}`);
    assert.equal(listener.fields[1], 'STATUS=running booth notify-01: door released, 3/3 devices ready');

    await listener.waitUntil(() => count(listener!.fields, WATCHDOG, ready) >= 5, 'five watchdog pings');

    // 1500 ms blocked = ten ping intervals of 150 ms: a pinger off the event loop would keep going.
    const answer = await run.control('sim.block-loop', { ms: 1500 });
    assert.equal(answer.ok, true, answer.error);
    const blocked = await listener.waitForField((field) => field === 'STATUS=sim: event loop blocked for 1500 ms', 'block marker');
    const freed = await listener.waitForField((field) => field === 'STATUS=sim: event loop free again', 'free marker', blocked);
    assert.equal(count(listener.fields, WATCHDOG, blocked, freed), 0, 'a watchdog ping was sent while the event loop was blocked');
    await listener.waitUntil(() => count(listener!.fields, WATCHDOG, freed) >= 3, 'pings to resume after the block');

    run.child.kill('SIGTERM');
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    const end = await sentinel(listener, socket);
    const stopping = listener.indexOf((field) => field === 'STOPPING=1');
    assert.ok(stopping !== -1 && stopping < end, `no STOPPING=1: ${listener.fields.slice(-5).join(' | ')}`);
    assert.equal(listener.fields[stopping + 1], 'STATUS=stopping: SIGTERM');
    assert.equal(count(listener.fields, WATCHDOG, stopping, end), 0, 'a watchdog ping after STOPPING=1');
    assert.ok(box.audit().some((entry) => entry.event === 'door.released' && entry.reason === 'shutdown: SIGTERM'));
  });

  it('stops pinging while a component fails past faultGraceSeconds, says why, and resumes once it recovers', async () => {
    // The embedded broker's port is taken, so the broker component fails and the supervisor
    // keeps restarting it until the port is free again.
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    sandbox = new BoothdSandbox((stateDir) =>
      booth(stateDir, 'supervisor: { retryInitialMs: 50, retryMaxMs: 100, retryJitter: 0, faultGraceSeconds: 0.5 }').replace('port: 0', `port: ${port}`),
    );
    const socket = join(sandbox.dir, 'notify.sock');
    listener = await NotifyListener.onPath(socket);
    const run = sandbox.start(undefined, { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '200000' });

    const ready = await listener.waitForField((field) => field === 'READY=1', 'READY=1');
    const unhealthy = await listener.waitForField((field) => field.startsWith('STATUS=unhealthy: '), 'the unhealthy status', ready);
    // Telemetry cannot start without its broker either (it must not fall back to MQTT.js's default 127.0.0.1:1883).
    assert.match(listener.fields[unhealthy]!, /^STATUS=unhealthy: component broker restarting since \S+, past the grace of 0\.5 s; component telemetry restarting since \S+, past the grace of 0\.5 s$/);
    await run.waitForLine((line) => line.level === 50 && /no longer feeding the systemd watchdog/.test(line.msg), 'the unhealthy log line');

    // Ten ping intervals with the booth unhealthy, then free the port.
    await delay(1000);
    await new Promise((resolve) => blocker!.close(resolve));
    blocker = undefined;
    const recovered = await listener.waitForField((field) => field.startsWith('STATUS=running booth notify-01'), 'the recovered status', unhealthy);
    assert.equal(count(listener.fields, WATCHDOG, unhealthy, recovered), 0, 'pinged while unhealthy');
    // Said when the reason changes (the broker recovers first, then telemetry), never at every tick.
    const statuses = listener.fields.slice(unhealthy, recovered).filter((field) => field.startsWith('STATUS='));
    assert.ok(statuses.length >= 1 && statuses.length <= 2, statuses.join(' | '));
    assert.equal(new Set(statuses).size, statuses.length, `a repeated STATUS: ${statuses.join(' | ')}`);
    await listener.waitUntil(() => count(listener!.fields, WATCHDOG, recovered) >= 3, 'pings to resume after recovery');
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });

  it('reaches an abstract socket (@name), and sends no pings when WATCHDOG_PID names another process', async () => {
    sandbox = new BoothdSandbox((stateDir) => booth(stateDir));
    const name = `booth-notify-test-${randomBytes(6).toString('hex')}`;
    listener = await NotifyListener.onAbstract(name);
    const run = sandbox.start(undefined, { NOTIFY_SOCKET: `@${name}`, WATCHDOG_USEC: '100000', WATCHDOG_PID: '1' });
    await listener.waitForField((field) => field === 'READY=1', 'READY=1 on the abstract socket');
    // Twelve intervals of 50 ms in which a pinger ignoring WATCHDOG_PID would have pinged.
    await delay(600);
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
    await listener.waitForField((field) => field === 'STOPPING=1', 'STOPPING=1 on the abstract socket');
    assert.equal(count(listener.fields, WATCHDOG), 0, `pinged for another pid: ${listener.fields.join(' | ')}`);
  });
});
