/**
 * The scripted simulated people, each on a fresh simulated booth in fake time. Each
 * asserts the state path, what reached the outbox, and the door (guard state and the simulated
 * bolt) at every step.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimFingerprintScanner } from '../../simulator/devices/sim-fingerprint.ts';
import type { SimSensors } from '../../simulator/devices/sim-sensors.ts';
import { sessionFixture, type SessionFixture, type StepRecord } from '../support/session-fixture.ts';

const FULL_PATH = ['idle', 'precheck', 'language', 'consent', 'missing-fingers', 'fingerprints', 'palms', 'face', 'signature', 'review', 'committing', 'goodbye', 'idle'];
const SESSION_STATES = new Set(['language', 'consent', 'document', 'missing-fingers', 'fingerprints', 'palms', 'face', 'signature', 'review', 'committing']);

/** Locked (guard and bolt) in every step of the session; unlocked before and after it. */
function assertDoorFollowsSession(path: readonly StepRecord[], lockedUntil?: string): void {
  let unlockedFromHere = false;
  for (const step of path) {
    if (lockedUntil && step.state === lockedUntil) unlockedFromHere = true;
    const inSession = SESSION_STATES.has(step.state) && !unlockedFromHere;
    if (inSession) assert.deepEqual([step.state, step.door, step.bolt], [step.state, 'locked', 'locked'], 'door must be locked during the session');
    else if (step.state !== 'precheck') assert.equal(step.bolt, 'unlocked', `door must be unlocked in ${step.state}`);
  }
}

async function withBooth(test: (fixture: SessionFixture) => Promise<void>, options?: Parameters<typeof sessionFixture>[0]): Promise<void> {
  const fixture = await sessionFixture(options);
  try {
    await test(fixture);
  } finally {
    await fixture.cleanup();
  }
}

