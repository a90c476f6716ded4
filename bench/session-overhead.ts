/**
 * Session benchmark (BENCH_ONLY=session): the runtime's overhead per enrolment session, and
 * memory over many back-to-back sessions. The measuring runs in a child process
 * (bench/session-child.ts) started with --expose-gc, so heap figures are taken after a full GC
 * and nothing left over from the other benchmarks shares its heap.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface SessionBenchOptions {
  /** Sessions of each way before anything is counted (JIT, caches). */
  warmup: number;
  /** Pairs of the comparison: one orchestrated and one direct session each, alternating which goes first. */
  pairs: number;
  /** Back-to-back orchestrated sessions of the memory run. */
  soak: number;
  /** A memory sample (after a forced GC) every this many sessions of the memory run. */
  sampleEvery: number;
  /** Preview frames the simulated scanner streams per capture. */
  previewFrames: number;
}

export interface Spread {
  count: number;
  medianMs: number;
  p95Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

export interface MemorySample {
  session: number;
  rssMiB: number;
  /** RSS just before the forced GC. */
  rssBeforeGcMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  /** Handles and requests keeping the event loop alive (timers, sockets, …). */
  activeResources: number;
  /** Listeners on the session orchestrator and on all devices together. */
  sessionListeners: number;
  deviceListeners: number;
}

export interface SessionBenchResult {
  options: SessionBenchOptions;
  /** 1-minute load average when the child started and when it finished (the machine may be shared). */
  loadAverage: { start: number; end: number };
  comparison: {
    /** Person walks in → the booth is idle again (wall). */
    orchestrated: Spread;
    /** Person walks in → `ended` (door released). */
    orchestratedToEnded: Spread;
    direct: Spread;
    /** Main-thread CPU time per session (process.threadCpuUsage: what other processes on the machine do not inflate). */
    orchestratedCpu: Spread;
    directCpu: Spread;
    /** Orchestrated − direct within each pair: the overhead, with machine drift cancelled pair by pair. */
    pairedWallOverhead: Spread;
    pairedCpuOverhead: Spread;
    /** Per-step medians: the orchestrated session's own summary, the direct script's phases. */
    orchestratedStepsMs: Record<string, Spread>;
    directPhasesMs: Record<string, Spread>;
  };
  soak: {
    sessions: number;
    seconds: number;
    wall: Spread;
    cpu: Spread;
    stepsMs: Record<string, Spread>;
    eventLoopDelayP99Ms: number;
    eventLoopDelayMaxMs: number;
    samples: MemorySample[];
    /** Least-squares slope over the samples after the first 100 sessions, per 100 sessions. */
    rssSlopeMiBPer100: number;
    heapSlopeMiBPer100: number;
    /** Range (max − min) of the samples after the first 100 sessions. */
    rssRangeMiB: number;
    heapRangeMiB: number;
    peakRssMiB: number;
    /** Log lines boothd wrote per session. */
    logLinesPerSession: number;
    warnings: string[];
  };
}

export function measureSessionOverhead(options: SessionBenchOptions): Promise<SessionBenchResult> {
  const child = spawn(process.execPath, ['--expose-gc', join(import.meta.dirname, 'session-child.ts'), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = output.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`session benchmark child exited with ${code}`));
      try {
        resolve(JSON.parse(last) as SessionBenchResult);
      } catch (error) {
        reject(new Error(`session benchmark child printed no result: ${(error as Error).message}`));
      }
    });
  });
}

export function spread(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
  const round = (value: number) => Math.round(value * 10) / 10;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { count: sorted.length, medianMs: round(median), p95Ms: round(at(0.95)), meanMs: round(mean), minMs: round(sorted[0] ?? Number.NaN), maxMs: round(sorted.at(-1) ?? Number.NaN) };
}

