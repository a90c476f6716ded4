/**
 * sd_notify encoding (messages and socket addresses), the notifier's no-op and error paths, the
 * watchdog's scheduling on the fake clock, and the health verdict boothd feeds it with.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoothHealth, type HealthVerdict } from '../../runtime/systemd/health.ts';
import { createNotifier, encodeNotifyMessage, notifyAddress, SUN_PATH_BYTES, type DatagramSender, type NotifyAddress } from '../../runtime/systemd/notify.ts';
import { SystemdService, type ServiceBooth } from '../../runtime/systemd/service.ts';
import { WatchdogPinger, watchdogSetting } from '../../runtime/systemd/watchdog.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { memoryLogger } from '../support/memory-logger.ts';

/** A sender that records each datagram as text, or fails with the given message. */
function recordingSender(sent: string[], failWith?: () => string | undefined): () => DatagramSender {
  return () => ({
    send(message: Buffer, _address: NotifyAddress) {
      const failure = failWith?.();
      if (failure) throw new Error(failure);
      sent.push(message.toString('utf8'));
    },
    close() {},
  });
}

describe('sd_notify message encoding', () => {
  it('writes KEY=value lines in the given order, newline-terminated', () => {
    assert.equal(encodeNotifyMessage({ READY: 1, STATUS: 'running booth b-01' }).toString(), 'READY=1\nSTATUS=running booth b-01\n');
    assert.equal(encodeNotifyMessage({ WATCHDOG: 1 }).toString(), 'WATCHDOG=1\n');
  });

  it('cannot be made to forge a field through a value with line breaks or NULs', () => {
    const text = encodeNotifyMessage({ STATUS: 'door\nREADY=1\r\n\0x' }).toString();
    assert.equal(text, 'STATUS=door READY=1 x\n');
    assert.equal(text.split('\n').filter((line) => line !== '').length, 1);
  });

  it('refuses field names systemd would not accept, and an empty message', () => {
    assert.throws(() => encodeNotifyMessage({ ready: 1 }), /upper-case/);
    assert.throws(() => encodeNotifyMessage({ 'A=B': 1 }), /upper-case/);
    assert.throws(() => encodeNotifyMessage({}), /at least one field/);
  });

  it('keeps UTF-8 status text intact', () => {
    assert.equal(encodeNotifyMessage({ STATUS: 'будка готова' }).toString('utf8'), 'STATUS=будка готова\n');
  });
});

describe('NOTIFY_SOCKET addresses', () => {
  it('a path becomes sockaddr_un with AF_UNIX, the path and its NUL', () => {
    const address = notifyAddress('/run/systemd/notify');
    assert.equal(address.kind, 'path');
    assert.equal(address.sockaddr.length, 2 + SUN_PATH_BYTES);
    assert.equal(address.sockaddr.readUInt16LE(0), 1, 'sa_family AF_UNIX (x86_64/aarch64 are little-endian)');
    assert.equal(address.sockaddr.subarray(2, 2 + 19).toString(), '/run/systemd/notify');
    assert.equal(address.sockaddr[2 + 19], 0);
    assert.equal(address.length, 2 + 19 + 1);
  });

  it('@name becomes the abstract "\\0name", with a length that counts only the name', () => {
    const address = notifyAddress('@booth/notify');
    assert.equal(address.kind, 'abstract');
    assert.equal(address.name, 'booth/notify');
    assert.equal(address.sockaddr[2], 0, 'abstract names start with a NUL');
    assert.equal(address.sockaddr.subarray(3, 3 + 12).toString(), 'booth/notify');
    assert.equal(address.length, 2 + 1 + 12, 'abstract names are length-significant: no trailing bytes');
  });

  it('refuses relative paths, vsock addresses, empty names and names longer than sun_path', () => {
    assert.throws(() => notifyAddress('run/notify'), /absolute path/);
    assert.throws(() => notifyAddress('vsock:2:1234'), /absolute path/);
    assert.throws(() => notifyAddress('@'), /empty/);
    assert.doesNotThrow(() => notifyAddress(`/${'a'.repeat(SUN_PATH_BYTES - 2)}`));
    assert.throws(() => notifyAddress(`/${'a'.repeat(SUN_PATH_BYTES - 1)}`), /sun_path holds 107/);
    assert.throws(() => notifyAddress(`@${'a'.repeat(SUN_PATH_BYTES)}`), /sun_path/);
  });
});

