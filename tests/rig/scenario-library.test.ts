// The scenario library (scenarios/*.yaml): every file passes the rig's own schema, names are
// unique, every file is tagged and documented, the device ids, prompt keys and Sparkplug metrics
// it names exist, and together the files cover every way a session can end and every fault the
// rig can inject. docs/booth-rig.md's library table lists exactly these files.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EdgeModel } from '../../protocols/sparkplug/metric-model.ts';
import { SIM_DEVICES } from '../../runtime/rig/booth-manifest.ts';
import { ENDED_OUTCOMES, type ExpectCheck } from '../../runtime/rig/expect-schema.ts';
import { loadScenarioFile, type LoadedScenario } from '../../runtime/rig/scenario-file.ts';
import type { Step } from '../../runtime/rig/scenario-schema.ts';
import { DEVICE_ERROR_CODES, INFRA_WORDS } from '../../runtime/rig/step-schema.ts';
import { SESSION_STATES } from '../../protocols/kiosk/session-contract.ts';
import { SessionMetrics } from '../../runtime/session/session-metrics.ts';
import { COMMON_DEVICE_METRICS, classMetrics } from '../../runtime/telemetry/device-metrics.ts';
import type { AnyDevice } from '../../hal/index.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const LIBRARY = join(ROOT, 'scenarios');
const files = readdirSync(LIBRARY)
  .filter((file) => !file.startsWith('.'))
  .sort();

/** Every fault the rig can inject: the device and infra step kinds of docs/booth-rig.md. */
const FAULT_CLASSES = [
  'device:unplug',
  'device:replug',
  'device:hang',
  'device:fail-next',
  'device:slow',
  'device:jam-bolt',
  'device:force-door',
  'infra:broker-down',
  'infra:broker-up',
  'infra:power-cut',
  'infra:power-on',
  'infra:network-stall',
  'infra:disk-full',
  'infra:clock-jump',
  'infra:fire-alarm-on',
  'infra:fire-alarm-off',
];
/** The tags that say what a scenario is about; each file carries at least one. */
const CATEGORY_TAGS = ['session', 'safety', 'fault:device', 'fault:infra'];
/** States a session passes through too quickly (or before it has an id) for a scenario to wait on. */
const TRANSIENT_STATES = new Set(['precheck', 'committing']);

function load(file: string): LoadedScenario {
  const result = loadScenarioFile(join(LIBRARY, file));
  if (!result.ok) assert.fail(`${file} does not pass the scenario schema:\n${result.problems.map((problem) => `  ${problem.path}: ${problem.message}`).join('\n')}`);
  return result.loaded;
}

const library = files.filter((file) => file.endsWith('.yaml')).map(load);
const allSteps = (scenario: LoadedScenario): Step[] => scenario.scenario.steps;
const checks = (scenario: LoadedScenario): ExpectCheck[] => allSteps(scenario).flatMap((step) => (step.kind === 'expect' ? [step.expect.check] : []));
const everyCheck = library.flatMap(checks);

/** `unplug` from `{ unplug: scanner }`, `power-cut` from `power-cut`. */
function keyOf(value: unknown): string {
  return typeof value === 'string' ? value : Object.keys(value as object)[0]!;
}

function faultsOf(scenario: LoadedScenario): string[] {
  return allSteps(scenario).flatMap((step) => {
    if (step.kind === 'device') return [`device:${keyOf(step.device)}`];
    if (step.kind === 'infra') return [`infra:${keyOf(step.infra)}`];
    return [];
  });
}

/** Device ids the steps name: `{ unplug: scanner }`, `{ slow: { device: scanner, … } }`, sparkplug `device:`. */
function deviceIdsOf(scenario: LoadedScenario): string[] {
  const ids: string[] = [];
  for (const step of allSteps(scenario)) {
    if (step.kind === 'device') {
      const value = Object.values(step.device as object)[0] as unknown;
      if (typeof value === 'string') ids.push(value);
      else if (typeof value === 'object' && value !== null && 'device' in value) ids.push(String(value.device));
    }
    if (step.kind === 'expect' && step.expect.check.kind === 'sparkplug' && step.expect.check.device) ids.push(step.expect.check.device);
  }
  return ids;
}

