/**
 * The run as ONE self-contained HTML file for people: a summary table, then per scenario a
 * `<details>` (open when it failed) with its failure and timeline — time offset, kind (colour and
 * icon), text, ✓/✗ and detail. Inline CSS only, no scripts, nothing fetched; a Content Security
 * Policy says so to the browser as well. Scenario names, timeline text and log lines are
 * untrusted and reach the page only through escapeText. The markup is also well-formed XML
 * (void elements closed with `/>`), so an XML parser can check it in tests.
 */
import type { RunResult, ScenarioResult, StepKind, TimelineEntry } from './rig-result.ts';
import { writeReportFile } from './report-file.ts';
import { REPORT_CSS } from './report-html-style.ts';
import { escapeText } from './report-markup.ts';
import { countStatuses, failureHeadline, failureIndex, formatDuration, formatOffset, okMark } from './report-text.ts';

/** Symbols every common font has (emoji would be boxes on a CI machine without an emoji font). */
const KIND_ICONS: Record<StepKind, string> = {
  person: '☺',
  device: '⚙',
  infra: '☁',
  officer: '★',
  wait: '◷',
  expect: '◎',
  event: '•',
};

const STATUS_LABELS: Record<ScenarioResult['status'], string> = { passed: 'PASS', failed: 'FAIL', error: 'ERROR' };

export function writeHtml(result: RunResult, file: string): void {
  writeReportFile(file, htmlReport(result));
}

export function htmlReport(result: RunResult): string {
  const { passed, failed, errors } = countStatuses(result.scenarios);
  const verdict = `${passed} passed, ${failed + errors} failed`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'" />
<title>booth-rig: ${escapeText(verdict)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<h1>booth-rig</h1>
<p class="verdict ${failed + errors === 0 ? 'passed' : 'failed'}">${escapeText(verdict)}</p>
${rigFacts(result)}
${summaryTable(result.scenarios)}
${result.scenarios.map(scenarioSection).join('\n')}
</body>
</html>
`;
}

function rigFacts(result: RunResult): string {
  const facts: Array<[string, string]> = [
    ['started', result.startedAt],
    ['duration', formatDuration(result.durationMs)],
    ['boothd', result.rig.boothd],
    ['broker', result.rig.broker],
    ['devices', result.rig.devices],
  ];
  return `<dl class="rig">${facts.map(([term, value]) => `<dt>${term}</dt><dd>${escapeText(value)}</dd>`).join('')}</dl>`;
}

function summaryTable(scenarios: readonly ScenarioResult[]): string {
  const rows = scenarios.map((scenario, index) => {
    const failure = scenario.status === 'passed' ? '' : escapeText(failureHeadline(scenario));
    return `<tr class="${scenario.status}"><td class="num">${index + 1}</td><td>${statusBadge(scenario)}</td><td><a href="#${anchor(index)}">${escapeText(scenario.name)}</a></td><td><code>${escapeText(scenario.file)}</code></td><td>${tags(scenario)}</td><td class="num">${escapeText(formatDuration(scenario.durationMs))}</td><td>${failure}</td></tr>`;
  });
  return `<table class="summary">
<thead><tr><th class="num">#</th><th>status</th><th>scenario</th><th>file</th><th>tags</th><th class="num">duration</th><th>failure</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function scenarioSection(scenario: ScenarioResult, index: number): string {
  const open = scenario.status === 'passed' ? '' : ' open=""';
  const failure = scenario.status === 'passed' ? '' : `<p class="failure">${escapeText(failureHeadline(scenario))}</p>\n`;
  return `<details id="${anchor(index)}" class="scenario ${scenario.status}"${open}>
<summary>${statusBadge(scenario)} ${escapeText(scenario.name)}<span class="duration">${escapeText(formatDuration(scenario.durationMs))}</span></summary>
<div class="body">
${failure}<p class="meta"><code>${escapeText(scenario.file)}</code> ${tags(scenario)}</p>
${timelineTable(scenario)}
${artifacts(scenario)}
</div>
</details>`;
}

function timelineTable(scenario: ScenarioResult): string {
  if (scenario.timeline.length === 0) return '<p class="meta">No timeline entries.</p>';
  const failing = scenario.status === 'passed' ? -1 : failureIndex(scenario);
  const rows = scenario.timeline.map((entry, index) => timelineRow(entry, index === failing));
  return `<table class="timeline">
<thead><tr><th>time</th><th class="num">step</th><th>kind</th><th>what</th><th>ok</th><th>detail</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function timelineRow(entry: TimelineEntry, failing: boolean): string {
  const kind = KIND_ICONS[entry.kind] ? entry.kind : 'event';
  const ok = entry.ok === undefined ? '' : entry.ok ? ' yes' : ' no';
  const detail = entry.detail ? `<pre>${escapeText(entry.detail)}</pre>` : '';
  return `<tr class="kind-row-${kind}${failing ? ' failing' : ''}"><td class="at">${formatOffset(entry.atMs)}</td><td class="num">${entry.step ?? ''}</td><td><span class="kind kind-${kind}">${KIND_ICONS[kind]} ${kind}</span></td><td class="text">${escapeText(entry.text)}</td><td class="ok${ok}">${okMark(entry.ok)}</td><td>${detail}</td></tr>`;
}

function artifacts(scenario: ScenarioResult): string {
  const { boothdLog, auditLog } = scenario.artifacts;
  const parts = [boothdLog && `boothd log <code>${escapeText(boothdLog)}</code>`, auditLog && `audit log <code>${escapeText(auditLog)}</code>`].filter(Boolean);
  return parts.length === 0 ? '' : `<p class="artifacts">${parts.join(' · ')}</p>`;
}

function statusBadge(scenario: ScenarioResult): string {
  return `<span class="status ${scenario.status}">${STATUS_LABELS[scenario.status]}</span>`;
}

function tags(scenario: ScenarioResult): string {
  return scenario.tags.map((tag) => `<span class="tag">${escapeText(tag)}</span>`).join('');
}

/** Ids come from the position, never from the (untrusted) name. */
function anchor(index: number): string {
  return `scenario-${index + 1}`;
}
