import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { EdgeModel } from '../../protocols/sparkplug/metric-model.ts';
import type { SessionEvents, SessionSnapshot, SessionSummary } from '../../protocols/kiosk/session-contract.ts';
import { SessionMetrics } from '../../runtime/session/session-metrics.ts';
import { FakeClock } from '../support/fake-clock.ts';

const snapshot = (state: SessionSnapshot['state'], extra: Partial<SessionSnapshot> = {}): SessionSnapshot => ({
  state, steps: [], stepIndex: 0, allowedActions: [], door: 'released', missingFingers: [], ...extra,
});
const summary = (outcome: SessionSummary['outcome']): SessionSummary => ({
  sessionId: 's', outcome, durationMs: 120_000, stepDurationsMs: { fingerprints: 40_000 }, attempts: { 'right-four': 2 }, quality: { 'right-four': 55 }, missingFingers: 0, committed: outcome === 'completed',
});

describe('session metrics', () => {
  it('counts outcomes, keeps the hourly rate over a trailing hour, and raises the two alarms with their reasons', async () => {
    const clock = new FakeClock();
    const model = new EdgeModel();
    const source = new EventEmitter<SessionEvents>();
    new SessionMetrics(model, source, clock);
    const value = (name: string) => model.node.get(name)?.value;
    source.emit('ended', summary('completed'));
    await clock.advance(30 * 60_000);
    source.emit('ended', summary('completed'));
    source.emit('ended', summary('abandoned'));
    assert.equal(value('Sessions/Completed'), 2n);
    assert.equal(value('Sessions/Abandoned'), 1n);
    assert.equal(value('Sessions/Per Hour'), 2);
    assert.equal(value('Session/Step/fingerprints/Last ms'), 40_000n);
    assert.equal(value('Session/Capture/right-four/Attempts'), 2);
    assert.equal(value('Session/Last Duration s'), 120);
    await clock.advance(31 * 60_000);
    source.emit('state', snapshot('idle'));
    assert.equal(value('Sessions/Per Hour'), 1, 'the first session has left the trailing hour');
    source.emit('state', snapshot('out-of-service', { reason: 'camera (camera) is lost' }));
    assert.deepEqual([value('Session/Out Of Service'), value('Session/Out Of Service Reason')], [true, 'camera (camera) is lost']);
    source.emit('state', snapshot('escalated', { sessionId: 's', reason: 'help' }));
    assert.deepEqual([value('Session/Escalated'), value('Session/Escalation Reason'), value('Session/Out Of Service')], [true, 'help', false]);
    source.emit('state', snapshot('idle'));
    assert.deepEqual([value('Session/Escalated'), value('Session/Escalation Reason')], [false, '']);
  });
});
