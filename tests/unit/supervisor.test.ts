import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Supervisor, type Component, type ComponentContext } from '../../runtime/supervisor/supervisor.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { memoryLogger } from '../support/memory-logger.ts';

function recorder(log: string[], name: string, options: { failStarts?: number } = {}) {
  let failures = options.failStarts ?? 0;
  let context: ComponentContext | undefined;
  const component: Component = {
    name,
    async start(ctx) {
      context = ctx;
      if (failures > 0) {
        failures -= 1;
        log.push(`${name}:start-failed`);
        throw new Error(`${name} cannot start`);
      }
      log.push(`${name}:start`);
    },
    async stop() {
      log.push(`${name}:stop`);
    },
  };
  return { component, die: (error: Error) => context?.fail(error) };
}

describe('supervisor', () => {
  const setup = () => {
    const clock = new FakeClock();
    const supervisor = new Supervisor({ clock, logger: memoryLogger().logger, backoff: { initialMs: 100, maxMs: 1000, jitter: 0 } });
    return { clock, supervisor };
  };

  it('starts in order and stops in reverse order', async () => {
    const { supervisor } = setup();
    const log: string[] = [];
    for (const name of ['a', 'b', 'c']) supervisor.add(recorder(log, name).component);
    await supervisor.start();
    await supervisor.stop();
    assert.deepEqual(log, ['a:start', 'b:start', 'c:start', 'c:stop', 'b:stop', 'a:stop']);
  });

  it('restarts a component that dies, with growing backoff, while the others keep running', async () => {
    const { clock, supervisor } = setup();
    const log: string[] = [];
    const a = recorder(log, 'a');
    const b = recorder(log, 'b');
    supervisor.add(a.component).add(b.component);
    await supervisor.start();
    log.length = 0;
    b.die(new Error('socket closed'));
    await clock.advance(0);
    assert.deepEqual(log, ['b:stop']);
    assert.equal(supervisor.status().b?.status, 'restarting');
    assert.equal(supervisor.status().a?.status, 'running');
    await clock.advance(99);
    assert.deepEqual(log, ['b:stop']);
    await clock.advance(1);
    assert.deepEqual(log, ['b:stop', 'b:start']);
    b.die(new Error('again'));
    await clock.advance(199);
    assert.equal(supervisor.status().b?.status, 'restarting');
    await clock.advance(1);
    assert.deepEqual(supervisor.status().b, { status: 'running', restarts: 2 });
  });

  it('retries a component whose start fails and still starts the ones after it', async () => {
    const { clock, supervisor } = setup();
    const log: string[] = [];
    supervisor.add(recorder(log, 'flaky', { failStarts: 2 }).component).add(recorder(log, 'next').component);
    await supervisor.start();
    assert.deepEqual(log, ['flaky:start-failed', 'flaky:stop', 'next:start']);
    await clock.advance(100);
    await clock.advance(200);
    assert.deepEqual(log.slice(3), ['flaky:start-failed', 'flaky:stop', 'flaky:start']);
    assert.equal(supervisor.status().flaky?.status, 'running');
  });

  it('does not restart anything once stopping', async () => {
    const { clock, supervisor } = setup();
    const log: string[] = [];
    const a = recorder(log, 'a');
    supervisor.add(a.component);
    await supervisor.start();
    await supervisor.stop();
    a.die(new Error('late'));
    await clock.advance(5000);
    assert.deepEqual(log, ['a:start', 'a:stop']);
  });
});
