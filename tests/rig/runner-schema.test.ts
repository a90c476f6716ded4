/**
 * booth-rig run refuses bad scenario files before it starts anything: every problem of every
 * file is printed with the file, the key path and what was wrong, and the exit code is 2.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { parseScenario } from '../../runtime/rig/scenario-file.ts';
import { formatProblem } from '../../runtime/rig/schema-problems.ts';
import { RigSandbox } from './runner-cli.ts';

function problems(text: string): string[] {
  const parsed = parseScenario(text, 'bad.yaml');
  assert.equal(parsed.ok, false, 'the scenario should have been refused');
  return parsed.ok ? [] : parsed.problems.map(formatProblem);
}

describe('scenario schema', () => {
  it('names the file and the path of each problem', () => {
    const found = problems(`
name: many mistakes
colour: blue
booth: { session: { timeouts: { captureSecs: 3 } }, door: { maxLockSeconds: 0 } }
steps:
  - persn: enter
  - person: jump
  - person: { finger-quality: 101 }
  - device: { fail-next: { device: scanner, code: EPERM } }
  - expect: { session: review, door: locked }
  - expect: { log: "not a regex" }
  - expect: { door: locked, reason: /x/ }
  - infra: { network-stall: { seconds: 3, extra: 1 } }
  - infra: { clock-jump: { seconds: 0 } }
  - wait: -5
`);
    const expected = [
      'bad.yaml: colour: unknown key',
      'bad.yaml: booth.session.timeouts.captureSecs: unknown key',
      /^bad\.yaml: booth\.door\.maxLockSeconds: .*>=1/,
      /^bad\.yaml: steps\[0\]\.persn: unknown step kind; expected one of person, device, infra, officer, wait, expect$/,
      /^bad\.yaml: steps\[1\]\.person: unknown person action "jump"; expected one of enter, leave, /,
      /^bad\.yaml: steps\[2\]\.person\.finger-quality: .*<=100/,
      /^bad\.yaml: steps\[3\]\.device\.fail-next\.code: .*"ETIMEDOUT"\|"EIO"/,
      /^bad\.yaml: steps\[4\]\.expect: expected only one of .*; got session, door$/,
      /^bad\.yaml: steps\[5\]\.expect\.log: expected a \/regex\//,
      'bad.yaml: steps[6].expect.reason: `reason` goes only with `session`',
      'bad.yaml: steps[7].infra.network-stall.extra: unknown key',
      'bad.yaml: steps[8].infra.clock-jump.seconds: a jump of 0 s does nothing',
      /^bad\.yaml: steps\[9\]\.wait: .*>=0/,
    ];
    assert.equal(found.length, expected.length, found.join('\n'));
    for (const pattern of expected) {
      assert.ok(
        found.some((line) => (typeof pattern === 'string' ? line === pattern : pattern.test(line))),
        `no problem like ${String(pattern)} in:\n${found.join('\n')}`,
      );
    }
  });

  it('requires a name and at least one step, and says so for a YAML syntax error with its line', () => {
    assert.deepEqual(problems('steps: []\n'), ['bad.yaml: name: Invalid input: expected string, received undefined', 'bad.yaml: steps: a scenario needs at least one step']);
    assert.match(problems('name: x\nsteps: [\n')[0] ?? '', /^bad\.yaml: line \d+, column \d+: YAML syntax error/);
  });

  it('turns a valid file into tagged steps with the defaults filled in', () => {
    const parsed = parseScenario(
      `name: fine
tags: [smoke]
steps:
  - person: { declare-missing: [{ finger: 2, reason: bandaged }] }
  - expect: { escalation: /low-quality/, within: 100 }
  - expect: { audit: { event: session.officer, decision: commit, attempt: 2 } }
`,
      'fine.yaml',
    );
    assert.ok(parsed.ok);
    const { scenario } = parsed.loaded;
    assert.equal(scenario.timeoutSeconds, 180);
    assert.deepEqual(scenario.steps[0], { kind: 'person', person: { 'declare-missing': [{ finger: 2, reason: 'bandaged' }] } });
    assert.deepEqual(scenario.steps[1], { kind: 'expect', expect: { withinMs: 100, check: { kind: 'escalation', reason: /low-quality/ } } });
    assert.deepEqual(scenario.steps[2], { kind: 'expect', expect: { withinMs: 5000, check: { kind: 'audit', event: 'session.officer', fields: { decision: 'commit', attempt: '2' } } } });
  });
});

describe('booth-rig run with bad scenario files', () => {
  const sandbox = new RigSandbox();
  after(() => sandbox.cleanup());

  it('prints every problem of every file, starts nothing and exits 2', async () => {
    const good = sandbox.file('good.yaml', 'name: good\nsteps:\n  - person: enter\n');
    const bad = sandbox.file('bad.yaml', 'name: bad\nsteps:\n  - person: { face: smiling }\n  - officer: pardon\n');
    const missing = `${sandbox.dir}/missing.yaml`;
    const run = await sandbox.run([good, bad, missing], 30_000);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^${bad}: steps\\[0\\]\\.person\\.face: .*"present"`, 'm'));
    assert.match(run.stderr, new RegExp(`^${bad}: steps\\[1\\]\\.officer: .*"resume"\\|"commit"\\|"discard"`, 'm'));
    assert.match(run.stderr, new RegExp(`^${missing}: \\(file\\): cannot read: ENOENT`, 'm'));
    assert.match(run.stderr, /3 problems in the scenario files; nothing was run/);
    assert.doesNotMatch(run.stderr, /mosquitto|boothd started/);
    assert.equal(run.result, undefined, 'no result written');
    // Nothing started means no work dir either (the rig's TMPDIR is the sandbox).
    assert.deepEqual(readdirSync(sandbox.dir).filter((name) => name.startsWith('booth-rig-')), []);
  });

  it('exits 64 on a bad command line', async () => {
    const none = await sandbox.run([], 30_000);
    assert.equal(none.code, 64);
    assert.match(none.stderr, /run needs at least one scenario file\nusage: booth-rig run /);
    const unknown = await sandbox.run(['--fast', 'x.yaml'], 30_000);
    assert.equal(unknown.code, 64);
  });
});
