/**
 * A scenario whose expectation is not met fails with its step number and what the rig saw; the
 * run exits 1, the next scenario still runs on a fresh booth, and every process is gone.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { isAlive, RigSandbox, startedPids } from './runner-cli.ts';

describe('booth-rig run: a failing expectation', () => {
  const sandbox = new RigSandbox();
  after(() => sandbox.cleanup());

  it('fails that scenario at its step, keeps its logs, runs the next one fresh, exits 1 and leaves no process, even mid-session', async () => {
    const failing = sandbox.file(
      'door-locked-when-idle.yaml',
      `name: the door is locked when idle
steps:
  - expect: { session: idle }
  - expect: { door: locked, within: 800 }
  - person: enter
`,
    );
    const passing = sandbox.file(
      'fresh-booth.yaml',
      `name: a fresh booth afterwards
steps:
  - expect: { session: idle }
  - expect: { door: unlocked }
  - expect: { central: { packages: 0 } }
`,
    );
    // Fails with a session in progress and the door locked: the teardown must still get
    // everything down (boothd by SIGTERM, or SIGKILL when it does not exit in time).
    const midSession = sandbox.file(
      'mid-session.yaml',
      `name: fails mid-session
steps:
  - person: enter
  - expect: { session: language, within: 15000 }
  - expect: { door: unlocked, within: 500 }
`,
    );
    const run = await sandbox.run([failing, passing, midSession]);
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^FAIL +the door is locked when idle/m);
    assert.match(run.stdout, /^PASS +a fresh booth afterwards/m);
    assert.match(run.stdout, /^1 passed, 2 failed$/m);

    const [failed, fresh, locked] = run.result!.scenarios;
    assert.equal(failed?.status, 'failed');
    assert.equal(failed.failure?.step, 2);
    assert.equal(failed.failure?.message, 'expected door locked within 800 ms; bolt unlocked');
    const failedEntry = failed.timeline.find((entry) => entry.step === 2);
    assert.deepEqual([failedEntry?.kind, failedEntry?.text, failedEntry?.ok], ['expect', 'door locked', false]);
    assert.equal(failed.timeline.some((entry) => entry.step === 3), false, 'a step after the failure was played');
    // The teardown ran anyway: boothd stopped on SIGTERM.
    assert.ok(failed.timeline.some((entry) => entry.text === 'boothd exited (code 0)'), 'boothd was not stopped cleanly');
    assert.ok(failed.artifacts.boothdLog && existsSync(failed.artifacts.boothdLog), 'a failed scenario keeps its boothd log');
    assert.ok(failed.artifacts.auditLog && existsSync(failed.artifacts.auditLog), 'a failed scenario keeps its audit log');
    assert.match(readFileSync(failed.artifacts.auditLog, 'utf8').trim().split('\n').at(-1) ?? '', /"event":"boothd\.stopped"/);

    assert.equal(fresh?.status, 'passed');
    assert.equal(locked?.status, 'failed');
    assert.equal(locked.failure?.step, 3);
    assert.equal(locked.failure?.message, 'expected door unlocked within 500 ms; bolt locked');
    assert.ok(locked.timeline.some((entry) => /^boothd exited /.test(entry.text)), 'no boothd exit in the timeline');
    const pids = startedPids(run.result!);
    assert.equal(pids.length, 6, `expected three mosquitto and three boothd pids, got ${pids.join(', ')}`);
    assert.deepEqual(pids.filter(isAlive), [], 'a process the rig started is still alive');
  });
});
