/**
 * The whole scenario library, played by the real booth-rig against the real boothd: what a
 * booth build must pass. Two rig processes share the files (each scenario still gets a booth of
 * its own); their JUnit and HTML reports are kept as test artifacts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { RigSandbox } from './runner-cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const ARTIFACTS = process.env.RIG_ARTIFACTS_DIR ?? join(ROOT, 'test-artifacts', 'booth-rig');

describe('the scenario library', () => {
  const sandboxes = [new RigSandbox(), new RigSandbox()];
  after(() => sandboxes.forEach((sandbox) => sandbox.cleanup()));

  it('passes every scenario on the simulated booth', { timeout: 600_000 }, async () => {
    const files = readdirSync(join(ROOT, 'scenarios')).filter((file) => file.endsWith('.yaml')).sort().map((file) => join(ROOT, 'scenarios', file));
    assert.ok(files.length >= 20, `a library of ${files.length} scenarios`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const halves = [files.filter((_, index) => index % 2 === 0), files.filter((_, index) => index % 2 === 1)];
    const runs = await Promise.all(
      halves.map((half, index) =>
        sandboxes[index]!.run(['--junit', join(ARTIFACTS, `junit-${index + 1}.xml`), '--html', join(ARTIFACTS, `report-${index + 1}.html`), ...half], 540_000),
      ),
    );
    const failed = runs.flatMap((run) => run.result?.scenarios.filter((scenario) => scenario.status !== 'passed') ?? []);
    assert.deepEqual(
      failed.map((scenario) => `${scenario.file}: ${scenario.failure?.message ?? scenario.status}`),
      [],
      `failed scenarios (reports in ${ARTIFACTS}):\n${runs.map((run) => run.stdout).join('\n')}`,
    );
    assert.deepEqual(runs.map((run) => run.code), [0, 0]);
    assert.equal(runs.reduce((sum, run) => sum + (run.result?.scenarios.length ?? 0), 0), files.length);
  });
});