/** Names boothd defines as node metrics for the session (a real EdgeModel fed by SessionMetrics). */
function sessionMetricNames(): (name: string) => boolean {
  const model = new EdgeModel();
  new SessionMetrics(model, new EventEmitter(), { now: () => 0, setTimeout: () => ({ cancel: () => undefined }) });
  return (name) => model.node.has(name);
}

/** Names boothd defines for each simulated device of the rig, by device id. */
function deviceMetricNames(): Map<string, Set<string>> {
  const classes: Record<string, AnyDevice['deviceClass']> = {
    'sim,door-lock': 'door-lock',
    'sim,lighting': 'lighting',
    'sim,sensors': 'sensors',
    'sim,fingerprint': 'fingerprint',
    'sim,camera': 'camera',
    'sim,signature-pad': 'signature-pad',
    'sim,document-reader': 'document-reader',
  };
  const names = new Map<string, Set<string>>();
  for (const device of SIM_DEVICES) {
    const deviceClass = classes[String(device.compatible)]!;
    const fake = { deviceClass, channels: [] } as unknown as AnyDevice;
    names.set(String(device.id), new Set([...COMMON_DEVICE_METRICS, ...classMetrics(fake)].map((spec) => spec.name)));
  }
  return names;
}

describe('the scenario library', () => {
  it('has 15 to 30 scenario files, all .yaml with kebab-case names', () => {
    assert.ok(library.length >= 15 && library.length <= 30, `${library.length} scenarios`);
    for (const file of files) assert.match(file, /^[a-z0-9]+(-[a-z0-9]+)*\.yaml$/, file);
  });

  it('parses with the rig schema (runtime/rig/scenario-schema.ts): every file, no problem', () => {
    assert.equal(library.length, files.length);
  });

  it('gives every scenario a unique name, a description, tags with a category, and a timeout under 2 minutes', () => {
    const names = library.map((loaded) => loaded.scenario.name);
    assert.equal(new Set(names).size, names.length, `duplicate names: ${names.filter((name, index) => names.indexOf(name) !== index).join(', ')}`);
    for (const { file, scenario } of library) {
      assert.ok(scenario.description && scenario.description.length > 40, `${file}: a description says what it proves`);
      assert.ok(scenario.tags.length > 0, `${file}: tagged`);
      assert.ok(
        scenario.tags.some((tag) => CATEGORY_TAGS.includes(tag)),
        `${file}: one of ${CATEGORY_TAGS.join(', ')}`,
      );
      assert.ok(scenario.timeoutSeconds <= 120, `${file}: timeoutSeconds ${scenario.timeoutSeconds}`);
    }
  });

  it('tags honestly: a fault:device scenario has a device step, a fault:infra one an infra step', () => {
    for (const loaded of library) {
      const kinds = new Set(allSteps(loaded).map((step) => step.kind));
      if (loaded.scenario.tags.includes('fault:device')) assert.ok(kinds.has('device'), `${loaded.file}: tagged fault:device`);
      if (loaded.scenario.tags.includes('fault:infra')) assert.ok(kinds.has('infra'), `${loaded.file}: tagged fault:infra`);
      if (kinds.has('device')) assert.ok(loaded.scenario.tags.includes('fault:device'), `${loaded.file}: injects a device fault, so tagged fault:device`);
      if (kinds.has('infra')) assert.ok(loaded.scenario.tags.includes('fault:infra'), `${loaded.file}: injects an infra fault, so tagged fault:infra`);
    }
  });

  it('covers every way a session ends, and the booth refusing to start one', () => {
    const ended = new Set(everyCheck.flatMap((check) => (check.kind === 'ended' ? [check.outcome] : [])));
    assert.deepEqual([...ended].sort(), [...ENDED_OUTCOMES].sort());
    const states = new Set(everyCheck.flatMap((check) => (check.kind === 'session' ? [check.state] : [])));
    const missing = SESSION_STATES.filter((state) => !TRANSIENT_STATES.has(state) && !states.has(state));
    assert.deepEqual(missing, [], 'every session state a person can be in is waited for somewhere');
    assert.ok(states.has('out-of-service'));
  });

  it('covers every fault class the rig can inject', () => {
    const used = new Set(library.flatMap(faultsOf));
    assert.deepEqual(
      FAULT_CLASSES.filter((fault) => !used.has(fault)),
      [],
    );
    for (const word of INFRA_WORDS) assert.ok(FAULT_CLASSES.includes(`infra:${word}`), `${word} is in the asserted set`);
    const codes = new Set(
      library.flatMap((loaded) =>
        allSteps(loaded).flatMap((step) => (step.kind === 'device' && typeof step.device === 'object' && 'fail-next' in step.device ? [step.device['fail-next'].code] : [])),
      ),
    );
    assert.ok(codes.has('EBADMSG'), 'a device answering garbage');
    for (const code of codes) assert.ok((DEVICE_ERROR_CODES as readonly string[]).includes(code));
  });

  it('uses every officer decision and several languages', () => {
    const decisions = new Set(library.flatMap((loaded) => allSteps(loaded).flatMap((step) => (step.kind === 'officer' ? [step.officer] : []))));
    assert.deepEqual([...decisions].sort(), ['commit', 'discard', 'resume']);
    const languages = new Set(
      library.flatMap((loaded) => allSteps(loaded).flatMap((step) => (step.kind === 'person' && typeof step.person === 'object' && 'choose-language' in step.person ? [step.person['choose-language']] : []))),
    );
    assert.ok(languages.size >= 5, `languages: ${[...languages].join(', ')}`);
  });

  it('checks the door: every scenario with a person expects it, and after every ending it is unlocked', () => {
    for (const loaded of library) {
      const steps = allSteps(loaded);
      const doorChecks = checks(loaded).filter((check) => check.kind === 'door');
      if (steps.some((step) => step.kind === 'person' && step.person === 'enter')) assert.ok(doorChecks.length > 0, `${loaded.file}: no door expectation`);
      const lastEnded = steps.findLastIndex((step) => step.kind === 'expect' && step.expect.check.kind === 'ended');
      if (lastEnded < 0) continue;
      const after = steps.slice(lastEnded).some((step) => step.kind === 'expect' && step.expect.check.kind === 'door' && step.expect.check.bolt === 'unlocked');
      assert.ok(after, `${loaded.file}: the door is expected unlocked after the last ending`);
    }
  });

  it('names only devices the rig booth has, prompt keys the catalogue has, metrics boothd defines', () => {
    const deviceIds = new Set(SIM_DEVICES.map((device) => String(device.id)));
    const catalogue = JSON.parse(readFileSync(join(ROOT, 'runtime/i18n/en.json'), 'utf8')) as Record<string, string>;
    const isSessionMetric = sessionMetricNames();
    const deviceMetrics = deviceMetricNames();
    for (const loaded of library) {
      for (const id of deviceIdsOf(loaded)) assert.ok(deviceIds.has(id), `${loaded.file}: no device "${id}" on the rig booth`);
      for (const check of checks(loaded)) {
        if (check.kind === 'prompt') assert.ok(check.key in catalogue, `${loaded.file}: no prompt "${check.key}" in en.json`);
        if (check.kind === 'sparkplug' && check.device === undefined) assert.ok(isSessionMetric(check.metric), `${loaded.file}: no node metric "${check.metric}"`);
        if (check.kind === 'sparkplug' && check.device !== undefined) {
          assert.ok(deviceMetrics.get(check.device)?.has(check.metric), `${loaded.file}: device ${check.device} has no metric "${check.metric}"`);
        }
      }
    }
  });

  it('is listed, file by file, in the library table of docs/booth-rig.md', () => {
    const doc = readFileSync(join(ROOT, 'docs/booth-rig.md'), 'utf8');
    const start = doc.indexOf('## The scenario library');
    assert.ok(start >= 0, 'docs/booth-rig.md has a "## The scenario library" section');
    const rows = doc
      .slice(start)
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    const listed = rows.map((row) => /^\| `([^`]+)`/.exec(row)![1]!);
    assert.deepEqual(listed.slice().sort(), files);
    for (const row of rows) {
      const file = /^\| `([^`]+)`/.exec(row)![1]!;
      const tags = library.find((loaded) => loaded.file.endsWith(`/${file}`))!.scenario.tags;
      for (const tag of tags) assert.ok(row.includes(tag), `docs row of ${file} lists tag ${tag}`);
    }
  });
});
