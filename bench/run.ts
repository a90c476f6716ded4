/**
 * `make bench`: runs every benchmark, prints a table, writes bench/out/results.json.
 * Environment: BENCH_RUNS (start-up runs, default 15), BENCH_IDLE_SECONDS (default 60).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureIdleMemory, measureStartup } from './startup.ts';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);

const machine = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
};

process.stdout.write(`measuring start-up (${runs} runs) and idle memory (${idleSeconds} s) ...\n`);
// One after the other: an idle daemon in the background would disturb the start-up timings.
const startup = await measureStartup(runs);
const idle = await measureIdleMemory(idleSeconds);

const rows: Array<[string, string, string, string]> = [
  ['boothd spawn → door released (median)', `${startup.doorReleased.medianMs} ms`, `node -e 0: ${startup.nodeBaseline.medianMs} ms`, ratio(startup.doorReleased.medianMs, startup.nodeBaseline.medianMs)],
  ['boothd spawn → all 7 devices ready (median)', `${startup.allDevicesReady.medianMs} ms`, `node -e 0: ${startup.nodeBaseline.medianMs} ms`, ratio(startup.allDevicesReady.medianMs, startup.nodeBaseline.medianMs)],
  ['… without compile cache (previous version)', `${startup.doorReleasedWithoutCompileCache.medianMs} ms`, `node -e 0: ${startup.nodeBaseline.medianMs} ms`, ratio(startup.doorReleasedWithoutCompileCache.medianMs, startup.nodeBaseline.medianMs)],
  [`idle RSS after ${idle.seconds} s`, `${mib(idle.boothd.rssKiB)} MiB`, `idle node: ${mib(idle.nodeBaseline.rssKiB)} MiB`, ratio(idle.boothd.rssKiB, idle.nodeBaseline.rssKiB)],
];
const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length), 8));
const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ');
process.stdout.write(`\n${line(['figure', 'value', 'baseline (same run)', 'ratio'])}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n`);
for (const row of rows) process.stdout.write(`${line(row)}\n`);
process.stdout.write(`\nmin/max: released ${startup.doorReleased.minMs}–${startup.doorReleased.maxMs} ms, ready ${startup.allDevicesReady.minMs}–${startup.allDevicesReady.maxMs} ms, node -e 0 ${startup.nodeBaseline.minMs}–${startup.nodeBaseline.maxMs} ms\n`);

const outDir = join(import.meta.dirname, 'out');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify({ machine, startup, idle }, null, 2)}\n`);
process.stdout.write(`written ${join('bench', 'out', 'results.json')}\n`);

function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}×`;
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(1);
}
