/**
 * The session benchmark's measuring process (started by bench/session-overhead.ts with
 * --expose-gc; argument: the options as JSON). One booth for everything:
 * 1. warm-up, then pairs of one orchestrated session (a simulated person, the real session
 *    orchestrator) and one direct session (the same device calls in a straight script),
 *    alternating which goes first; wall and main-thread CPU time of each;
 * 2. `soak` orchestrated sessions back to back, with a memory sample after a forced GC every
 *    `sampleEvery` sessions.
 * Progress goes to stderr; the result is the last line on stdout, as JSON.
 */
import { performance } from 'node:perf_hooks';
import type { EventEmitter } from 'node:events';
import { loadavg } from 'node:os';
import { startSessionBenchBooth, type SessionBenchBooth } from './session-booth.ts';
import { spread, type MemorySample, type SessionBenchOptions, type SessionBenchResult, type Spread } from './session-overhead.ts';
import { directSession, orchestratedSession, type DirectRun, type OrchestratedRun } from './session-runs.ts';
import { EventLoopLag } from '../runtime/telemetry/event-loop-lag.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as SessionBenchOptions;
const warnings: string[] = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));
const progress = (text: string) => process.stderr.write(`  [session] ${text}\n`);
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Columns of per-session numbers, each a Float64Array of the run's length allocated on first use. */
class Series {
  readonly #capacity: number;
  readonly #columns = new Map<string, Float64Array>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  set(key: string, index: number, value: number): void {
    let column = this.#columns.get(key);
    if (!column) {
      column = new Float64Array(this.#capacity);
      this.#columns.set(key, column);
    }
    column[index] = value;
  }

