/**
 * `make bench`: runs every benchmark with its baseline in the same run, prints tables and
 * writes bench/out/results.json. Record the numbers in bench/RESULTS.md by hand, with the date.
 * Environment: BENCH_ONLY=startup|sparkplug|captures|sdk|firmata|session, BENCH_SESSIONS (back-to-back sessions of the memory run, default 200), BENCH_SDK_CAPTURES (per way and round, default 500), BENCH_FIRMATA_PRESSES (default 200), BENCH_BACKLOG_MIB (default 1024), BENCH_RUNS (start-up runs, default 15),
 * BENCH_IDLE_SECONDS (default 60), BENCH_MESSAGES (throughput messages per run, default 50000).
 * BENCH_ONLY=fleet (never part of a plain `make bench`: ~30 min): BENCH_FLEET_SIZES (default 250,500,1000,2000),
 * BENCH_FLEET_SECONDS (window per run, default 120), BENCH_FLEET_BYTES (package bytes, default 1 MiB), BENCH_FLEET_FULL_AT (sizes with a 7 MiB run, default 1000), BENCH_FLEET_STATE_DIR (the booths' SQLite files, e.g. /dev/shm),
 * BENCH_FLEET_KINDS (raw,telemetry,busy by default).
 * BENCH_ONLY=fleet-cluster (never part of a plain `make bench`): BENCH_FLEET_SIZES (default 300,1000), BENCH_FLEET_SECONDS (default 90),
 * BENCH_FLEET_BYTES, BENCH_FLEET_STATE_DIR as above.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { startMosquitto } from '../tests/support/mosquitto.ts';
import { commandLatency, startToBirth } from './sparkplug-latency.ts';
import { throughputRound, type ThroughputRun } from './sparkplug-throughput.ts';
import { measureIdleMemory, measureStartup } from './startup.ts';
import { measureCaptureUpload } from './capture-upload.ts';
import { measureOutboxStorage } from './outbox-storage.ts';
import { measureSdkCapture } from './sdk-capture.ts';
import { measureFirmataExitLatency } from './firmata-latency.ts';
import { fleetTable, measureFleet, type FleetRunKind } from './fleet.ts';
import { clusterTable, measureFleetOnCluster } from './fleet-cluster.ts';
import { measureSessionOverhead, sessionRows } from './session-overhead.ts';

const only = process.env.BENCH_ONLY;
const runs = Number(process.env.BENCH_RUNS ?? 15);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const messages = Number(process.env.BENCH_MESSAGES ?? 50_000);
const results: Record<string, unknown> = {
  machine: { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
};

if (!only || only === 'startup') {
  process.stdout.write(`measuring start-up (${runs} runs) and idle memory (${idleSeconds} s) ...\n`);
  // One after the other: an idle daemon in the background would disturb the start-up timings.
  const startup = await measureStartup(runs);
  const idle = await measureIdleMemory(idleSeconds);
  results.startup = startup;
  results.idle = idle;
  const base = `node -e 0: ${startup.nodeBaseline.medianMs} ms`;
  table([
    ['boothd spawn → door released (median)', `${startup.doorReleased.medianMs} ms`, base, ratio(startup.doorReleased.medianMs, startup.nodeBaseline.medianMs)],
    ['boothd spawn → all 7 devices ready (median)', `${startup.allDevicesReady.medianMs} ms`, base, ratio(startup.allDevicesReady.medianMs, startup.nodeBaseline.medianMs)],
    ['… door released without compile cache (previous version)', `${startup.doorReleasedWithoutCompileCache.medianMs} ms`, base, ratio(startup.doorReleasedWithoutCompileCache.medianMs, startup.nodeBaseline.medianMs)],
    [`idle RSS after ${idle.seconds} s`, `${mib(idle.boothd.rssKiB)} MiB`, `idle node: ${mib(idle.nodeBaseline.rssKiB)} MiB`, ratio(idle.boothd.rssKiB, idle.nodeBaseline.rssKiB)],
  ]);
}

if (!only || only === 'sparkplug') {
  const broker = await startMosquitto();
  try {
    process.stdout.write(`\nmeasuring Sparkplug on mosquitto: DDATA throughput (3 × ${messages} messages each), start → NBIRTH (10), DCMD → relay (200) ...\n`);
    const rounds: ThroughputRun[] = [];
    for (let round = 1; round <= 3; round += 1) rounds.push(await throughputRound(broker.url, messages, round));
    const median = (pick: (run: ThroughputRun) => number) => rounds.map(pick).sort((a, b) => a - b)[1]!;
    const rate = {
      edgeNode: median((r) => r.edgeNode.messagesPerSecond),
      rawMqttJs: median((r) => r.rawMqttJs.messagesPerSecond),
      sparkplugClient: median((r) => r.sparkplugClient.messagesPerSecond),
      mosquittoPub: median((r) => r.mosquittoPub.messagesPerSecond),
    };
    const cpu = {
      edgeNode: median((r) => r.edgeNode.cpuMicrosPerMessage),
      rawMqttJs: median((r) => r.rawMqttJs.cpuMicrosPerMessage),
      sparkplugClient: median((r) => r.sparkplugClient.cpuMicrosPerMessage),
      mosquittoPub: median((r) => r.mosquittoPub.cpuMicrosPerMessage),
    };
    const birth = await startToBirth(broker.url, 10);
    const latency = await commandLatency(broker.url, 200);
    results.sparkplug = { rounds, medianMessagesPerSecond: rate, medianCpuMicrosPerMessage: cpu, startToBirth: birth, latency };
    table([
      ['DDATA/s, edge node (10 metrics, end to end)', String(rate.edgeNode), `sparkplug-client: ${rate.sparkplugClient}`, ratio(rate.edgeNode, rate.sparkplugClient)],
      ['DDATA/s, edge node vs raw mqtt.js, same bytes', String(rate.edgeNode), `raw mqtt.js: ${rate.rawMqttJs}`, ratio(rate.edgeNode, rate.rawMqttJs)],
      ['DDATA/s, edge node vs mosquitto_pub (C)', String(rate.edgeNode), `mosquitto_pub: ${rate.mosquittoPub}`, ratio(rate.edgeNode, rate.mosquittoPub)],
      ['publisher CPU µs per DDATA, edge node', String(cpu.edgeNode), `sparkplug-client: ${cpu.sparkplugClient}`, ratio(cpu.sparkplugClient, cpu.edgeNode, ' less')],
      ['publisher CPU µs per DDATA, raw mqtt.js / mosquitto_pub', `${cpu.rawMqttJs} / ${cpu.mosquittoPub}`, '', ''],
      ['spawn → NBIRTH on the wire (median of 10)', `${birth.medianMs} ms`, `min–max ${birth.minMs}–${birth.maxMs} ms`, ''],
      ['DCMD unlock → relay drop p50 / p99', `${latency.dcmdToRelay.p50Ms} / ${latency.dcmdToRelay.p99Ms} ms`, `MQTT hop p50/p99: ${latency.mqttRoundTrip.p50Ms} / ${latency.mqttRoundTrip.p99Ms} ms`, ''],
    ]);
  } finally {
    await broker.stop();
  }
}

if (!only || only === 'captures') {
  const backlogMiB = Number(process.env.BENCH_BACKLOG_MIB ?? 1024);
  process.stdout.write(`\nmeasuring the capture path: outbox accept vs fsync, upload of a ${backlogMiB} MiB backlog ...\n`);
  const storage = [measureOutboxStorage(3_000_000, 40), measureOutboxStorage(100_000, 200)];
  // No cap on the messages queued for a slow subscriber: mosquitto's default (1000) silently drops
  // QoS 1 messages beyond it, and the raw baseline, which nothing paces, would then wait forever.
  const broker = await startMosquitto({ extraConfig: ['max_queued_messages 0'] });
  try {
    const upload = await measureCaptureUpload(broker.url, Math.max(1, Math.round(backlogMiB / 2)), 2 * 1024 * 1024, broker.pid);
    const cpu = (figures: { bench: number; broker: number; peer: number }) => `${figures.bench} / ${figures.broker} / ${figures.peer}`;
    results.captures = { storage, upload };
    table([
      ...storage.flatMap((figures): Array<[string, string, string, string]> => [
        [
          `durable accepts/s, ${figures.packageBytes / 1000} kB packages (files)`,
          String(figures.files.acceptsPerSecond),
          `4 KiB fsyncs/s: ${figures.fsyncPerSecond}; previous version (BLOB): ${figures.blob.acceptsPerSecond}/s`,
          ratio(figures.files.acceptsPerSecond, figures.blob.acceptsPerSecond),
        ],
        [
          `erase, ${figures.packageBytes / 1000} kB packages: CPU ms per MiB; wall ms per package`,
          `${figures.files.eraseCpuMsPerMiB}; ${figures.files.eraseWallMsPerPackage}`,
          `previous version (BLOB, secure_delete): ${figures.blob.eraseCpuMsPerMiB}; ${figures.blob.eraseWallMsPerPackage}`,
          ratio(figures.files.eraseCpuMsPerMiB, figures.blob.eraseCpuMsPerMiB),
        ],
      ]),
      [`upload MiB/s, ${upload.packages} × ${upload.packageMiB} MiB through outbox → central ack`, String(upload.uploadMiBPerSecond), `raw mqtt.js QoS 1 128 KiB: ${upload.rawMqttJsMiBPerSecond}`, ratio(upload.uploadMiBPerSecond, upload.rawMqttJsMiBPerSecond)],
      ['upload MiB/s, booth side (peer acks on the last chunk)', String(upload.boothSideMiBPerSecond), `raw mqtt.js QoS 1 128 KiB: ${upload.rawMqttJsMiBPerSecond} (runs ${upload.rawMqttJsRuns.join(', ')})`, ratio(upload.boothSideMiBPerSecond, upload.rawMqttJsMiBPerSecond)],
      ['upload MiB/s, booth side vs raw mqtt.js without its payload copy', String(upload.boothSideMiBPerSecond), `raw mqtt.js, no copy: ${upload.rawNoCopyMiBPerSecond}`, ratio(upload.boothSideMiBPerSecond, upload.rawNoCopyMiBPerSecond)],
      ['upload MiB/s, booth side, previous version (uploader on the event loop)', String(upload.previousMiBPerSecond), `raw mqtt.js QoS 1 128 KiB: ${upload.rawMqttJsMiBPerSecond}`, ratio(upload.previousMiBPerSecond, upload.rawMqttJsMiBPerSecond)],
      ['CPU ms per MiB, previous version: bench / broker / peer', `${upload.previousCpu.bench} / ${upload.previousCpu.broker} / ${upload.previousCpu.peer}`, '', ''],
      ['event-loop lag, booth side only, p99: upload thread / previous version', `${upload.boothSideLagP99Ms} / ${upload.previousLagP99Ms} ms`, `raw mqtt.js publisher: ${upload.rawMqttJsLagP99Ms} ms (no copy: ${upload.rawNoCopyLagP99Ms} ms)`, ''],
      ['CPU ms per MiB, booth side: bench / broker / peer', cpu(upload.boothSideCpu), `raw: ${cpu(upload.rawMqttJsCpu)}; no copy: ${cpu(upload.rawNoCopyCpu)}`, ''],
      [`upload capped at ${upload.pacedMiBPerSecondCap} MiB/s (captures.maxBytesPerSecond): MiB/s, lag p99 / max`, `${upload.pacedMiBPerSecond}; ${upload.pacedLagP99Ms} / ${upload.pacedLagMaxMs} ms`, '', ''],
      ['event-loop lag while the backlog drains p99 / max', `${upload.eventLoopLagP99Ms} / ${upload.eventLoopLagMaxMs} ms`, '', ''],
      ['peak RSS while the backlog drains (RSS when it started)', `${upload.peakRssMiB} MiB (${upload.startRssMiB} MiB)`, '', ''],
    ]);
  } finally {
    await broker.stop();
  }
}

if (!only || only === 'sdk') {
  const captures = Number(process.env.BENCH_SDK_CAPTURES ?? 500);
  process.stdout.write(`\nmeasuring SDK slap capture (1600x1500) through FFI vs C, ${captures} captures per way, 3 rounds, zero simulated latency ...\n`);
  const sdk = await measureSdkCapture(captures);
  results.sdk = sdk;
  const row = (name: string, times: { meanUs: number; p50Us: number; p99Us: number; loopUs?: number }): [string, string, string, string] => [
    `${name}: µs per capture p50 / mean / p99 (event loop)`,
    `${times.p50Us} / ${times.meanUs} / ${times.p99Us}${times.loopUs === undefined ? '' : ` (${times.loopUs})`}`,
    `C p50 ${sdk.c.p50Us} µs; overhead p50 ${(times.p50Us - sdk.c.p50Us).toFixed(1)} µs`,
    ratio(times.p50Us, sdk.c.p50Us),
  ];
  table([
    row('C, one reused buffer (bio-sdk-bench)', sdk.c),
    row('C, malloc per capture', sdk.cFresh),
    row('koffi sync call on the event loop', sdk.koffiSync),
    row('koffi .async call (pool thread)', sdk.koffiAsync),
    row('biosdk,fingerprint captureSlap (driver)', sdk.driver),
  ]);
}

if (!only || only === 'firmata') {
  const presses = Number(process.env.BENCH_FIRMATA_PRESSES ?? 200);
  process.stdout.write(`\nmeasuring Firmata exit button → relay released on the board twin (PTY), ${presses} presses per series ...\n`);
  const firmata = await measureFirmataExitLatency(presses);
  results.firmata = firmata;
  const row = (name: string, series: { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number }): [string, string, string, string] => [
    `${name}: p50 / p99 (max, mean)`,
    `${series.p50Ms} / ${series.p99Ms} ms (${series.maxMs}, ${series.meanMs})`,
    `firmata-io echo p50 / p99: ${firmata.firmataIo.p50Ms} / ${firmata.firmataIo.p99Ms} ms`,
    ratio(series.p99Ms, firmata.firmataIo.p99Ms),
  ];
  table([
    row('exit button → relay released, real boothd (door guard path)', firmata.boothd),
    row('exit button → relay released, drivers in-process (no boothd)', firmata.driver),
    row('input report → SET_DIGITAL_PIN_VALUE, bare firmata-io', firmata.firmataIo),
  ]);
}

if (!only || only === 'session') {
  const soak = Number(process.env.BENCH_SESSIONS ?? 200);
  process.stdout.write(`\nmeasuring enrolment sessions on zero-latency simulated devices: orchestrated vs direct device calls (30 pairs), then ${soak} back-to-back sessions with memory samples ...\n`);
  const session = await measureSessionOverhead({ warmup: 3, pairs: 30, soak, sampleEvery: Math.max(10, Math.round(soak / 20)), previewFrames: 1 });
  results.session = session;
  table(sessionRows(session));
}

if (only === 'fleet') {
  const list = (text: string | undefined, fallback: number[]) => (text ? text.split(',').filter(Boolean).map(Number) : fallback);
  const fleet = await measureFleet({
    sizes: list(process.env.BENCH_FLEET_SIZES, [250, 500, 1000, 2000]),
    durationSeconds: Number(process.env.BENCH_FLEET_SECONDS ?? 120),
    captureBytes: Number(process.env.BENCH_FLEET_BYTES ?? 1024 * 1024),
    fullSizeAt: list(process.env.BENCH_FLEET_FULL_AT, [1000]),
    ...(process.env.BENCH_FLEET_STATE_DIR ? { stateDir: process.env.BENCH_FLEET_STATE_DIR } : {}),
    ...(process.env.BENCH_FLEET_KINDS ? { kinds: process.env.BENCH_FLEET_KINDS.split(',') as FleetRunKind[] } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  results.fleet = fleet;
  table(fleetTable(fleet));
}

if (only === 'fleet-cluster') {
  const cluster = await measureFleetOnCluster({
    sizes: (process.env.BENCH_FLEET_SIZES ?? '300,1000').split(',').filter(Boolean).map(Number),
    durationSeconds: Number(process.env.BENCH_FLEET_SECONDS ?? 90),
    captureBytes: Number(process.env.BENCH_FLEET_BYTES ?? 1024 * 1024),
    ...(process.env.BENCH_FLEET_STATE_DIR ? { stateDir: process.env.BENCH_FLEET_STATE_DIR } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  results.fleetCluster = cluster;
  table(clusterTable(cluster));
}

const outDir = join(import.meta.dirname, 'out');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nwritten ${join('bench', 'out', 'results.json')}\n`);

function table(rows: Array<[string, string, string, string]>): void {
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length), 8));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ');
  process.stdout.write(`\n${line(['figure', 'value', 'baseline (same run)', 'ratio'])}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

function ratio(value: number, baseline: number, suffix = ''): string {
  return `${(value / baseline).toFixed(2)}×${suffix}`;
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(1);
}
