/**
 * A touchscreen action the session does not offer: the rig gives the screen its chance to offer
 * it, then sends it anyway, and boothd's EORDER refusal fails the step with boothd's message.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RigSandbox } from './runner-cli.ts';

describe('booth-rig run: an out-of-order action', () => {
  const sandbox = new RigSandbox();
  after(() => sandbox.cleanup());

  it('fails the step with boothd EORDER message', async () => {
    const scenario = sandbox.file('confirm-while-idle.yaml', 'name: confirm while idle\nsteps:\n  - expect: { session: idle }\n  - person: confirm\n');
    const run = await sandbox.run([scenario]);
    assert.equal(run.code, 1, run.stderr);
    const [only] = run.result!.scenarios;
    assert.equal(only?.status, 'failed');
    assert.deepEqual(only.failure, {
      step: 2,
      message: 'boothd refused "confirm": EORDER action "confirm" is not allowed in state "idle"; allowed: start, touch',
    });
  });
});
