/**
 * The run as JUnit XML, the format CI systems read (Jenkins `junit`, GitLab `artifacts:reports:junit`):
 * one `<testsuite name="booth-rig">`, one `<testcase>` per scenario (classname = the scenario file
 * without `.yaml`), `<failure type="expectation">` for a failed expectation and `<error>` for a
 * scenario that could not run, each with the last timeline entries, and the whole timeline in
 * `<system-out>`. Untrusted text is escaped (report-markup.ts); the file is replaced atomically.
 */
import { basename } from 'node:path';
import type { RunResult, ScenarioResult } from './rig-result.ts';
import { writeReportFile } from './report-file.ts';
import { escapeAttribute, escapeText } from './report-markup.ts';
import { countStatuses, entriesLeadingToFailure, failureHeadline, junitSeconds, timelineLine } from './report-text.ts';

/** How many timeline entries before the failure its `<failure>` body repeats. */
const ENTRIES_IN_FAILURE = 10;

export function writeJunit(result: RunResult, file: string): void {
  writeReportFile(file, junitXml(result));
}

export function junitXml(result: RunResult): string {
  const { passed, failed, errors } = countStatuses(result.scenarios);
  const suite = attributes({
    name: 'booth-rig',
    tests: String(passed + failed + errors),
    failures: String(failed),
    errors: String(errors),
    skipped: '0',
    time: junitSeconds(result.durationMs),
    timestamp: result.startedAt,
  });
  const properties = Object.entries(result.rig).map(([name, value]) => `    <property${attributes({ name: `rig.${name}`, value })}/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite${suite}>`,
    '  <properties>',
    ...properties,
    '  </properties>',
    ...result.scenarios.map(testcase),
    '</testsuite>',
    '',
  ].join('\n');
}

/** `scenarios/door-jammed.yaml` → `door-jammed`. */
export function classnameOf(file: string): string {
  return basename(file).replace(/\.ya?ml$/i, '');
}

function testcase(scenario: ScenarioResult): string {
  const head = `  <testcase${attributes({ classname: classnameOf(scenario.file), name: scenario.name, time: junitSeconds(scenario.durationMs) })}>`;
  const lines = [head];
  if (scenario.status !== 'passed') lines.push(problem(scenario));
  lines.push(`    <system-out>${escapeText(systemOut(scenario))}</system-out>`);
  lines.push('  </testcase>');
  return lines.join('\n');
}

function problem(scenario: ScenarioResult): string {
  const element = scenario.status === 'error' ? 'error' : 'failure';
  const type = scenario.status === 'error' ? 'error' : 'expectation';
  const headline = failureHeadline(scenario);
  const { before, failing } = entriesLeadingToFailure(scenario, ENTRIES_IN_FAILURE);
  const entries = [...before, ...(failing ? [failing] : [])];
  const body = entries.length === 0 ? headline : `${headline}\n\nlast timeline entries:\n${entries.map(timelineLine).join('\n')}`;
  return `    <${element}${attributes({ message: headline, type })}>${escapeText(body)}</${element}>`;
}

/** The timeline as text, then where the logs are (Jenkins' attachments plugin reads `[[ATTACHMENT|…]]`). */
function systemOut(scenario: ScenarioResult): string {
  const lines = [`scenario: ${scenario.name} (${scenario.file})`, `tags: ${scenario.tags.join(', ') || '-'}`, '', ...scenario.timeline.map(timelineLine)];
  const { boothdLog, auditLog } = scenario.artifacts;
  if (boothdLog || auditLog) lines.push('');
  if (boothdLog) lines.push(`boothd log: ${boothdLog}`, `[[ATTACHMENT|${boothdLog}]]`);
  if (auditLog) lines.push(`audit log: ${auditLog}`, `[[ATTACHMENT|${auditLog}]]`);
  return lines.join('\n');
}

function attributes(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
    .join('');
}