describe('notifier', () => {
  it('is a no-op without NOTIFY_SOCKET and never opens a socket', () => {
    let opened = 0;
    const notifier = createNotifier({}, { sender: () => ((opened += 1), recordingSender([])()) });
    assert.equal(notifier.enabled, false);
    assert.equal(notifier.notify({ READY: 1 }), false);
    assert.equal(opened, 0);
  });

  it('reports an unusable NOTIFY_SOCKET once and stays silent', () => {
    const errors: string[] = [];
    const notifier = createNotifier({ NOTIFY_SOCKET: 'relative.sock' }, { onError: (error) => errors.push(error.message) });
    assert.equal(notifier.enabled, false);
    assert.equal(notifier.notify({ READY: 1 }), false);
    assert.equal(errors.length, 1);
  });

  it('opens the socket once, reports a failure once per distinct error, and recovers', () => {
    const sent: string[] = [];
    const errors: string[] = [];
    let failure: string | undefined = 'ECONNREFUSED';
    let opened = 0;
    const inner = recordingSender(sent, () => failure);
    const notifier = createNotifier(
      { NOTIFY_SOCKET: '@booth' },
      { sender: () => ((opened += 1), inner()), onError: (error) => errors.push(error.message) },
    );
    assert.equal(notifier.notify({ WATCHDOG: 1 }), false);
    assert.equal(notifier.notify({ WATCHDOG: 1 }), false);
    assert.deepEqual(errors, ['ECONNREFUSED'], 'the same failure is not repeated at every ping');
    failure = undefined;
    assert.equal(notifier.notify({ WATCHDOG: 1 }), true);
    failure = 'ECONNREFUSED';
    notifier.notify({ WATCHDOG: 1 });
    assert.deepEqual(errors, ['ECONNREFUSED', 'ECONNREFUSED'], 'a failure after a success is reported again');
    assert.equal(opened, 1);
    assert.deepEqual(sent, ['WATCHDOG=1\n']);
    notifier.close();
    assert.equal(notifier.notify({ WATCHDOG: 1 }), false);
  });
});

describe('watchdog setting (sd_watchdog_enabled)', () => {
  it('pings at half of WATCHDOG_USEC', () => {
    assert.deepEqual(watchdogSetting({ WATCHDOG_USEC: '30000000' }, 42), { enabled: true, timeoutMs: 30_000, intervalMs: 15_000 });
    assert.deepEqual(watchdogSetting({ WATCHDOG_USEC: '200000', WATCHDOG_PID: '42' }, 42), { enabled: true, timeoutMs: 200, intervalMs: 100 });
  });

  it('is off when unset, malformed, zero, or meant for another pid', () => {
    for (const env of [{}, { WATCHDOG_USEC: '' }, { WATCHDOG_USEC: 'abc' }, { WATCHDOG_USEC: '-5' }, { WATCHDOG_USEC: '0' }, { WATCHDOG_USEC: '1e6' }]) {
      assert.equal(watchdogSetting(env, 42).enabled, false, JSON.stringify(env));
    }
    const other = watchdogSetting({ WATCHDOG_USEC: '1000000', WATCHDOG_PID: '41' }, 42);
    assert.equal(other.enabled, false);
    assert.match((other as { reason: string }).reason, /WATCHDOG_PID 41 is another process/);
  });
});