describe('scripted people', () => {
  it('a perfect person gives everything; one package with every capture reaches the outbox', () =>
    withBooth(async (fixture) => {
      const person = fixture.person({ name: 'perfect', language: 'uz', fingerQuality: 80 });
      person.enter();
      await fixture.untilEnded(1);
      await fixture.untilState('idle');
      assert.deepEqual(fixture.states(), FULL_PATH);
      assertDoorFollowsSession(fixture.path);
      assert.deepEqual(person.refused, []);
      const [pkg, ...others] = fixture.outboxPackages();
      assert.equal(others.length, 0);
      assert.equal(pkg!.language, 'uz');
      assert.deepEqual(pkg!.consent, { given: true, textVersion: '2026-11', atMs: pkg!.consent.atMs });
      assert.equal(pkg!.outcome.result, 'COMPLETED');
      assert.deepEqual(pkg!.captures.map((c) => `${c.kind}-${c.position}-a${c.attempt}`), ['SLAP-13-a1', 'SLAP-14-a1', 'SLAP-15-a1', 'PALM-21-a1', 'PALM-23-a1', 'FACE-0-a1', 'SIGNATURE-0-a1']);
      assert.deepEqual(pkg!.captures[0]!.segments.map((s) => s.position), [2, 3, 4, 5]);
      const summary = fixture.summaries[0]!;
      assert.equal(summary.outcome, 'completed');
      assert.equal(summary.committed, true);
      assert.equal(summary.sessionId, pkg!.packageId);
      assert.deepEqual(summary.attempts, { 'right-four': 1, 'left-four': 1, 'two-thumbs': 1, 'right-full': 1, 'left-full': 1, face: 1, signature: 1 });
      const doorAudit = fixture.audit().filter((entry) => entry.event === 'door.locked' || entry.event === 'door.released').map((entry) => entry.event);
      assert.deepEqual(doorAudit, ['door.released', 'door.locked', 'door.released']);
    }));

  it('a person with two missing fingers declares them; the slaps leave them out and the package says why', () =>
    withBooth(async (fixture) => {
      const person = fixture.person({
        name: 'two missing',
        language: 'tg',
        missing: [
          { position: 3, reason: 'bandaged' },
          { position: 9, reason: 'amputated' },
        ],
      });
      person.enter();
      await fixture.untilEnded(1);
      await fixture.untilState('idle');
      assert.deepEqual(fixture.states(), FULL_PATH);
      assertDoorFollowsSession(fixture.path);
      const [pkg] = fixture.outboxPackages();
      assert.deepEqual(pkg!.missingFingers, [
        { position: 3, reason: 'BANDAGED' },
        { position: 9, reason: 'AMPUTATED' },
      ]);
      const slaps = pkg!.captures.filter((capture) => capture.kind === 'SLAP');
      assert.deepEqual(slaps.map((slap) => slap.segments.map((s) => s.position)), [[2, 4, 5], [7, 8, 10], [1, 6]]);
      assert.ok(slaps.every((slap) => slap.attempt === 1), 'declared fingers are not asked for again');
      assert.equal(fixture.summaries[0]!.missingFingers, 2);
    }));

  it('a person who puts the wrong hand is told so and the second attempt is kept', () =>
    withBooth(async (fixture) => {
      const problems: string[][] = [];
      fixture.session.on('quality', (feedback) => {
        if (feedback.target.kind === 'slap') problems.push(feedback.problems);
      });
      const person = fixture.person({ name: 'wrong hand', language: 'ru', wrongHandAttempts: 1, pressesRetry: true });
      person.enter();
      await fixture.untilEnded(1);
      await fixture.untilState('idle');
      assert.deepEqual(fixture.states(), FULL_PATH);
      assertDoorFollowsSession(fixture.path);
      assert.deepEqual(problems, [['wrong-hand'], [], [], []]);
      const [pkg] = fixture.outboxPackages();
      const rightFour = pkg!.captures.find((capture) => capture.position === 13)!;
      assert.equal(rightFour.attempt, 2);
      assert.deepEqual(rightFour.segments.map((s) => s.position), [2, 3, 4, 5]);
      assert.equal(fixture.summaries[0]!.attempts['right-four'], 2);
    }));

  it('a person who leaves midway: the session is abandoned, nothing is kept, the door opens', () =>
    withBooth(async (fixture) => {
      const person = fixture.person({ name: 'leaves', language: 'en', leavesAt: 'palms' });
      person.enter();
      await fixture.untilEnded(1);
      await fixture.untilState('idle');
      assert.deepEqual(fixture.states(), ['idle', 'precheck', 'language', 'consent', 'missing-fingers', 'fingerprints', 'palms', 'idle']);
      assertDoorFollowsSession(fixture.path);
      assert.equal(fixture.summaries[0]!.outcome, 'abandoned');
      assert.equal(fixture.summaries[0]!.reason, 'the person left the booth');
      assert.deepEqual(fixture.outboxPackages(), []);
      assert.equal(fixture.booth.door.state, 'released');
    }));

  it("a person whose scanner dies mid-slap: escalation, door open, an officer's discard keeps nothing", () =>
    withBooth(async (fixture) => {
      const scanner = fixture.sim<SimFingerprintScanner>('scanner');
      let unplugged = false;
      fixture.session.on('preview', (frame) => {
        if (frame.source === 'fingerprint' && !unplugged) {
          unplugged = true;
          scanner.unplug();
        }
      });
      const person = fixture.person({ name: 'scanner dies', language: 'kk' });
      person.enter();
      await fixture.untilState('escalated');
      assert.deepEqual(fixture.states(), ['idle', 'precheck', 'language', 'consent', 'missing-fingers', 'fingerprints', 'escalated']);
      assertDoorFollowsSession(fixture.path);
      assert.match(fixture.session.snapshot().reason ?? '', /^device fault: scanner (ENODEV|ECANCELED|EIO)/);
      assert.equal(fixture.summaries[0]!.outcome, 'escalated');
      assert.deepEqual(fixture.outboxPackages(), [], 'an escalated session waits for the officer');
      const escalation = fixture.audit().find((entry) => entry.event === 'session.escalated');
      assert.ok(escalation, 'escalation is audited');
      fixture.session.officer('discard', 'officer-7');
      await fixture.untilState('idle');
      assert.deepEqual(fixture.outboxPackages(), []);
      person.leave();
    }));

  it('a fire alarm during the face photo: the door opens at once, the session is dropped, the screen says leave', () =>
    withBooth(async (fixture) => {
      const sensors = fixture.sim<SimSensors>('sensors');
      const person = fixture.person({ name: 'fire', language: 'ka', when: { face: () => sensors.setFireAlarm(true) } });
      person.enter();
      await fixture.untilState('fire-alarm');
      assert.deepEqual(fixture.states(), ['idle', 'precheck', 'language', 'consent', 'missing-fingers', 'fingerprints', 'palms', 'face', 'fire-alarm']);
      assertDoorFollowsSession(fixture.path);
      assert.equal(fixture.booth.door.state, 'released');
      assert.equal(fixture.summaries[0]!.outcome, 'fire-alarm');
      assert.deepEqual(fixture.outboxPackages(), []);
      // The screen stays on the alarm until it clears, whoever is inside.
      await fixture.clock.advance(60_000);
      assert.equal(fixture.session.state, 'fire-alarm');
      sensors.setFireAlarm(false);
      await fixture.untilState('idle');
    }));
});