  values(key: string, count: number): number[] {
    return Array.from(this.#columns.get(key)?.subarray(0, count) ?? []);
  }

  keys(prefix: string): string[] {
    return [...this.#columns.keys()].filter((key) => key.startsWith(prefix));
  }
}

const loadAtStart = loadavg()[0]!;
const bench = await startSessionBenchBooth({ previewFrames: options.previewFrames });
try {
  const result = await measure(bench);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await bench.stop();
}

async function measure(bench: SessionBenchBooth): Promise<SessionBenchResult> {
  const orchestrated: Array<OrchestratedRun & { cpuMs: number }> = [];
  const direct: Array<DirectRun & { cpuMs: number }> = [];
  progress(`warm-up: ${options.warmup} sessions each way`);
  for (let i = 0; i < options.warmup; i += 1) {
    await orchestratedSession(bench);
    await directSession(bench);
  }
  for (let pair = 0; pair < options.pairs; pair += 1) {
    // Alternating which way goes first evens out what one session leaves the next (GC debt).
    const ways = pair % 2 === 0 ? (['orchestrated', 'direct'] as const) : (['direct', 'orchestrated'] as const);
    for (const way of ways) {
      const before = process.threadCpuUsage();
      if (way === 'orchestrated') {
        const run = await orchestratedSession(bench);
        orchestrated.push({ ...run, cpuMs: cpuMsSince(before) });
      } else {
        const run = await directSession(bench);
        direct.push({ ...run, cpuMs: cpuMsSince(before) });
      }
    }
    if ((pair + 1) % 10 === 0 || pair + 1 === options.pairs) {
      progress(`comparison ${pair + 1}/${options.pairs} pairs: median orchestrated ${spread(orchestrated.map((run) => run.toIdleMs)).medianMs} ms, direct ${spread(direct.map((run) => run.wallMs)).medianMs} ms`);
    }
  }

  const soak = await soakRun(bench);
  return {
    options,
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    comparison: {
      orchestrated: spread(orchestrated.map((run) => run.toIdleMs)),
      orchestratedToEnded: spread(orchestrated.map((run) => run.toEndedMs)),
      direct: spread(direct.map((run) => run.wallMs)),
      orchestratedCpu: spread(orchestrated.map((run) => run.cpuMs)),
      directCpu: spread(direct.map((run) => run.cpuMs)),
      pairedWallOverhead: spread(orchestrated.map((run, index) => run.toIdleMs - direct[index]!.wallMs)),
      pairedCpuOverhead: spread(orchestrated.map((run, index) => run.cpuMs - direct[index]!.cpuMs)),
      orchestratedStepsMs: stepSpreads(orchestrated),
      directPhasesMs: byKey(direct.map((run) => run.phasesMs)),
    },
    soak,
  };
}

/** Milliseconds of CPU this (the main) thread used since `before`. */
function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.threadCpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function soakRun(bench: SessionBenchBooth): Promise<SessionBenchResult['soak']> {
  const samples: MemorySample[] = [];
  // Per-session figures go into arrays allocated once: the run's own bookkeeping must not grow the heap it watches.
  const series = new Series(options.soak);
  const linesBefore = bench.logLines();
  const lag = new EventLoopLag(10);
  let peakRss = 0;
  samples.push(memorySample(bench, 0));
  progress(`memory run: ${options.soak} sessions back to back, a sample every ${options.sampleEvery}`);
  const started = performance.now();
  lag.start();
  for (let session = 1; session <= options.soak; session += 1) {
    const before = process.threadCpuUsage();
    const run = await orchestratedSession(bench);
    series.set('wall', session - 1, run.toIdleMs);
    series.set('cpu', session - 1, cpuMsSince(before));
    for (const [step, ms] of Object.entries({ ...run.summary.stepDurationsMs, ...run.aroundMs })) series.set(`step:${step}`, session - 1, ms);
    if (session % options.sampleEvery === 0 || session === options.soak) {
      lag.stop(); // a forced full GC is ours, not the booth's
      const sample = memorySample(bench, session);
      samples.push(sample);
      peakRss = Math.max(peakRss, sample.rssBeforeGcMiB);
      progress(`${session}/${options.soak}: RSS ${sample.rssMiB} MiB, heap ${sample.heapUsedMiB} MiB, median ${spread(series.values('wall', session)).medianMs} ms/session`);
      lag.start();
    }
  }
  lag.stop();
  const seconds = (performance.now() - started) / 1000;
  // Growth is judged after a warm-up: the first 100 sessions (a quarter of a short run).
  const settled = samples.filter((sample) => sample.session >= Math.min(100, options.soak / 4));
  return {
    sessions: options.soak,
    seconds: Math.round(seconds),
    wall: spread(series.values('wall', options.soak)),
    cpu: spread(series.values('cpu', options.soak)),
    stepsMs: Object.fromEntries(series.keys('step:').map((key) => [key.slice('step:'.length), spread(series.values(key, options.soak))])),
    eventLoopDelayP99Ms: Math.round(lag.percentileMs(99) * 10) / 10,
    eventLoopDelayMaxMs: Math.round(lag.maxMs() * 10) / 10,
    samples,
    rssSlopeMiBPer100: round2(slope(settled.map((sample) => [sample.session, sample.rssMiB])) * 100),
    heapSlopeMiBPer100: round2(slope(settled.map((sample) => [sample.session, sample.heapUsedMiB])) * 100),
    rssRangeMiB: range(settled.map((sample) => sample.rssMiB)),
    heapRangeMiB: range(settled.map((sample) => sample.heapUsedMiB)),
    peakRssMiB: Math.max(peakRss, mib(process.resourceUsage().maxRSS * 1024)),
    logLinesPerSession: Math.round(((bench.logLines() - linesBefore) / options.soak) * 10) / 10,
    warnings,
  };
}

function memorySample(bench: SessionBenchBooth, session: number): MemorySample {
  const rssBeforeGc = process.memoryUsage.rss();
  if (!globalThis.gc) throw new Error('run with --expose-gc');
  globalThis.gc();
  const memory = process.memoryUsage();
  const listeners = (emitter: EventEmitter) => emitter.eventNames().reduce((sum, name) => sum + emitter.listenerCount(name), 0);
  return {
    session,
    rssMiB: mib(memory.rss),
    rssBeforeGcMiB: mib(rssBeforeGc),
    heapUsedMiB: mib(memory.heapUsed),
    externalMiB: mib(memory.external),
    arrayBuffersMiB: mib(memory.arrayBuffers),
    activeResources: process.getActiveResourcesInfo().length,
    sessionListeners: listeners(bench.booth.session!),
    deviceListeners: bench.booth.devices.devices.reduce((sum, device) => sum + listeners(device), 0),
  };
}

function stepSpreads(runs: readonly OrchestratedRun[]): Record<string, Spread> {
  return byKey(runs.map((run) => ({ ...run.summary.stepDurationsMs, ...run.aroundMs }) as Record<string, number>));
}

function byKey(rows: ReadonlyArray<Record<string, number>>): Record<string, Spread> {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return Object.fromEntries(keys.map((key) => [key, spread(rows.map((row) => row[key] ?? 0))]));
}

function slope(points: ReadonlyArray<[number, number]>): number {
  if (points.length < 2) return Number.NaN;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return covariance / variance;
}

function range(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.round((Math.max(...values) - Math.min(...values)) * 10) / 10;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
