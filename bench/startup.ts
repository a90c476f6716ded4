/**
 * Start-up and idle-memory figures of boothd on the full simulated booth, each next to its
 * baseline measured in the same run:
 * - spawn → start-up door release, spawn → all devices ready (boothd), against spawn → exit of
 *   `node -e 0` (the floor any Node daemon pays);
 * - resident memory after an idle period (boothd), against an idle `node` with one timer.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '..');
const BOOTHD = join(ROOT, 'bin', 'boothd');

export interface Distribution {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export function distribution(samples: number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { runs: sorted.length, medianMs: round(median), minMs: round(sorted[0]!), maxMs: round(sorted.at(-1)!) };
}

function simBoothConfig(stateDir: string): string {
  const config = readFileSync(join(ROOT, 'config', 'booth.sim.yaml'), 'utf8');
  // The capture keys of the simulated booth live next to the repository's config, not here.
  return config.replace(/^stateDir:.*$/m, `stateDir: ${stateDir}`).replace(/^captures:.*\n(  .*\n)+/m, '');
}

/** One boothd start: milliseconds from spawn to the two milestones, then a clean SIGTERM. */
async function timeOneStart(configFile: string, extraEnv: Record<string, string> = {}): Promise<{ released: number; ready: number }> {
  const started = performance.now();
  const env = { ...process.env, BOOTH_LOG_FORMAT: 'json', ...extraEnv };
  const child = spawn(BOOTHD, ['--config', configFile], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const marks: { released?: number; ready?: number } = {};
  await new Promise<void>((resolveRun, reject) => {
    const timer = setTimeout(() => reject(new Error('boothd did not become ready within 30 s')), 30_000);
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as { event?: string; reason?: string; msg?: string };
      if (line.event === 'door.released' && line.reason === 'startup') marks.released ??= performance.now() - started;
      if (/^all \d+ devices ready$/.test(line.msg ?? '')) marks.ready ??= performance.now() - started;
      if (marks.released !== undefined && marks.ready !== undefined) {
        clearTimeout(timer);
        resolveRun();
      }
    });
    child.on('exit', (code) => reject(new Error(`boothd exited early (${code})`)));
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolveExit) => child.on('exit', resolveExit));
  child.kill('SIGTERM');
  await exited;
  return { released: marks.released!, ready: marks.ready! };
}

async function timeNodeBaseline(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolveExit) => child.on('exit', resolveExit));
  return performance.now() - started;
}

export async function measureStartup(runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-boothd-'));
  try {
    const configFile = join(dir, 'booth.yaml');
    writeFileSync(configFile, simBoothConfig(join(dir, 'state')));
    await timeOneStart(configFile); // warm the file cache once; not counted
    await timeNodeBaseline();
    const released: number[] = [];
    const ready: number[] = [];
    const uncachedReleased: number[] = [];
    const baseline: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      // Interleaved so machine noise hits every series alike.
      baseline.push(await timeNodeBaseline());
      const marks = await timeOneStart(configFile);
      released.push(marks.released);
      ready.push(marks.ready);
      // The previous version: the same daemon without Node's compile cache.
      uncachedReleased.push((await timeOneStart(configFile, { NODE_DISABLE_COMPILE_CACHE: '1' })).released);
    }
    return {
      doorReleased: distribution(released),
      allDevicesReady: distribution(ready),
      doorReleasedWithoutCompileCache: distribution(uncachedReleased),
      nodeBaseline: distribution(baseline),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function residentKiB(pid: number): { rssKiB: number; peakKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}

/** boothd and a bare idle node side by side for `seconds`, then both RSS readings. */
export async function measureIdleMemory(seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-idle-'));
  const configFile = join(dir, 'booth.yaml');
  writeFileSync(configFile, simBoothConfig(join(dir, 'state')));
  const boothd = spawn(BOOTHD, ['--config', configFile], { env: { ...process.env, BOOTH_LOG_FORMAT: 'json' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const idleNode = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await new Promise((resolveWait) => setTimeout(resolveWait, seconds * 1000));
    return { seconds, boothd: residentKiB(boothd.pid!), nodeBaseline: residentKiB(idleNode.pid!) };
  } finally {
    boothd.kill('SIGTERM');
    idleNode.kill('SIGTERM');
    await Promise.all([boothd, idleNode].map((child) => new Promise((resolveExit) => child.on('exit', resolveExit))));
    rmSync(dir, { recursive: true, force: true });
  }
}
