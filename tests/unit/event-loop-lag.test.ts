import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventLoopLag, type LagTimer } from '../../runtime/telemetry/event-loop-lag.ts';

/** A clock and a timer the test moves by hand: `runAt(t)` is the timer's run happening at time t. */
function manualTimer(): LagTimer & { runAt(ms: number): void; running: boolean } {
  let now = 0;
  let run: (() => void) | undefined;
  return {
    now: () => now,
    every(_periodMs, callback) {
      run = callback;
      return () => (run = undefined);
    },
    runAt(ms: number) {
      now = ms;
      run?.();
    },
    get running() {
      return run !== undefined;
    },
  };
}

describe('EventLoopLag', () => {
  it('records how much later than due each run came, not the interval between runs', () => {
    const timer = manualTimer();
    const lag = new EventLoopLag(10, timer);
    lag.start(); // at 0: due at 10
    timer.runAt(10.2); // 0.2 late; next due at 20.2
    timer.runAt(20.5); // 0.3 late; next due at 30.5
    timer.runAt(38); // 7.5 late: a stall; next due at 48
    timer.runAt(48.1); // 0.1 late
    assert.equal(Math.round(lag.maxMs() * 100) / 100, 7.5);
    assert.equal(Math.round(lag.percentileMs(50) * 100) / 100, 0.2);
  });

  it('reads 0, never below, for a run that came early or when nothing was recorded', () => {
    const timer = manualTimer();
    const lag = new EventLoopLag(5, timer);
    assert.equal(lag.percentileMs(99), 0);
    assert.equal(lag.maxMs(), 0);
    lag.start();
    timer.runAt(4.2); // libuv's millisecond clock can fire a hair early
    assert.ok(lag.maxMs() < 1e-5, `an early run read ${lag.maxMs()} ms late`);
  });

  it('does not count the time it was stopped, and forgets on reset', () => {
    const timer = manualTimer();
    const lag = new EventLoopLag(10, timer);
    lag.start();
    timer.runAt(12); // 2 late
    lag.stop();
    assert.equal(timer.running, false);
    timer.runAt(500); // a forced GC, a pause: nothing runs, nothing is due
    lag.start(); // due at 510
    timer.runAt(511); // 1 late, not 490
    const ms = (value: number) => Math.round(value * 100) / 100; // the histogram keeps 3 significant digits
    assert.equal(ms(lag.maxMs()), 2);
    lag.reset();
    assert.equal(lag.maxMs(), 0);
    timer.runAt(524); // due at 521: 3 late
    assert.equal(ms(lag.maxMs()), 3);
  });

  it('refuses a sampling period that is not a whole number of ms', () => {
    assert.throws(() => new EventLoopLag(0), /whole number of ms ≥ 1, got 0/);
    assert.throws(() => new EventLoopLag(2.5), /got 2.5/);
  });

  it('on the real event loop, a 60 ms stall reads at least 50 ms late, and one while stopped is not seen', async () => {
    const block = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until); // the stall being measured
    };
    const lag = new EventLoopLag(5);
    lag.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    block(60);
    await new Promise((resolve) => setTimeout(resolve, 20)); // lets the late run happen and be recorded
    lag.stop();
    assert.ok(lag.maxMs() >= 50, `a 60 ms stall read as ${lag.maxMs().toFixed(1)} ms`);
    lag.reset();
    block(300); // stopped: not the loop's lateness as far as this measure goes
    lag.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    lag.stop();
    assert.ok(lag.maxMs() < 250, `a stall while stopped was counted: ${lag.maxMs().toFixed(1)} ms`);
  });
});
