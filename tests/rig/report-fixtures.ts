/** Run results for the report tests: a pass, a failure and an error, with hostile names and text. */
import type { RunResult, ScenarioResult, TimelineEntry } from '../../runtime/rig/rig-result.ts';

/** Everything a report must survive: markup, CDATA ends, quotes, control characters, a lone surrogate. */
export const HOSTILE_NAME = `<script>alert("x")</script> ]]> & 'quoted' "double"\u0000\u0007\u001b[31mred\u000c\ud800 new\nline`;
/** What a parser must read back: the same, with the characters XML 1.0 forbids made visible. */
export const HOSTILE_NAME_AS_READ = `<script>alert("x")</script> ]]> & 'quoted' "double"\\x00\\x07\\x1b[31mred\\x0c\\ud800 new\nline`;
export const HOSTILE_TEXT = `<img src=x onerror="alert(1)"> ]]><![CDATA[ </details></table> &amp; \u001b]0;title\u0007`;

function entry(atMs: number, kind: TimelineEntry['kind'], text: string, extra: Partial<TimelineEntry> = {}): TimelineEntry {
  return { atMs, kind, text, ...extra };
}

export const passedScenario: ScenarioResult = {
  name: 'perfect person (uz)',
  file: 'scenarios/perfect-person.yaml',
  tags: ['session'],
  status: 'passed',
  durationMs: 8123,
  timeline: [
    entry(0, 'person', 'enter', { step: 1 }),
    entry(412, 'expect', 'session language', { step: 2, ok: true }),
    entry(500, 'event', 'door locked'),
  ],
  artifacts: {},
};

/** Fails at step 9; eight entries come before the failing one. */
export const failedScenario: ScenarioResult = {
  name: HOSTILE_NAME,
  file: 'scenarios/hostile.yaml',
  tags: ['fault:device', '<b>tag</b>'],
  status: 'failed',
  durationMs: 40_100,
  failure: { message: `expected door unlocked within 2000 ms; it was locked ${HOSTILE_TEXT}`, step: 9 },
  timeline: [
    entry(0, 'person', 'enter', { step: 1 }),
    entry(100, 'expect', 'session language', { step: 2, ok: true }),
    entry(200, 'person', 'choose-language uz', { step: 3 }),
    entry(300, 'expect', 'session consent', { step: 4, ok: true }),
    entry(400, 'person', 'accept-consent', { step: 5 }),
    entry(500, 'expect', 'session missing-fingers', { step: 6, ok: true }),
    entry(600, 'event', HOSTILE_TEXT, { detail: `log line ${HOSTILE_TEXT}\nsecond line` }),
    entry(700, 'device', 'unplug scanner', { step: 8 }),
    entry(2700, 'expect', 'door unlocked', { step: 9, ok: false, detail: 'bolt locked' }),
    entry(2800, 'event', 'session escalated'),
  ],
  artifacts: { boothdLog: 'var/rig/hostile/boothd.log', auditLog: 'var/rig/hostile/audit.log' },
};

export const errorScenario: ScenarioResult = {
  name: 'broker never came up',
  file: 'scenarios/broker-outage.yml',
  tags: ['fault:infra'],
  status: 'error',
  durationMs: 1500,
  failure: { message: 'boothd did not start: ECONNREFUSED' },
  timeline: [],
  artifacts: { boothdLog: 'var/rig/broker/boothd.log' },
};

export function runResult(scenarios: ScenarioResult[] = [passedScenario, failedScenario, errorScenario]): RunResult {
  return {
    startedAt: '2026-11-28T10:00:00.000Z',
    durationMs: 49_723,
    rig: { boothd: 'bin/boothd (node 24)', broker: 'mosquitto 127.0.0.1:18831', devices: 'sim <all seven>' },
    scenarios,
  };
}
