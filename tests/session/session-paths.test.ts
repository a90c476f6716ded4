/**
 * Every other way a session goes: refusal, out of service, repeated failure and the officer's
 * three decisions, inactivity, cancel, the document step, the exit button, a full outbox,
 * refused actions, and the Sparkplug metrics and alarms they raise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionActionError } from '../../protocols/kiosk/session-contract.ts';
import type { SimCamera } from '../../simulator/devices/sim-camera.ts';
import type { SimFingerprintScanner } from '../../simulator/devices/sim-fingerprint.ts';
import type { SimSensors } from '../../simulator/devices/sim-sensors.ts';
import { sessionFixture, type SessionFixture } from '../support/session-fixture.ts';

async function withBooth(test: (fixture: SessionFixture) => Promise<void>, options?: Parameters<typeof sessionFixture>[0]): Promise<void> {
  const fixture = await sessionFixture(options);
  try {
    await test(fixture);
  } finally {
    await fixture.cleanup();
  }
}

const metric = (fixture: SessionFixture, name: string) => fixture.booth.sparkplug.model.node.get(name)?.value;

describe('session paths', () => {
  it('declined consent: refused, nothing kept, door open, idle once the person has left', () =>
    withBooth(async (fixture) => {
      fixture.person({ name: 'declines', language: 'fr', consents: false }).enter();
      await fixture.untilEnded(1);
      await fixture.untilState('idle');
      assert.deepEqual(fixture.states(), ['idle', 'precheck', 'language', 'consent', 'refused', 'idle']);
      assert.equal(fixture.path.find((step) => step.state === 'refused')!.bolt, 'unlocked');
      assert.equal(fixture.summaries[0]!.outcome, 'refused');
      assert.deepEqual(fixture.outboxPackages(), []);
      assert.equal(metric(fixture, 'Sessions/Refused'), 1n);
    }));

  it('a device missing at the start: out of service with the reason and an alarm, door open; back in service when it returns', () =>
    withBooth(async (fixture) => {
      const camera = fixture.sim<SimCamera>('camera');
      camera.unplug();
      await fixture.untilState('out-of-service', 10_000); // the idle booth notices the lost camera by itself
      assert.match(fixture.session.snapshot().reason ?? '', /^camera \(camera\) is lost/);
      assert.equal(metric(fixture, 'Session/Out Of Service'), true);
      assert.match(String(metric(fixture, 'Session/Out Of Service Reason')), /camera/);
      assert.equal(fixture.booth.door.state, 'released');
      const person = fixture.person({ name: 'arrives while broken', language: 'de' });
      person.enter();
      await fixture.clock.advance(2000);
      assert.equal(fixture.session.state, 'out-of-service', 'nobody is let in while a device is missing');
      camera.replug();
      await fixture.untilState('idle', 60_000);
      assert.equal(metric(fixture, 'Session/Out Of Service'), false);
      // The person who was sent to the desk is not pulled into a session; the next one who comes is.
      await fixture.clock.advance(1000);
      assert.equal(fixture.session.state, 'idle');
      person.leave();
      await fixture.clock.advance(100);
      fixture.person({ name: 'next', language: 'de' }).enter();
      await fixture.untilEnded(1);
      assert.equal(fixture.summaries[0]!.outcome, 'completed');
    }));

  it('three bad slaps escalate with the reason and an alarm; the officer resumes and the session completes', () =>
    withBooth(async (fixture) => {
      const scanner = fixture.sim<SimFingerprintScanner>('scanner');
      const person = fixture.person({ name: 'worn ridges', language: 'ky', fingerQuality: 5 });
      person.enter();
      await fixture.untilState('escalated');
      assert.equal(fixture.session.snapshot().reason, 'right-four not accepted after 3 attempts (low-quality)');
      assert.equal(metric(fixture, 'Session/Escalated'), true);
      assert.equal(metric(fixture, 'Session/Escalation Reason'), 'right-four not accepted after 3 attempts (low-quality)');
      assert.equal(fixture.path.find((step) => step.state === 'escalated')!.bolt, 'unlocked');
      assert.equal(fixture.summaries[0]!.attempts['right-four'], 3);
      // The officer cleans the platen and lets the person try again.
      scanner.setAllFingersQuality(75);
      fixture.session.officer('resume', 'officer-1');
      await fixture.untilEnded(2);
      assert.equal(fixture.summaries[1]!.outcome, 'completed');
      assert.equal(metric(fixture, 'Session/Escalated'), false);
      const [pkg] = fixture.outboxPackages();
      assert.equal(pkg!.packageId, fixture.summaries[0]!.sessionId, 'the resumed session is the same session');
      assert.equal(pkg!.captures.filter((capture) => capture.kind === 'SLAP').length, 3);
      assert.ok(fixture.audit().some((entry) => entry.event === 'session.officer' && entry.decision === 'resume'));
    }));

  it('help: escalated; the officer commits what there is as an ESCALATED package', () =>
    withBooth(async (fixture) => {
      let asked = false;
      fixture.session.on('state', (snapshot) => {
        if (snapshot.state === 'face' && !asked) {
          asked = true;
          queueMicrotask(() => fixture.session.act({ action: 'help' }));
        }
      });
      fixture.person({ name: 'asks for help', language: 'zh' }).enter();
      await fixture.untilState('escalated');
      assert.equal(fixture.session.snapshot().reason, 'the person asked for help');
      fixture.session.officer('commit', 'officer-2');
      await fixture.untilState('idle');
      const [pkg] = fixture.outboxPackages();
      assert.equal(pkg!.outcome.result, 'ESCALATED');
      assert.equal(pkg!.outcome.reason, 'the person asked for help');
      assert.ok(pkg!.captures.some((capture) => capture.kind === 'PALM'));
      assert.ok(!pkg!.captures.some((capture) => capture.kind === 'FACE'));
      assert.throws(() => fixture.session.officer('discard', 'officer-2'), /no escalated session/);
    }));

  it('nobody answers: "are you still there?", then abandoned; a touch in between keeps the session', () =>
    withBooth(async (fixture) => {
      const prompts: string[] = [];
      fixture.session.on('prompt', (prompt) => prompts.push(prompt.key));
      const sensors = fixture.sim<SimSensors>('sensors');
      sensors.setOccupied(true); // someone stands there and never touches the screen… at first
      await fixture.untilState('language');
      await fixture.clock.advance(30_000);
      assert.equal(prompts.at(-1), 'inactivity.still-there');
      fixture.session.act({ action: 'touch' });
      await fixture.clock.advance(10);
      assert.equal(prompts.at(-1), 'language.choose', 'the instruction comes back after a touch');
      await fixture.clock.advance(39_000);
      assert.equal(fixture.session.state, 'language');
      await fixture.clock.advance(2_000);
      await fixture.untilEnded(1);
      assert.equal(fixture.summaries[0]!.outcome, 'abandoned');
      assert.equal(fixture.summaries[0]!.reason, 'no answer on the screen');
      assert.equal(fixture.booth.door.state, 'released');
    }));

  it('an accepted capture stays on screen for acceptedPauseSeconds before the next instruction', () =>
    withBooth(async (fixture) => {
      const prompts: Array<{ key: string; at: number }> = [];
      fixture.session.on('prompt', (prompt) => prompts.push({ key: prompt.key, at: fixture.clock.now() }));
      fixture.person({ name: 'perfect', language: 'en' }).enter();
      await fixture.untilEnded(1);
      const accepted = prompts.findIndex((prompt) => prompt.key === 'fingers.accepted');
      assert.equal(prompts[accepted + 1]!.key, 'fingers.left-four');
      assert.ok(prompts[accepted + 1]!.at - prompts[accepted]!.at >= 1500, 'the person has time to see the verdict and lift the hand');
    }));

  it('stopping boothd mid-session ends it at once: no goodbye wait holds the shutdown', () =>
    withBooth(async (fixture) => {
      fixture.person({ name: 'interrupted', language: 'en' }).enter();
      await fixture.untilState('palms');
      const stopped = fixture.session.stop();
      await fixture.clock.drive(stopped, 1000); // the goodbye screen alone would take 10 s
      assert.equal(fixture.summaries[0]!.outcome, 'cancelled');
      assert.equal(fixture.summaries[0]!.reason, 'boothd stopping');
      assert.equal(fixture.booth.door.state, 'released');
      assert.deepEqual(fixture.outboxPackages(), []);
    }));

  it('cancel: a goodbye that says nothing was kept', () =>
    withBooth(async (fixture) => {
      const prompts: string[] = [];
      fixture.session.on('prompt', (prompt) => prompts.push(prompt.key));
      fixture.person({ name: 'cancels', language: 'tr', when: { palms: () => queueMicrotask(() => fixture.session.act({ action: 'cancel' })) } }).enter();
      await fixture.untilEnded(1);
      await fixture.untilState('idle');
      assert.equal(fixture.summaries[0]!.outcome, 'cancelled');
      assert.deepEqual(prompts.slice(-2), ['cancelled.goodbye', 'idle.welcome']);
      assert.equal(fixture.path.find((step) => step.state === 'goodbye')!.bolt, 'unlocked');
      assert.deepEqual(fixture.outboxPackages(), []);
    }));

  it('the document step reads the passport MRZ into the package and never into a log', () =>
    withBooth(
      async (fixture) => {
        const mrz = ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'];
        fixture.person({ name: 'with passport', language: 'ro', passportMrz: mrz }).enter();
        await fixture.untilEnded(1);
        assert.deepEqual(fixture.states().slice(0, 6), ['idle', 'precheck', 'language', 'consent', 'document', 'missing-fingers']);
        const [pkg] = fixture.outboxPackages();
        assert.deepEqual(pkg!.document, { kind: 'MRZ', text: mrz.join('\n'), readAtMs: pkg!.document!.readAtMs });
        const logged = JSON.stringify(fixture.lines) + JSON.stringify(fixture.audit());
        assert.ok(!logged.includes('ERIKSSON') && !logged.includes('L898902C3'), 'the MRZ must not reach a log or the audit trail');
      },
      { sessionYaml: '  document: { read: mrz }' },
    ));

  it('the exit button opens the door mid-session; the session goes on unlocked and completes', () =>
    withBooth(async (fixture) => {
      const sensors = fixture.sim<SimSensors>('sensors');
      fixture.person({ name: 'presses exit', language: 'uk', when: { palms: () => sensors.pressExitButton() } }).enter();
      await fixture.untilEnded(1);
      assert.equal(fixture.summaries[0]!.outcome, 'completed');
      const face = fixture.path.find((step) => step.state === 'face')!;
      assert.equal(face.bolt, 'unlocked');
      assert.ok(fixture.audit().some((entry) => entry.event === 'door.released' && entry.reason === 'exit button'));
      assert.equal(fixture.outboxPackages().length, 1);
    }));

  it('a full outbox refuses new sessions with the reason (nothing old is dropped)', () =>
    withBooth(
      async (fixture) => {
        fixture.person({ name: 'too late', language: 'en' }).enter();
        await fixture.untilState('out-of-service');
        assert.match(fixture.session.snapshot().reason ?? '', /^outbox full: /);
        assert.equal(fixture.booth.door.state, 'released');
      },
      { extraYaml: 'outbox: { maxBytes: 1048576 }' },
    ));

  it('refuses out-of-order and malformed actions with a named error, and keeps going', () =>
    withBooth(async (fixture) => {
      assert.throws(
        () => fixture.session.act({ action: 'confirm' }),
        (error: unknown) => error instanceof SessionActionError && error.code === 'EORDER' && /"confirm" is not possible in state idle; allowed: start, touch/.test(error.message),
      );
      fixture.sim<SimSensors>('sensors').setOccupied(true);
      await fixture.untilState('language');
      assert.throws(
        () => fixture.session.act({ action: 'choose-language', language: 'xx' as 'ru' }),
        (error: unknown) => error instanceof SessionActionError && error.code === 'EBADMSG' && /language "xx"/.test(error.message),
      );
      fixture.session.act({ action: 'choose-language', language: 'ru' });
      await fixture.untilState('consent');
      fixture.session.act({ action: 'accept-consent' });
      await fixture.untilState('missing-fingers');
      assert.throws(
        () => fixture.session.act({ action: 'declare-missing', fingers: [{ position: 11, reason: 'bandaged' }] }),
        (error: unknown) => error instanceof SessionActionError && error.code === 'EBADMSG' && /fingers\[0\]\.position/.test(error.message),
      );
      assert.throws(
        () => fixture.session.act({ action: 'declare-missing', fingers: [{ position: 2, reason: 'bandaged' }, { position: 2, reason: 'amputated' }] }),
        /finger 2 is declared twice/,
      );
      assert.equal(fixture.session.state, 'missing-fingers');
    }));

  it('reports per-step durations, attempts and quality as Sparkplug metrics', () =>
    withBooth(async (fixture) => {
      fixture.person({ name: 'perfect', language: 'en', fingerQuality: 66 }).enter();
      await fixture.untilEnded(1);
      await fixture.untilState('idle');
      assert.equal(metric(fixture, 'Sessions/Completed'), 1n);
      assert.equal(metric(fixture, 'Sessions/Per Hour'), 1);
      assert.equal(metric(fixture, 'Session/Last Outcome'), 'completed');
      assert.ok(Number(metric(fixture, 'Session/Step/fingerprints/Last ms')) > 0);
      assert.equal(metric(fixture, 'Session/Capture/right-four/Attempts'), 1);
      assert.equal(metric(fixture, 'Session/Capture/right-four/Quality'), 66);
      assert.equal(metric(fixture, 'Session/State'), 'idle');
      const summaryLine = fixture.lines.find((line) => /^session .* completed/.test(line.msg));
      assert.ok(summaryLine, 'a summary log line per session');
    }));
});
