/**
 * Text shared by the booth-rig reports (JUnit, HTML, terminal summary): how a timeline entry, an
 * offset and a duration read, which entries lead up to a failure, and how untrusted text (scenario
 * names, log lines, device answers) is made safe to show: control characters become visible
 * escapes such as `\x1b`, so a hostile name can neither break an XML file nor drive a terminal.
 */
import type { ScenarioResult, TimelineEntry } from './rig-result.ts';

/** C0 controls, DEL and C1 controls (0x9b is a one-byte CSI on some terminals). */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;
/** Half of a UTF-16 pair without its other half: no encoding can write it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Characters XML 1.0 forbids even as character references (lone surrogates are handled apart). */
const NOT_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** `\x1b` for U+001B, `\ud800` for a lone surrogate: the character named, not executed. */
export function visibleEscape(character: string): string {
  const code = character.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line for a terminal: every control character (newlines and tabs too) made visible. */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, visibleEscape).replace(LONE_SURROGATE, visibleEscape);
}

/** Text that XML 1.0 (and so HTML too) can hold: forbidden characters made visible, the rest kept. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_IN_XML, visibleEscape).replace(LONE_SURROGATE, visibleEscape);
}

/** `+12.345s`: where in the scenario an entry happened. */
export function formatOffset(atMs: number): string {
  return `+${(Math.max(0, atMs) / 1000).toFixed(3)}s`;
}

/** `12.3 s`: a scenario's or a run's length for people. */
export function formatDuration(durationMs: number): string {
  return `${(Math.max(0, durationMs) / 1000).toFixed(1)} s`;
}

/** `12.345`: seconds with milliseconds, as JUnit's `time` attribute wants them. */
export function junitSeconds(durationMs: number): string {
  return (Math.max(0, durationMs) / 1000).toFixed(3);
}

export function okMark(ok: boolean | undefined): string {
  if (ok === undefined) return '';
  return ok ? '✓' : '✗';
}

/** `+1.250s step 4 expect  door unlocked ✓ (bolt unlocked)`: one entry as one line of plain text. */
export function timelineLine(entry: TimelineEntry): string {
  const step = entry.step === undefined ? '       ' : `step ${String(entry.step).padEnd(2)}`;
  const mark = okMark(entry.ok);
  const detail = entry.detail ? ` (${entry.detail})` : '';
  return printable(`${formatOffset(entry.atMs).padStart(9)} ${step} ${entry.kind.padEnd(7)} ${entry.text}${mark ? ` ${mark}` : ''}${detail}`);
}

/**
 * Where the failure shows in the timeline: the failed entry of the failing step (else that step's
 * last entry), or the end of the timeline when the failure names no step or the step has no entry.
 */
export function failureIndex(scenario: ScenarioResult): number {
  const { timeline, failure } = scenario;
  if (failure?.step !== undefined) {
    const ofStep = timeline.flatMap((entry, index) => (entry.step === failure.step ? [index] : []));
    const failed = ofStep.find((index) => timeline[index]!.ok === false);
    if (failed !== undefined) return failed;
    if (ofStep.length > 0) return ofStep.at(-1)!;
  }
  return timeline.length - 1;
}

/** The `count` entries before the failure, and the failing entry itself (when there is one). */
export function entriesLeadingToFailure(scenario: ScenarioResult, count: number): { before: TimelineEntry[]; failing: TimelineEntry | undefined } {
  const index = failureIndex(scenario);
  if (index < 0) return { before: [], failing: undefined };
  return { before: scenario.timeline.slice(Math.max(0, index - count), index), failing: scenario.timeline[index] };
}

/** `step 7: expected …`: the failure's message with its step, as the reports print it. */
export function failureHeadline(scenario: ScenarioResult): string {
  const failure = scenario.failure;
  const message = failure?.message ?? (scenario.status === 'error' ? 'the scenario could not run' : 'failed');
  return failure?.step === undefined ? message : `step ${failure.step}: ${message}`;
}

export function countStatuses(scenarios: readonly ScenarioResult[]): { passed: number; failed: number; errors: number } {
  const count = (status: ScenarioResult['status']) => scenarios.filter((scenario) => scenario.status === status).length;
  return { passed: count('passed'), failed: count('failed'), errors: count('error') };
}