/** The rows `make bench` prints for this section: figure, value, baseline (same run), ratio. */
export function sessionRows(result: SessionBenchResult): Array<[string, string, string, string]> {
  const { comparison: c, soak: s } = result;
  const ms = (value: number) => `${value} ms`;
  const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}×`;
  const step = (name: string) => c.orchestratedStepsMs[name]?.medianMs ?? Number.NaN;
  const phase = (name: string) => c.directPhasesMs[name]?.medianMs ?? Number.NaN;
  const first = s.samples[0]!;
  const last = s.samples.at(-1)!;
  const rows: Array<[string, string, string, string]> = [
    [
      `wall per session, walk-in → idle, median / p95 (${c.orchestrated.count} pairs)`,
      `${c.orchestrated.medianMs} / ${ms(c.orchestrated.p95Ms)}`,
      `direct device calls: ${c.direct.medianMs} / ${ms(c.direct.p95Ms)}`,
      ratio(c.orchestrated.medianMs, c.direct.medianMs),
    ],
    [
      'main-thread CPU per session, median / p95',
      `${c.orchestratedCpu.medianMs} / ${ms(c.orchestratedCpu.p95Ms)}`,
      `direct: ${c.directCpu.medianMs} / ${ms(c.directCpu.p95Ms)}`,
      ratio(c.orchestratedCpu.medianMs, c.directCpu.medianMs),
    ],
    [
      'overhead per session (orchestrated − direct, per pair), median: wall / CPU',
      `${c.pairedWallOverhead.medianMs} / ${ms(c.pairedCpuOverhead.medianMs)}`,
      `${((c.pairedWallOverhead.medianMs / c.direct.medianMs) * 100).toFixed(1)} % / ${((c.pairedCpuOverhead.medianMs / c.directCpu.medianMs) * 100).toFixed(1)} % of direct`,
      '',
    ],
  ];
  for (const name of ['fingerprints', 'palms', 'face', 'signature']) {
    rows.push([`  step ${name}, median`, ms(step(name)), `direct: ${ms(phase(name))}`, ratio(step(name), phase(name))]);
  }
  rows.push(
    ['  walk-in → first step (pre-check, lock) / commit + release', `${step('precheckAndLock')} / ${ms(step('commitAndRelease'))}`, `direct lock ${phase('lock')}; commit + release ${Math.round((phase('commit') + phase('release')) * 10) / 10} ms`, ''],
    [`${s.sessions} back-to-back sessions: wall median / p95; CPU median`, `${s.wall.medianMs} / ${ms(s.wall.p95Ms)}; ${ms(s.cpu.medianMs)}`, `${s.seconds} s in all`, ''],
    [`RSS after GC, session 0 → ${last.session} (peak before GC)`, `${first.rssMiB} → ${last.rssMiB} MiB (${s.peakRssMiB})`, `slope ${s.rssSlopeMiBPer100} MiB/100 sessions; spread ${s.rssRangeMiB} MiB`, ''],
    [`heap used after GC, session 0 → ${last.session}`, `${first.heapUsedMiB} → ${last.heapUsedMiB} MiB`, `slope ${s.heapSlopeMiBPer100} MiB/100 sessions; spread ${s.heapRangeMiB} MiB`, ''],
    ['listeners (session / devices), active handles: first → last', `${first.sessionListeners}/${first.deviceListeners}, ${first.activeResources} → ${last.sessionListeners}/${last.deviceListeners}, ${last.activeResources}`, '', ''],
    ['event-loop delay during the sessions, p99 / max', `${s.eventLoopDelayP99Ms} / ${ms(s.eventLoopDelayMaxMs)}`, `${s.logLinesPerSession} log lines per session`, ''],
  );
  rows.push(['1-min load average at start / end (the machine may be shared)', `${result.loadAverage.start.toFixed(2)} / ${result.loadAverage.end.toFixed(2)}`, '', '']);
  if (s.warnings.length > 0) rows.push(['process warnings', String(s.warnings.length), s.warnings[0]!.slice(0, 80), '']);
  return rows;
}
