import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { EXIT_CRASHED, installProcessGuard, type ProcessGuardTarget } from '../../runtime/safety/process-guard.ts';
import { waitFor } from '../support/wait.ts';

class FakeProcess extends EventEmitter {
  exitCode: number | undefined;
  exit(code?: number): void {
    this.exitCode ??= code;
  }
}

function target(log: string[], options: { releaseHangs?: boolean } = {}): ProcessGuardTarget {
  return {
    releaseDoor: (reason) => {
      log.push(`release:${reason}`);
      return options.releaseHangs ? new Promise(() => undefined) : Promise.resolve();
    },
    shutdown: async (reason) => void log.push(`shutdown:${reason}`),
    onFatal: (_error, origin) => void log.push(`fatal:${origin}`),
  };
}

describe('process guard', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    it(`${signal} shuts down (door first, inside shutdown) and exits 0, once`, async () => {
      const process = new FakeProcess();
      const log: string[] = [];
      installProcessGuard(process, target(log));
      process.emit(signal);
      process.emit(signal);
      await waitFor(() => process.exitCode !== undefined, 'exit');
      assert.equal(process.exitCode, 0);
      assert.deepEqual(log, [`shutdown:${signal}`]);
    });
  }

  it('an uncaught exception releases the door and exits 70', async () => {
    const process = new FakeProcess();
    const log: string[] = [];
    installProcessGuard(process, target(log));
    process.emit('uncaughtException', new Error('boom'));
    await waitFor(() => process.exitCode !== undefined, 'exit');
    assert.equal(process.exitCode, EXIT_CRASHED);
    assert.deepEqual(log, ['fatal:uncaught exception', 'release:crash: uncaught exception']);
  });

  it('an unhandled rejection does the same', async () => {
    const process = new FakeProcess();
    const log: string[] = [];
    installProcessGuard(process, target(log));
    process.emit('unhandledRejection', new Error('lost promise'));
    await waitFor(() => process.exitCode !== undefined, 'exit');
    assert.equal(process.exitCode, EXIT_CRASHED);
    assert.ok(log.includes('release:crash: unhandled rejection'));
  });

  it('exits anyway when the release hangs past the deadline', async () => {
    const process = new FakeProcess();
    const log: string[] = [];
    installProcessGuard(process, target(log, { releaseHangs: true }), 50);
    process.emit('uncaughtException', new Error('boom'));
    await waitFor(() => process.exitCode !== undefined, 'exit after the deadline', 2000);
    assert.equal(process.exitCode, EXIT_CRASHED);
  });

  it('uninstalls its handlers', () => {
    const process = new FakeProcess();
    const uninstall = installProcessGuard(process, target([]));
    assert.equal(process.listenerCount('SIGTERM'), 1);
    uninstall();
    assert.equal(process.listenerCount('SIGTERM') + process.listenerCount('uncaughtException'), 0);
  });
});
