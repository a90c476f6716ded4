/**
 * A perfect person through the real boothd process, driven by booth-rig as a test engineer runs
 * it: every step passes, central stores the package, the door ends unlocked, the reports are
 * written and every process the rig started is gone.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive, QUICK_BOOTH, RigSandbox, startedPids } from './runner-cli.ts';

describe('booth-rig run: a perfect person', () => {
  const sandbox = new RigSandbox();
  after(() => sandbox.cleanup());

  it('passes end to end, with the story in the timeline and every process gone', async () => {
    const scenario = sandbox.file(
      'perfect.yaml',
      `name: perfect person
tags: [smoke, session]
${QUICK_BOOTH}steps:
  - person: enter
  - person: { choose-language: en }
  - person: accept-consent
  - person: { declare-missing: [] }
  - expect: { session: review, within: 30000 }
  - person: confirm
  - expect: { ended: completed }
  - expect: { central: { packages: 1, result: COMPLETED, language: en } }
  - expect: { door: unlocked }
  - expect: { sparkplug: { metric: Sessions/Completed, value: 1 } }
  - expect: { outbox: { depth: 0 } }
  - expect: { audit: { event: door.released, reason: session completed } }
`,
    );
    const run = await sandbox.run(['--junit', join(sandbox.dir, 'junit.xml'), '--html', join(sandbox.dir, 'report.html'), scenario]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^PASS +perfect person/m);
    assert.match(run.stdout, /^1 passed, 0 failed$/m);

    const result = run.result!;
    assert.equal(result.rig.devices, 'sim');
    assert.match(result.rig.broker, /^mosquitto/);
    const [only] = result.scenarios;
    assert.equal(only?.status, 'passed');
    assert.deepEqual(only.tags, ['smoke', 'session']);
    assert.equal(only.file, scenario);
    const steps = only.timeline.filter((entry) => entry.kind !== 'event');
    assert.deepEqual(
      steps.map((entry) => [entry.step, entry.kind, entry.text, entry.ok]),
      [
        [1, 'person', 'enter', true],
        [2, 'person', 'choose-language en', true],
        [3, 'person', 'accept-consent', true],
        [4, 'person', 'declare-missing none', true],
        [5, 'expect', 'session review', true],
        [6, 'person', 'confirm', true],
        [7, 'expect', 'ended completed', true],
        [8, 'expect', 'central packages 1 COMPLETED en', true],
        [9, 'expect', 'door unlocked', true],
        [10, 'expect', 'sparkplug Sessions/Completed = 1', true],
        [11, 'expect', 'outbox depth 0', true],
        [12, 'expect', 'audit door.released reason=session completed', true],
      ],
    );
    // What the rig saw on its own tells the story between the steps.
    const events = only.timeline.filter((entry) => entry.kind === 'event').map((entry) => entry.text);
    for (const told of ['session language', 'session fingerprints', 'right-four attempt 1 of 3 accepted', 'door bolt locked', 'door bolt unlocked', 'session ended: completed']) {
      assert.ok(events.includes(told), `no "${told}" event in:\n${events.join('\n')}`);
    }
    assert.ok(events.some((text) => /^Sparkplug NBIRTH rig-booth/.test(text)));
    assert.ok(events.some((text) => /^central stored package /.test(text)));
    assert.ok(only.timeline.every((entry, index, all) => index === 0 || entry.atMs >= all[index - 1]!.atMs), 'timeline out of order');

    // A passed scenario leaves nothing behind without --keep; the reports are there.
    assert.deepEqual(only.artifacts, {});
    assert.match(readFileSync(join(sandbox.dir, 'junit.xml'), 'utf8'), /<testsuite/);
    assert.ok(existsSync(join(sandbox.dir, 'report.html')));
    const pids = startedPids(result);
    assert.equal(pids.length, 2, `expected mosquitto and boothd pids, got ${pids.join(', ')}`);
    assert.deepEqual(pids.filter(isAlive), [], 'a process the rig started is still alive');
  });
});