describe('watchdog pinger on the fake clock', () => {
  function pinger(verdicts: () => HealthVerdict) {
    const clock = new FakeClock();
    const sent: Array<{ at: number; text: string }> = [];
    const changes: HealthVerdict[] = [];
    const watchdog = new WatchdogPinger({
      clock,
      notify: (fields) => sent.push({ at: clock.now(), text: encodeNotifyMessage(fields).toString() }),
      intervalMs: 15_000,
      check: verdicts,
      healthyStatus: () => 'running',
      onChange: (verdict) => changes.push(verdict),
    });
    return { clock, sent, changes, watchdog, start: clock.now() };
  }

  it('pings at start and then every interval, never in between', async () => {
    const { clock, sent, watchdog, start } = pinger(() => ({ healthy: true }));
    watchdog.start();
    await clock.advance(14_999);
    assert.deepEqual(sent.map((entry) => entry.at - start), [0]);
    await clock.advance(1);
    await clock.advance(45_000);
    assert.deepEqual(sent.map((entry) => entry.at - start), [0, 15_000, 30_000, 45_000, 60_000]);
    assert.ok(sent.every((entry) => entry.text === 'WATCHDOG=1\n'));
    assert.equal(watchdog.pings, 5);
  });

  it('stops pinging while unhealthy, says why once, and resumes with the running status', async () => {
    let verdict: HealthVerdict = { healthy: true };
    const { clock, sent, changes, watchdog, start } = pinger(() => verdict);
    watchdog.start();
    await clock.advance(15_000);
    verdict = { healthy: false, reason: 'component broker restarting for 130 s' };
    await clock.advance(60_000);
    verdict = { healthy: true };
    await clock.advance(15_000);
    assert.deepEqual(
      sent.map((entry) => [entry.at - start, entry.text]),
      [
        [0, 'WATCHDOG=1\n'],
        [15_000, 'WATCHDOG=1\n'],
        [30_000, 'STATUS=unhealthy: component broker restarting for 130 s\n'],
        [90_000, 'STATUS=running\nWATCHDOG=1\n'],
      ],
    );
    assert.deepEqual(changes, [{ healthy: false, reason: 'component broker restarting for 130 s' }, { healthy: true }]);
  });

  it('updates STATUS when the unhealthy reason changes, and counts a throwing check as unhealthy', async () => {
    let step = 0;
    const { clock, sent, watchdog } = pinger(() => {
      step += 1;
      if (step === 1) return { healthy: false, reason: 'a' };
      if (step === 2) return { healthy: false, reason: 'a' };
      throw new Error('boom');
    });
    watchdog.start();
    await clock.advance(30_000);
    assert.deepEqual(sent.map((entry) => entry.text), ['STATUS=unhealthy: a\n', 'STATUS=unhealthy: health check failed: boom\n']);
  });

  it('stop cancels the timer: no ping afterwards and nothing left pending', async () => {
    const { clock, sent, watchdog } = pinger(() => ({ healthy: true }));
    watchdog.start();
    watchdog.start();
    await clock.advance(15_000);
    watchdog.stop();
    await clock.advance(60_000);
    assert.equal(sent.length, 2);
    assert.equal(clock.pending, 0);
  });
});

describe('booth health verdict', () => {
  function health() {
    const clock = new FakeClock();
    const state = {
      components: { 'door-safety': { status: 'running' }, broker: { status: 'running' } } as Record<string, { status: string }>,
      door: 'released' as 'released' | 'locking' | 'locked',
    };
    const check = new BoothHealth({
      clock,
      sources: { components: () => state.components, doorState: () => state.door },
      faultGraceMs: 120_000,
      maxLockMs: 600_000,
      lockTimeoutMs: 2000,
      doorSlackMs: 5000,
    });
    return { clock, state, check };
  }

  it('a component restarting within the grace is healthy; past it, unhealthy naming it; running again, healthy', async () => {
    const { clock, state, check } = health();
    state.components.broker = { status: 'restarting' };
    const started = new Date(clock.now()).toISOString();
    assert.deepEqual(check.check(), { healthy: true });
    await clock.advance(120_000);
    assert.deepEqual(check.check(), { healthy: true }, 'exactly the grace is still allowed');
    await clock.advance(1000);
    assert.deepEqual(check.check(), { healthy: false, reason: `component broker restarting since ${started}, past the grace of 120 s` });
    await clock.advance(15_000);
    assert.deepEqual(check.check(), { healthy: false, reason: `component broker restarting since ${started}, past the grace of 120 s` }, 'the reason does not change while the fault lasts');
    state.components.broker = { status: 'starting' };
    assert.deepEqual(check.check(), { healthy: false, reason: `component broker restarting since ${started}, past the grace of 120 s` }, 'nor while the supervisor tries it again');
    state.components.broker = { status: 'running' };
    assert.deepEqual(check.check(), { healthy: true });
    state.components.broker = { status: 'restarting' };
    await clock.advance(60_000);
    assert.deepEqual(check.check(), { healthy: true }, 'a new failure starts a new grace');
  });

  it('a door locked for a session is healthy; held past maxLockSeconds + timeout + slack, unhealthy', async () => {
    const { clock, state, check } = health();
    state.door = 'locked';
    assert.deepEqual(check.check(), { healthy: true });
    await clock.advance(600_000 + 2000 + 5000);
    assert.deepEqual(check.check(), { healthy: true });
    await clock.advance(1000);
    const verdict = check.check();
    assert.equal(verdict.healthy, false);
    assert.match((verdict as { reason: string }).reason, /^door held locked since 2026-11-27T09:00:00.000Z, past maxLockSeconds 600 s$/);
  });

  it('a release seen between two sessions starts the lock time again', async () => {
    const { clock, state, check } = health();
    state.door = 'locked';
    check.check();
    await clock.advance(500_000);
    state.door = 'released';
    check.check();
    state.door = 'locked';
    check.check();
    await clock.advance(500_000);
    assert.deepEqual(check.check(), { healthy: true });
  });

  it('a lock command hanging past its timeout + slack is unhealthy', async () => {
    const { clock, state, check } = health();
    state.door = 'locking';
    check.check();
    await clock.advance(7000);
    assert.deepEqual(check.check(), { healthy: true });
    await clock.advance(1000);
    assert.match((check.check() as { reason: string }).reason, /^door guard stuck locking since 2026-11-27T09:00:00.000Z, past the lock timeout of 2 s$/);
  });

  it('reports every fault at once', async () => {
    const { clock, state, check } = health();
    state.door = 'locked';
    state.components.broker = { status: 'restarting' };
    state.components['door-safety'] = { status: 'starting' };
    check.check();
    await clock.advance(700_000);
    const verdict = check.check() as { reason: string };
    assert.match(verdict.reason, /door held locked/);
    assert.match(verdict.reason, /component door-safety starting/);
    assert.match(verdict.reason, /component broker restarting/);
  });
});

