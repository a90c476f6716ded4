/**
 * `booth-rig run [--rig RIG.yaml] [--junit FILE] [--html FILE] [--json FILE] [--keep] SCENARIO.yaml…`
 *
 * Checks every scenario file first (any problem: each printed as file, path and message, nothing
 * started, exit 2), then runs the scenarios one after another, each on a fresh booth, prints the
 * timeline as it goes (stderr) and the summary at the end (stdout), and writes the reports asked
 * for. Exit 0 when every scenario passed, 1 when any failed, 2 for a bad scenario or rig file,
 * 64 for a bad command line.
 *
 * Work dirs live under one temporary folder per run. Without --keep, a passed scenario's folder
 * is removed; a failed one keeps its logs (boothd.log, audit.log, mosquitto.log, boothd.yaml),
 * which the reports link to. --keep keeps everything (state, central's packages, keys).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Clock } from '../../hal/clock.ts';
import { ChildRegistry } from './child-registry.ts';
import { writeHtml } from './report-html.ts';
import { writeJunit } from './report-junit.ts';
import { formatSummary } from './report-summary.ts';
import { defaultRigConfig, loadRigConfig, WIRE_TEMPLATE, type RigConfig } from './rig-config.ts';
import type { RunResult, ScenarioResult, TimelineEntry } from './rig-result.ts';
import { loadScenarioFiles } from './scenario-file.ts';
import { runScenario } from './scenario-runner.ts';
import { formatProblem } from './schema-problems.ts';

export const RUN_USAGE = 'usage: booth-rig run [--rig RIG.yaml] [--junit FILE] [--html FILE] [--json FILE] [--keep] SCENARIO.yaml…';

export const EXIT = { passed: 0, failed: 1, invalid: 2, usage: 64 } as const;

export interface RunDeps {
  clock: Clock;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Aborted to interrupt the run; the current scenario is torn down, the rest skipped. */
  interrupt: AbortSignal;
  registry: ChildRegistry;
}

/** Files the scenario's folder keeps after a failure without --keep: small, and what a person reads first. */
const KEPT_ON_FAILURE = new Set(['boothd.log', 'audit.log', 'mosquitto.log', 'boothd.yaml']);

export async function runCommand(argv: string[], deps: RunDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { rig: { type: 'string' }, junit: { type: 'string' }, html: { type: 'string' }, json: { type: 'string' }, keep: { type: 'boolean', default: false } },
    });
  } catch (error) {
    deps.stderr(`booth-rig: ${(error as Error).message}\n${RUN_USAGE}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) {
    deps.stderr(`booth-rig: run needs at least one scenario file\n${RUN_USAGE}\n`);
    return EXIT.usage;
  }

  let rig: RigConfig = defaultRigConfig();
  if (values.rig) {
    const loaded = loadRigConfig(values.rig);
    if (!loaded.ok) {
      for (const problem of loaded.problems) deps.stderr(`${formatProblem(problem)}\n`);
      return EXIT.invalid;
    }
    rig = loaded.config;
  }
  if (!existsSync(rig.boothd)) {
    deps.stderr(`${values.rig ?? 'booth-rig'}: boothd: no such launcher: ${rig.boothd}\n`);
    return EXIT.invalid;
  }
  const loaded = loadScenarioFiles(positionals);
  if (!loaded.ok) {
    for (const problem of loaded.problems) deps.stderr(`${formatProblem(problem)}\n`);
    deps.stderr(`booth-rig: ${loaded.problems.length} problem${loaded.problems.length === 1 ? '' : 's'} in the scenario files; nothing was run\n`);
    return EXIT.invalid;
  }

  const runDir = mkdtempSync(join(tmpdir(), 'booth-rig-'));
  const startedAt = deps.clock.now();
  const results: ScenarioResult[] = [];
  for (const [index, scenario] of loaded.scenarios.entries()) {
    if (deps.interrupt.aborted) break;
    const workDir = join(runDir, `${String(index + 1).padStart(2, '0')}-${slug(scenario.scenario.name)}`);
    deps.stderr(`\n▶ ${scenario.scenario.name} (${scenario.file})\n`);
    const result = await runScenario(scenario, {
      rig,
      workDir,
      registry: deps.registry,
      clock: deps.clock,
      echo: (entry) => deps.stderr(`${progressLine(entry)}\n`),
      interrupt: deps.interrupt,
    });
    results.push(values.keep ? result : tidy(result, workDir));
  }
  const kept = values.keep || results.some((result) => result.status !== 'passed');
  if (!kept) rmSync(runDir, { recursive: true, force: true, maxRetries: 2 });

  const run: RunResult = {
    startedAt: new Date(startedAt).toISOString(),
    durationMs: deps.clock.now() - startedAt,
    rig: { boothd: rig.boothd, broker: mosquittoVersion(), devices: devicesLabel(rig) },
    scenarios: results,
  };
  if (values.json) writeFileSync(values.json, `${JSON.stringify(run, null, 2)}\n`);
  if (values.junit) writeJunit(run, values.junit);
  if (values.html) writeHtml(run, values.html);
  deps.stdout(`${formatSummary(run)}\n`);
  if (kept) deps.stderr(`booth-rig: ${values.keep ? 'work dirs' : 'logs of the failed scenarios'} kept in ${runDir}\n`);
  if (deps.interrupt.aborted) deps.stderr('booth-rig: interrupted; the remaining scenarios were not run\n');
  return results.length === loaded.scenarios.length && results.every((result) => result.status === 'passed') ? EXIT.passed : EXIT.failed;
}

/**
 * Without --keep: a passed scenario leaves nothing, a failed one only its logs. Never throws: a
 * state dir that could not be unmounted (EBUSY) stays, and the teardown already said why.
 */
function tidy(result: ScenarioResult, workDir: string): ScenarioResult {
  const remove = (path: string) => {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // left for the person reading the failure
    }
  };
  if (result.status === 'passed') {
    remove(workDir);
    return { ...result, artifacts: {} };
  }
  for (const name of readdirSync(workDir)) if (!KEPT_ON_FAILURE.has(name)) remove(join(workDir, name));
  return result;
}

function progressLine(entry: TimelineEntry): string {
  const at = `+${(entry.atMs / 1000).toFixed(1)}s`.padStart(8);
  const step = entry.step === undefined ? '       ' : `step ${String(entry.step).padEnd(2)}`;
  const mark = entry.ok === undefined ? '' : entry.ok ? ' ✓' : ' ✗';
  return `${at} ${step} ${entry.kind.padEnd(7)} ${entry.text}${mark}${entry.detail ? ` (${entry.detail})` : ''}`;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'scenario';
}

function devicesLabel(rig: RigConfig): string {
  if (Array.isArray(rig.devices)) return rig.devices.map((device) => `${device.id} (${device.compatible})`).join(', ');
  if (rig.devices === 'wire') return `wire: the real drivers of ${rig.manifest ?? WIRE_TEMPLATE} against wire-level twins`;
  if (rig.devices === 'sim' || !rig.manifest) return 'sim';
  return `as in ${rig.manifest}`;
}

function mosquittoVersion(): string {
  const answer = spawnSync('mosquitto', ['-h'], { encoding: 'utf8', timeout: 5000 });
  const version = /mosquitto version (\S+)/.exec(`${answer.stdout ?? ''}${answer.stderr ?? ''}`)?.[1];
  return version ? `mosquitto ${version}` : 'mosquitto';
}
