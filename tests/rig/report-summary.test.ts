// The terminal summary: a line per scenario, the failing step with the 5 entries before it, no
// control characters from hostile text, and always the closing line `N passed, N failed`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSummary } from '../../runtime/rig/report-summary.ts';
import { errorScenario, failedScenario, passedScenario, runResult } from './report-fixtures.ts';

describe('formatSummary', () => {
  const summary = formatSummary(runResult());
  const lines = summary.split('\n');

  it('ends with exactly `N passed, N failed`, errors counted as failed', () => {
    assert.equal(lines.at(-1), '1 passed, 2 failed');
    assert.match(lines.at(-1)!, /^\d+ passed, \d+ failed$/);
    assert.equal(formatSummary(runResult([passedScenario, passedScenario])).split('\n').at(-1), '2 passed, 0 failed');
    assert.equal(formatSummary(runResult([errorScenario])).split('\n').at(-1), '0 passed, 1 failed');
    assert.equal(formatSummary(runResult([])).split('\n').at(-1), '0 passed, 0 failed');
    assert.ok(!summary.endsWith('\n'), 'the count is the last line, not followed by an empty one');
  });

  it('has one line per scenario: PASS / FAIL / ERROR, name, duration', () => {
    const statusLines = lines.filter((line) => /^(PASS|FAIL|ERROR) /.test(line));
    assert.equal(statusLines.length, 3);
    assert.match(statusLines[0]!, /^PASS +perfect person \(uz\) +8\.1 s$/);
    assert.match(statusLines[1]!, /^FAIL +<script>alert\("x"\)<\/script> .* +40\.1 s$/);
    assert.match(statusLines[2]!, /^ERROR +broker never came up +1\.5 s$/);
  });

  it('shows a failure with its step, its message and the 5 timeline entries before it', () => {
    const start = lines.findIndex((line) => line.startsWith('FAIL'));
    assert.match(lines[start + 1]!, /^ +step 9: expected door unlocked within 2000 ms; it was locked/);
    const before = lines.slice(start + 2, start + 7).map((line) => line.trim().split(/\s+/).slice(0, 2).join(' '));
    assert.deepEqual(before, ['+0.300s step', '+0.400s step', '+0.500s step', '+0.600s event', '+0.700s step']);
    assert.match(lines[start + 2]!, /step 4 +expect +session consent ✓$/);
    assert.match(lines[start + 6]!, /step 8 +device +unplug scanner$/);
    assert.match(lines[start + 7]!, /^ +> +\+2\.700s step 9 +expect +door unlocked ✗ \(bolt locked\)$/);
    assert.match(lines[start + 8]!, /boothd log var\/rig\/hostile\/boothd\.log, audit log var\/rig\/hostile\/audit\.log/);
    assert.ok(!summary.includes('session escalated'), 'entries after the failure are left out');
  });

  it('shows an error without a step, with its message', () => {
    const start = lines.findIndex((line) => line.startsWith('ERROR'));
    assert.match(lines[start + 1]!, /^ +boothd did not start: ECONNREFUSED$/);
  });

  it('writes no control characters: hostile names cannot drive the terminal', () => {
    assert.doesNotMatch(summary, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.ok(summary.includes('\\x1b[31mred\\x0c\\ud800 new\\x0aline'), 'the escape is shown, not executed; a lone surrogate named');
    assert.equal(lines.filter((line) => line.startsWith('FAIL')).length, 1, 'a newline in a name does not start a new line');
    assert.ok(failedScenario.name.includes('\n'));
  });
});