describe('systemd service integration', () => {
  function fakeBooth(clock: FakeClock) {
    const released: string[] = [];
    const booth = {
      clock,
      config: { booth: { id: 'b-01' }, door: { maxLockSeconds: 60, lockTimeoutMs: 1000 }, supervisor: { faultGraceSeconds: 10 } },
      components: { broker: { status: 'running' } } as Record<string, { status: string }>,
      supervisor: { status: () => booth.components },
      door: {
        state: 'released' as 'released' | 'locking' | 'locked',
        release: async (reason: string) => {
          released.push(reason);
          booth.door.state = 'released';
        },
      },
      devices: { devices: [{ state: 'ready' }, { state: 'ready' }, { state: 'opening' }] },
    };
    return { booth: booth satisfies ServiceBooth, released };
  }

  it('READY with a status, pings only after READY, STOPPING ends the pings, a late READY is ignored', async () => {
    const clock = new FakeClock();
    const { booth } = fakeBooth(clock);
    const sent: string[] = [];
    const service = new SystemdService(booth, {
      env: { NOTIFY_SOCKET: '@test', WATCHDOG_USEC: '2000000' },
      pid: 7,
      logger: memoryLogger().logger,
      sender: recordingSender(sent),
    });
    await clock.advance(5000);
    assert.deepEqual(sent, [], 'no ping before READY: systemd arms the watchdog when start-up completes');
    service.ready();
    await clock.advance(2000);
    service.stopping('SIGTERM');
    service.ready();
    await clock.advance(5000);
    assert.deepEqual(sent, [
      'READY=1\nSTATUS=running booth b-01: door released, 2/3 devices ready\n',
      'WATCHDOG=1\n',
      'WATCHDOG=1\n',
      'WATCHDOG=1\n',
      'STOPPING=1\nSTATUS=stopping: SIGTERM\n',
    ]);
    assert.equal(clock.pending, 0);
  });

  it('releases the door when the booth turns unhealthy while it is locked', async () => {
    const clock = new FakeClock();
    const { booth, released } = fakeBooth(clock);
    const sent: string[] = [];
    const logs = memoryLogger();
    const service = new SystemdService(booth, { env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '2000000' }, pid: 7, logger: logs.logger, sender: recordingSender(sent) });
    service.ready();
    booth.door.state = 'locked';
    booth.components.broker = { status: 'restarting' };
    await clock.advance(12_000);
    const reason = `component broker restarting since ${new Date(clock.now() - 11_000).toISOString()}, past the grace of 10 s`;
    assert.deepEqual(released, [`unhealthy: ${reason}`]);
    assert.deepEqual(sent.filter((text) => text.startsWith('STATUS=unhealthy')), [`STATUS=unhealthy: ${reason}\n`], 'one STATUS while the fault lasts');
    assert.ok(logs.lines.some((line) => line.level === 50 && /no longer feeding the systemd watchdog/.test(line.msg)));
    service.close();
  });

  it('without NOTIFY_SOCKET it sends nothing and arms no timer, even with WATCHDOG_USEC', async () => {
    const clock = new FakeClock();
    const { booth } = fakeBooth(clock);
    let opened = 0;
    const service = new SystemdService(booth, {
      env: { WATCHDOG_USEC: '2000000' },
      pid: 7,
      logger: memoryLogger().logger,
      sender: () => ((opened += 1), recordingSender([])()),
    });
    assert.equal(service.enabled, false);
    service.ready();
    await clock.advance(10_000);
    service.stopping('SIGTERM');
    assert.equal(opened, 0);
    assert.equal(clock.pending, 0);
  });
});
