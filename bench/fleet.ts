/**
 * The fleet benchmark (BENCH_ONLY=fleet): for each fleet size N, on a fresh mosquitto each time
 * (bench/fleet-broker.ts), three runs of the fleet simulator measured the same way:
 * - raw: N bare mqtt.js booths (bench/fleet-baseline.ts) sending the same telemetry bytes,
 * - telemetry: N booths of ours (EdgeNode + SessionStore + outbox + uploader), no sessions,
 * - busy: N booths of ours at the busy-centre rate (7.5 packages per booth-hour),
 * and optionally one busy run with full-size packages. Ratios: our booth processes' CPU over
 * raw mqtt.js for the same telemetry, and the broker's.
 */
import { startFleetBroker } from './fleet-broker.ts';
import { ensureOpenFileLimit, FILES_OVERHEAD, FILES_PER_BOOTH_AT_BROKER } from '../runtime/rig/fleet/file-limit.ts';
import { FLEET_DEFAULTS, type FleetOptions } from '../runtime/rig/fleet/fleet-options.ts';
import { formatReport, type FleetReport } from '../runtime/rig/fleet/fleet-report.ts';
import { runFleet } from '../runtime/rig/fleet/fleet-runner.ts';
import { FULL_PACKAGE_BYTES } from '../runtime/rig/fleet/rates.ts';

export type FleetRunKind = 'raw' | 'telemetry' | 'busy' | 'busy-full';

export interface FleetBenchRun {
  kind: FleetRunKind;
  booths: number;
  broker: string;
  report: FleetReport;
}

export interface FleetBenchOptions {
  sizes: number[];
  durationSeconds: number;
  captureBytes: number;
  /** Sizes at which a busy run with full-size (7 MiB) packages is added. */
  fullSizeAt: number[];
  /** Which of raw, telemetry, busy to run at each size (all three by default). */
  kinds?: FleetRunKind[];
  /** Where the booths' SessionStores and outboxes go (FleetOptions.stateDir); the system's temporary folder when absent. */
  stateDir?: string;
  /** Prints each run's table as it finishes. */
  log(line: string): void;
}

const BASELINE = new URL('./fleet-baseline.ts', import.meta.url);

export async function measureFleet(options: FleetBenchOptions): Promise<FleetBenchRun[]> {
  const largest = Math.max(...options.sizes, ...options.fullSizeAt);
  // mosquitto is our child: it inherits the limit raised here (2 sockets per booth).
  ensureOpenFileLimit(largest * FILES_PER_BOOTH_AT_BROKER + FILES_OVERHEAD, `a broker for ${largest} booths`);
  const runs: FleetBenchRun[] = [];
  for (const booths of options.sizes) {
    const kinds: FleetRunKind[] = [...(options.kinds ?? ['raw', 'telemetry', 'busy']), ...(options.fullSizeAt.includes(booths) ? (['busy-full'] as const) : [])];
    for (const kind of kinds) runs.push(await oneRun(kind, booths, options));
  }
  return runs;
}

async function oneRun(kind: FleetRunKind, booths: number, options: FleetBenchOptions): Promise<FleetBenchRun> {
  const broker = await startFleetBroker();
  options.log(`\nfleet ${kind}, ${booths} booths, mosquitto ${broker.version} pid ${broker.pid}`);
  try {
    const fleet: FleetOptions = {
      ...FLEET_DEFAULTS,
      booths,
      brokers: [broker.url],
      brokerPids: [broker.pid],
      durationSeconds: options.durationSeconds,
      captureBytes: kind === 'busy-full' ? FULL_PACKAGE_BYTES : options.captureBytes,
      capturesPerHour: kind === 'raw' || kind === 'telemetry' ? 0 : FLEET_DEFAULTS.capturesPerHour,
      ...(kind === 'raw' ? { boothHost: BASELINE } : {}),
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
      log: (line) => options.log(`  ${line}`),
    };
    const report = await runFleet(fleet);
    options.log(formatReport(report));
    return { kind, booths, broker: `mosquitto ${broker.version}`, report };
  } finally {
    await broker.stop();
  }
}

/** One row per fleet size: our costs against raw mqtt.js for the same telemetry, and the busy run. */
export function fleetTable(runs: FleetBenchRun[]): Array<[string, string, string, string]> {
  const rows: Array<[string, string, string, string]> = [];
  for (const booths of [...new Set(runs.map((run) => run.booths))]) {
    const find = (kind: FleetRunKind) => runs.find((run) => run.booths === booths && run.kind === kind)?.report;
    const raw = find('raw');
    const telemetry = find('telemetry');
    const busy = find('busy');
    const full = find('busy-full');
    const cpu = (report: FleetReport | undefined, group: string) => report?.cpuAndMemory[group]?.cpuPercent ?? NaN;
    const rss = (report: FleetReport | undefined, group: string) => report?.cpuAndMemory[group]?.rssMiB ?? NaN;
    if (telemetry && raw) {
      rows.push([`${booths} booths, telemetry only: booth processes CPU % / RSS MiB`, `${cpu(telemetry, 'booths')} / ${rss(telemetry, 'booths')}`, `raw mqtt.js: ${cpu(raw, 'booths')} / ${rss(raw, 'booths')}`, ratio(cpu(telemetry, 'booths'), cpu(raw, 'booths'))]);
      rows.push([`${booths} booths, telemetry only: broker CPU % / RSS MiB`, `${cpu(telemetry, 'broker')} / ${rss(telemetry, 'broker')}`, `raw mqtt.js: ${cpu(raw, 'broker')} / ${rss(raw, 'broker')}`, ratio(cpu(telemetry, 'broker'), cpu(raw, 'broker'))]);
    }
    for (const [name, report] of [['busy', busy], ['busy, 7 MiB packages', full]] as const) {
      if (!report) continue;
      const c = report.captures;
      rows.push([
        `${booths} booths, ${name}: sustained; booths / broker / receivers CPU %`,
        `${report.sustained ? 'yes' : 'NO'}; ${cpu(report, 'booths')} / ${cpu(report, 'broker')} / ${cpu(report, 'receivers')}`,
        raw ? `raw mqtt.js booths: ${cpu(raw, 'booths')}` : '',
        '',
      ]);
      rows.push([
        `${booths} booths, ${name}: capture p50 / p99 ms; telemetry lag p99; sample late p99`,
        `${c.latencyMs.p50} / ${c.latencyMs.p99}; ${report.telemetry.lagMs.p99}; ${report.telemetry.sampleLateMs.p99} ms`,
        `${c.accepted} packages, ${(c.sealedBytesPerSecond / 1e6).toFixed(2)} MB/s`,
        '',
      ]);
    }
  }
  return rows;
}

function ratio(value: number, baseline: number): string {
  return Number.isFinite(value / baseline) ? `${(value / baseline).toFixed(2)}×` : '—';
}
