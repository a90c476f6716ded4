/**
 * A power cut in the middle of the fingerprints: boothd dies with SIGKILL while the door is
 * locked, the fail-safe lock drops its bolt, and after power-on the booth is idle and unlocked.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isAlive, QUICK_BOOTH, RigSandbox, startedPids } from './runner-cli.ts';

describe('booth-rig run: power cut during the fingerprints', () => {
  const sandbox = new RigSandbox();
  after(() => sandbox.cleanup());

  it('leaves the door unlocked and the booth idle again after power-on', async () => {
    const scenario = sandbox.file(
      'power-cut.yaml',
      `name: power cut during fingerprints
${QUICK_BOOTH}steps:
  # The scanner answers slowly, so the session is sure to be in the fingerprints at the cut.
  - device: { slow: { device: scanner, latencyMs: 20000 } }
  - person: enter
  - person: { choose-language: tg }
  - person: accept-consent
  - person: { declare-missing: [] }
  - expect: { session: fingerprints }
  - expect: { door: locked }
  - infra: power-cut
  - expect: { door: unlocked }
  - infra: power-on
  - expect: { session: idle, within: 15000 }
  - expect: { door: unlocked }
  - expect: { audit: { event: door.released, reason: startup } }
  - expect: { central: { packages: 0 } }
`,
    );
    const run = await sandbox.run([scenario]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const [only] = run.result!.scenarios;
    assert.equal(only?.status, 'passed');
    const texts = only.timeline.map((entry) => entry.text);
    const cut = texts.indexOf('power-cut');
    assert.ok(cut > 0);
    assert.ok(texts.slice(0, cut).includes('boothd exited (SIGKILL)'), 'boothd was not killed by the cut');
    const boothds = texts.filter((text) => /^boothd started \(pid \d+\)$/.test(text));
    assert.equal(boothds.length, 2, 'power-on did not start a second boothd');
    assert.deepEqual(startedPids(run.result!).filter(isAlive), []);
  });
});
