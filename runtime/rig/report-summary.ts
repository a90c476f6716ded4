/**
 * The run for a person at a terminal: one line per scenario (PASS / FAIL / ERROR, name,
 * duration); under a failure its step and message and the 5 timeline entries before it; and last,
 * always, `N passed, N failed` (errors count as failed), which scripts may grep. Untrusted text
 * has its control characters made visible, so a scenario name cannot move the cursor or clear
 * the screen. No colours: the caller may be writing to a CI log.
 */
import type { RunResult, ScenarioResult } from './rig-result.ts';
import { countStatuses, entriesLeadingToFailure, failureHeadline, formatDuration, printable, timelineLine } from './report-text.ts';

/** Timeline entries shown before a failure. */
const ENTRIES_BEFORE_FAILURE = 5;

const LABELS: Record<ScenarioResult['status'], string> = { passed: 'PASS', failed: 'FAIL', error: 'ERROR' };

/** Lines joined by `\n`, without a trailing newline: the last line is the `N passed, N failed` count. */
export function formatSummary(result: RunResult): string {
  const nameWidth = Math.min(72, Math.max(0, ...result.scenarios.map((scenario) => printable(scenario.name).length)));
  const lines = [`booth-rig: ${result.scenarios.length} scenario${result.scenarios.length === 1 ? '' : 's'} in ${formatDuration(result.durationMs)} (boothd ${printable(result.rig.boothd)}, broker ${printable(result.rig.broker)}, devices ${printable(result.rig.devices)})`];
  for (const scenario of result.scenarios) {
    lines.push(`${LABELS[scenario.status].padEnd(5)}  ${printable(scenario.name).padEnd(nameWidth)}  ${formatDuration(scenario.durationMs).padStart(8)}`);
    if (scenario.status !== 'passed') lines.push(...failureLines(scenario));
  }
  const { passed, failed, errors } = countStatuses(result.scenarios);
  lines.push(`${passed} passed, ${failed + errors} failed`);
  return lines.join('\n');
}

function failureLines(scenario: ScenarioResult): string[] {
  const { before, failing } = entriesLeadingToFailure(scenario, ENTRIES_BEFORE_FAILURE);
  const lines = [`       ${printable(failureHeadline(scenario))}`];
  lines.push(...before.map((entry) => `         ${timelineLine(entry)}`));
  if (failing) lines.push(`       > ${timelineLine(failing)}`);
  const logs = [scenario.artifacts.boothdLog && `boothd log ${scenario.artifacts.boothdLog}`, scenario.artifacts.auditLog && `audit log ${scenario.artifacts.auditLog}`].filter(Boolean);
  if (logs.length > 0) lines.push(`       ${printable(logs.join(', '))}`);
  return lines;
}
