/**
 * FakeClock.drive: fake time for timers, and a bounded real-time grace for work fake time cannot
 * hurry (a worker thread exiting), so a loaded machine does not fail a test that only waited.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../support/fake-clock.ts';

describe('FakeClock.drive', () => {
  it('settles a promise that needs fake time, advancing no further than needed', async () => {
    const clock = new FakeClock();
    const started = clock.now();
    const waited = new Promise<string>((resolve) => clock.setTimeout(() => resolve('fired'), 1_000));
    assert.equal(await clock.drive(waited, 5_000), 'fired');
    assert.ok(clock.now() - started >= 1_000 && clock.now() - started < 1_100, `advanced ${clock.now() - started} ms`);
  });

  it('waits real time after the fake limit for work that only real time finishes', async () => {
    const clock = new FakeClock();
    const real = new Promise<string>((resolve) => setTimeout(() => resolve('thread exited'), 200));
    assert.equal(await clock.drive(real, 10, 5, 10_000), 'thread exited');
  });

  it('fails, naming both limits, when neither fake nor real time settles it', async () => {
    const clock = new FakeClock();
    await assert.rejects(clock.drive(new Promise(() => undefined), 50, 5, 100), /not met within 50 ms of fake time, nor within 100 ms of real time after it/);
  });
});
