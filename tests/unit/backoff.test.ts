import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from '../../hal/backoff.ts';

describe('backoff', () => {
  const policy = { initialMs: 500, maxMs: 30_000, jitter: 0.3 };

  it('doubles per attempt up to the cap when there is no jitter', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, policy, () => 0));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('keeps jittered delays within [1 - jitter, 1] of the exponential value', () => {
    assert.equal(backoffDelay(2, policy, () => 1), 1400);
    assert.equal(backoffDelay(2, policy, () => 0.5), 1700);
    for (let i = 0; i < 200; i += 1) {
      const delay = backoffDelay(3, policy, Math.random);
      assert.ok(delay >= 2800 && delay <= 4000, `delay ${delay}`);
    }
  });

  it('honours a custom factor', () => {
    assert.equal(backoffDelay(2, { ...policy, factor: 3, jitter: 0 }, () => 0), 4500);
  });
});
