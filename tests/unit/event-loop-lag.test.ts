import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventLoopLag, type DelayHistogram } from '../../runtime/telemetry/event-loop-lag.ts';

/** A histogram that answers what it is told to, in nanoseconds like Node's. */
function recorded(intervalsMs: number[]): DelayHistogram & { enabled: boolean } {
  const sorted = [...intervalsMs].sort((a, b) => a - b);
  return {
    enabled: false,
    percentile(p: number) {
      if (sorted.length === 0) return 0;
      return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 1e6;
    },
    get max() {
      return sorted.length === 0 ? 0 : sorted[sorted.length - 1]! * 1e6;
    },
    enable() {
      this.enabled = true;
      return true;
    },
    disable() {
      this.enabled = false;
      return true;
    },
    reset() {
      sorted.length = 0;
    },
  };
}

describe('EventLoopLag', () => {
  it('reports the lateness beyond the sampling period, not the interval Node records', () => {
    // Node records the time between two runs of its sampling timer: period + lateness.
    const lag = new EventLoopLag(10, recorded([10.2, 10.3, 10.1, 17.5, 10.2]));
    assert.equal(Math.round(lag.percentileMs(50) * 100) / 100, 0.2);
    assert.equal(Math.round(lag.maxMs() * 100) / 100, 7.5);
  });

  it('reads 0, never below, for a timer that ran early or when nothing was recorded', () => {
    assert.equal(new EventLoopLag(5, recorded([4.1, 4.6])).percentileMs(99), 0);
    const empty = new EventLoopLag(5, recorded([]));
    assert.equal(empty.percentileMs(99), 0);
    assert.equal(empty.maxMs(), 0);
  });

  it('starts, stops and forgets through the histogram', () => {
    const histogram = recorded([30]);
    const lag = new EventLoopLag(10, histogram);
    lag.start();
    assert.equal(histogram.enabled, true);
    assert.equal(lag.maxMs(), 20);
    lag.reset();
    assert.equal(lag.maxMs(), 0);
    lag.stop();
    assert.equal(histogram.enabled, false);
  });

  it('refuses a sampling period that is not a whole number of ms', () => {
    assert.throws(() => new EventLoopLag(0), /whole number of ms ≥ 1, got 0/);
    assert.throws(() => new EventLoopLag(2.5), /got 2.5/);
  });

  it("on Node's own histogram, a loop blocked for 60 ms reads at least 55 ms late", async () => {
    const lag = new EventLoopLag(5);
    lag.start();
    await new Promise((resolve) => setTimeout(resolve, 20)); // Node records from the timer's second run on
    const blockedUntil = performance.now() + 60;
    while (performance.now() < blockedUntil); // the stall being measured
    await new Promise((resolve) => setTimeout(resolve, 20)); // lets the late timer run and be recorded
    lag.stop();
    const worst = lag.maxMs();
    assert.ok(worst >= 55, `a 60 ms stall read as ${worst.toFixed(1)} ms`);
  });
});
