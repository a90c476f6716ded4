/**
 * The central broker goes down during a session and comes back after it: the session completes
 * on the booth, the package waits in the outbox, and reaches central once the broker is back.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isAlive, QUICK_BOOTH, RigSandbox, startedPids } from './runner-cli.ts';

describe('booth-rig run: broker down during a session', () => {
  const sandbox = new RigSandbox();
  after(() => sandbox.cleanup());

  it('still delivers the package once the broker is back', async () => {
    const scenario = sandbox.file(
      'broker-outage.yaml',
      `name: broker down during a session
${QUICK_BOOTH}steps:
  - person: enter
  - person: { choose-language: uz }
  - infra: broker-down
  - person: accept-consent
  - person: { declare-missing: [] }
  - expect: { session: review, within: 30000 }
  - person: confirm
  - expect: { ended: completed }
  - expect: { outbox: { depth: 1 } }
  - expect: { central: { packages: 0 } }
  - infra: broker-up
  - expect: { central: { packages: 1, result: COMPLETED, language: uz }, within: 30000 }
  - expect: { outbox: { depth: 0 }, within: 10000 }
  - expect: { door: unlocked }
`,
    );
    const run = await sandbox.run([scenario]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const [only] = run.result!.scenarios;
    assert.equal(only?.status, 'passed');
    const texts = only.timeline.map((entry) => entry.text);
    // The package reached central only after the broker came back.
    assert.ok(texts.indexOf('broker-up') < texts.findIndex((text) => /^central stored package /.test(text)));
    const mosquittos = only.timeline.filter((entry) => /^mosquitto back on port/.test(entry.detail ?? ''));
    assert.equal(mosquittos.length, 1);
    const pids = startedPids(run.result!);
    assert.equal(pids.length, 3, `expected two mosquitto and one boothd pids, got ${pids.join(', ')}`);
    assert.deepEqual(pids.filter(isAlive), []);
  });
});
