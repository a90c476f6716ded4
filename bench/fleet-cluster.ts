/**
 * The fleet on a broker cluster (BENCH_ONLY=fleet-cluster): for each fleet size, two runs, each
 * on a fresh 3-node RabbitMQ cluster on loopback (tests/support/rabbitmq-cluster.ts): the
 * baseline with every node up the whole window, then the same fleet with node 2 killed by
 * SIGKILL a third into the window. What the kill costs is the difference: booths born again and
 * how fast, capture latency, packages lost (must be none), broker CPU.
 */
import { ensureOpenFileLimit, FILES_OVERHEAD, FILES_PER_BOOTH_AT_BROKER } from '../runtime/rig/fleet/file-limit.ts';
import { FLEET_DEFAULTS } from '../runtime/rig/fleet/fleet-options.ts';
import { formatReport, type FleetReport } from '../runtime/rig/fleet/fleet-report.ts';
import { runFleet } from '../runtime/rig/fleet/fleet-runner.ts';
import { startRabbitMqCluster } from '../tests/support/rabbitmq-cluster.ts';

export interface ClusterBenchRun {
  booths: number;
  killed: boolean;
  clusterReadyMs: number;
  report: FleetReport;
}

export interface ClusterBenchOptions {
  sizes: number[];
  durationSeconds: number;
  captureBytes: number;
  stateDir?: string;
  log(line: string): void;
}

export async function measureFleetOnCluster(options: ClusterBenchOptions): Promise<ClusterBenchRun[]> {
  // The nodes are our children: they inherit the limit raised here (2 sockets per booth, all on one node at worst).
  ensureOpenFileLimit(Math.max(...options.sizes) * FILES_PER_BOOTH_AT_BROKER + FILES_OVERHEAD, 'the cluster nodes');
  const runs: ClusterBenchRun[] = [];
  for (const booths of options.sizes) {
    for (const killed of [false, true]) runs.push(await oneRun(booths, killed, options));
  }
  return runs;
}

async function oneRun(booths: number, killed: boolean, options: ClusterBenchOptions): Promise<ClusterBenchRun> {
  const cluster = await startRabbitMqCluster({ readyLimitMs: 120_000 });
  options.log(`\nfleet on a 3-node RabbitMQ cluster, ${booths} booths, ${killed ? 'node 2 killed' : 'no kill'} (cluster ready in ${cluster.readyMs} ms)`);
  try {
    const report = await runFleet({
      ...FLEET_DEFAULTS,
      booths,
      brokers: cluster.nodes.map((node) => node.url),
      brokerPids: cluster.nodes.map((node) => node.pid),
      // RabbitMQ 3.10 speaks MQTT 3.1.1 and has no $share: one receiver with a plain subscription.
      mqttVersion: 4,
      receivers: 1,
      kills: killed ? [{ broker: 1, atSecond: Math.round(options.durationSeconds / 3) }] : [],
      durationSeconds: options.durationSeconds,
      captureBytes: options.captureBytes,
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
      log: (line) => options.log(`  ${line}`),
    });
    options.log(formatReport(report));
    return { booths, killed, clusterReadyMs: cluster.readyMs, report };
  } finally {
    await cluster.stop();
  }
}

/** Per size: the run with a node killed against the baseline without. */
export function clusterTable(runs: ClusterBenchRun[]): Array<[string, string, string, string]> {
  const rows: Array<[string, string, string, string]> = [];
  for (const booths of [...new Set(runs.map((run) => run.booths))]) {
    const base = runs.find((run) => run.booths === booths && !run.killed)?.report;
    const hit = runs.find((run) => run.booths === booths && run.killed)?.report;
    if (!base || !hit) continue;
    const kill = hit.failover?.[0];
    const cpu = (report: FleetReport, group: string) => report.cpuAndMemory[group]?.cpuPercent ?? NaN;
    rows.push([`${booths} booths on 3 nodes: sustained`, hit.sustained ? 'yes' : `NO: ${hit.reasons.join('; ')}`, `no kill: ${base.sustained ? 'yes' : `NO: ${base.reasons.join('; ')}`}`, '']);
    if (kill) {
      rows.push([
        `${booths} booths: node 2 killed at ${kill.atS} s: on it / born again (higher bdSeq) / others born again / left on it`,
        `${kill.boothsOnIt} / ${kill.reborn} (${kill.rebornWithHigherBdSeq}) / ${kill.rebornElsewhere} / ${kill.onItAtEnd}`,
        '',
        '',
      ]);
      rows.push([`${booths} booths: kill → NBIRTH on a surviving node, p50 / p99 / max ms`, `${kill.rebirthMs.p50} / ${kill.rebirthMs.p99} / ${kill.rebirthMs.max}`, '', '']);
    }
    rows.push([
      `${booths} booths: packages accepted / stored / lost; duplicates acked`,
      `${hit.captures.accepted} / ${hit.captures.storedDistinct} / ${hit.captures.lost}; ${hit.captures.duplicatesAcked}`,
      `no kill: ${base.captures.accepted} / ${base.captures.storedDistinct} / ${base.captures.lost}; ${base.captures.duplicatesAcked}`,
      '',
    ]);
    rows.push([
      `${booths} booths: capture latency p50 / p99 / max ms`,
      `${hit.captures.latencyMs.p50} / ${hit.captures.latencyMs.p99} / ${hit.captures.latencyMs.max}`,
      `no kill: ${base.captures.latencyMs.p50} / ${base.captures.latencyMs.p99} / ${base.captures.latencyMs.max}`,
      '',
    ]);
    rows.push([
      `${booths} booths: telemetry lag p99 ms; samples delivered`,
      `${hit.telemetry.lagMs.p99}; ${(hit.telemetry.deliveredRatio * 100).toFixed(2)} %`,
      `no kill: ${base.telemetry.lagMs.p99}; ${(base.telemetry.deliveredRatio * 100).toFixed(2)} %`,
      '',
    ]);
    rows.push([`${booths} booths: broker (3 nodes) / booths CPU %`, `${cpu(hit, 'broker')} / ${cpu(hit, 'booths')}`, `no kill: ${cpu(base, 'broker')} / ${cpu(base, 'booths')}`, `${(cpu(hit, 'broker') / cpu(base, 'broker')).toFixed(2)}× broker`]);
  }
  return rows;
}
