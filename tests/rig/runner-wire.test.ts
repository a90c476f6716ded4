/**
 * booth-rig on the wire booth (RIG.yaml `devices: wire`): the real bin/booth-rig runs library
 * scenarios against the real boothd on the REAL drivers of config/booth.example.yaml — Firmata
 * lock and sensors, signature pad, env sensor and DMX widget on socat PTY pairs with their twins
 * in the rig, scanner and camera on the simulated vendor SDK — and each scenario's JUnit outcome
 * and summary line are as expected; a scenario with a step the wire booth cannot play comes out
 * `error` with the step, the device and why, before anything started. Every process the rig
 * started (boothd, mosquitto, socat) is gone afterwards.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { simBioSdkLibraryPath } from '../../simulator/sdk/controls.ts';
import { isAlive, RigSandbox, startedPids } from './runner-cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SCENARIOS = [
  'perfect-person-languages',
  'exit-button-during-session',
  'fire-alarm-during-photo',
  'person-leaves-midway',
  'scanner-unplugged-mid-slap',
  'pad-unplugged-mid-session',
];

/** `<testcase classname=… name=…>` → whether it holds a failure or an error. */
function junitOutcomes(xml: string): Map<string, 'passed' | 'failure' | 'error'> {
  const outcomes = new Map<string, 'passed' | 'failure' | 'error'>();
  for (const match of xml.matchAll(/<testcase classname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[3] ?? '';
    outcomes.set(match[1]!, body.includes('<failure') ? 'failure' : body.includes('<error') ? 'error' : 'passed');
  }
  return outcomes;
}

describe('booth-rig run on the wire booth (devices: wire)', () => {
  const sandbox = new RigSandbox();
  after(() => sandbox.cleanup());
  const rig = sandbox.file('RIG.yaml', 'devices: wire\n');

  it('passes library scenarios on the real drivers against the wire-level twins', { timeout: 240_000 }, async () => {
    simBioSdkLibraryPath(); // make test builds it (make sdk); says so when it is missing
    const junit = join(sandbox.dir, 'wire.xml');
    const files = SCENARIOS.map((name) => join(ROOT, 'scenarios', `${name}.yaml`));
    const run = await sandbox.run(['--rig', rig, '--junit', junit, ...files], 200_000);
    const failed = run.result?.scenarios.filter((scenario) => scenario.status !== 'passed') ?? [];
    assert.deepEqual(
      failed.map((scenario) => `${scenario.file}: ${scenario.status}: ${scenario.failure?.message}`),
      [],
      `summary:\n${run.stdout}\nstderr tail:\n${run.stderr.slice(-4000)}`,
    );
    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual(
      [...junitOutcomes(readFileSync(junit, 'utf8'))],
      SCENARIOS.map((name) => [name, 'passed']),
    );
    assert.match(run.stdout, new RegExp(`^${SCENARIOS.length} passed, 0 failed$`, 'm'));
    assert.match(run.stdout, /devices wire: the real drivers of .*booth\.example\.yaml against wire-level twins/);

    // The booth really was the wire booth: real drivers, twins on PTYs, the simulated SDK.
    const timeline = run.result!.scenarios[0]!.timeline.map((entry) => `${entry.text} ${entry.detail ?? ''}`).join('\n');
    assert.match(timeline, /twin: StandardFirmata 2\.5 board .* for door, sensors on \/dev\/booth-io \(socat pid \d+\)/);
    assert.match(timeline, /twin: BSP\/1 signature pad, for pad on \/dev\/booth-pad/);
    assert.match(timeline, /vendor SDK: the simulated one/);
    const exit = run.result!.scenarios[1]!.timeline.map((entry) => `${entry.text} ${entry.detail ?? ''}`).join('\n');
    assert.match(exit, /wrong-hand true .*scanner BSF442-000117 on the simulated SDK/);
    const pad = run.result!.scenarios[5]!.timeline.map((entry) => `${entry.text} ${entry.detail ?? ''}`).join('\n');
    assert.match(pad, /unplug pad .*booth,serial-signature-pad on \/dev\/booth-pad\): the pad is unplugged/);

    const pids = startedPids(run.result!);
    assert.ok(pids.length >= SCENARIOS.length * 6, `boothd, mosquitto and 4 socat per scenario: ${pids.length}`);
    assert.deepEqual(pids.filter(isAlive), [], 'every process the rig started is gone');
  });

  it('makes a scenario with a step the wire booth cannot play `error`, naming the step, the device and why, and starts nothing', { timeout: 60_000 }, async () => {
    const file = sandbox.file(
      'lock-answers-eio.yaml',
      `name: the lock answers EIO
description: A StandardFirmata board has no error answers, so this cannot be played on the wire.
tags: [fault:device]
timeoutSeconds: 30
steps:
  - person: enter
  - expect: { session: language }
  - device: { fail-next: { device: door, code: EIO } }
  - expect: { door: unlocked }
`,
    );
    const junit = join(sandbox.dir, 'refused.xml');
    const run = await sandbox.run(['--rig', rig, '--junit', junit, file], 30_000);
    assert.equal(run.code, 1, run.stdout);
    const [scenario] = run.result!.scenarios;
    assert.equal(scenario!.status, 'error');
    assert.match(scenario!.failure!.message, /^step 3 fail-next on door \(firmata,door-lock on \/dev\/booth-io\): a StandardFirmata board has no error answers .* EIO/);
    assert.match(scenario!.failure!.message, /nothing was started$/);
    assert.deepEqual(startedPids(run.result!), [], 'no mosquitto, socat or boothd was started');
    assert.deepEqual([...junitOutcomes(readFileSync(junit, 'utf8'))], [['lock-answers-eio', 'error']]);
    assert.match(readFileSync(junit, 'utf8'), /<error message="step 3 fail-next on door/);
    assert.match(run.stdout, /^ERROR +the lock answers EIO/m);
  });
});
