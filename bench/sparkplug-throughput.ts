/**
 * DDATA throughput on one mosquitto, four publishers, each sending N messages of a device's
 * 10 changed metrics while a separate subscriber process counts them:
 * - boothd's edge node (metric model → alias-only DDATA → mqtt.js),
 * - raw mqtt.js publishing the same bytes (the floor of our stack),
 * - the `sparkplug-client` npm package (Eclipse Tahu's JS client) with the same 10 metrics,
 * - `mosquitto_pub -l` (C client) publishing lines of the same size.
 * Rate = N / (publisher start → last message received).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import mqtt from 'mqtt';
import { systemClock } from '../hal/clock.ts';
import { DataType } from '../protocols/sparkplug/datatypes.ts';
import { EdgeNode } from '../protocols/sparkplug/edge-node.ts';
import { EdgeModel } from '../protocols/sparkplug/metric-model.ts';
import { encodePayload } from '../protocols/sparkplug/payload.ts';
import { SessionStore } from '../protocols/sparkplug/session-store.ts';

const now = () => performance.timeOrigin + performance.now();
// Publishing flat out queues writes in mqtt.js (both versions), which adds a 'drain' listener per
// blocked write and warns past 1000; expected here, so that one warning is not printed.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'MaxListenersExceededWarning') process.stderr.write(`${warning.stack ?? warning.message}\n`);
});
const METRICS = 10;
const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Counts messages with mosquitto_sub (C), so the receiving side is not what limits the rate.
 * It writes one "." line per message to a file (never blocking on a pipe this busy process
 * would not drain) and exits after N + 1: a retained probe message, delivered the moment it is
 * subscribed, marks it ready; then the N measured messages. `done` gives the time it exited.
 */
async function counter(url: string, topic: string, count: number) {
  const { hostname, port } = new URL(url);
  const probeTopic = `${topic}/probe`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-count-'));
  const outFile = join(dir, 'lines');
  const out = openSync(outFile, 'w');
  const prober = await mqtt.connectAsync(url, { protocolVersion: 4 });
  await prober.publishAsync(probeTopic, 'probe', { qos: 1, retain: true });
  const child = spawn('mosquitto_sub', ['-h', hostname, '-p', port, '-q', '0', '-t', probeTopic, '-t', topic, '-F', '.', '-C', String(count + 1)], {
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const exited = new Promise<number>((resolve) => child.on('exit', () => resolve(now())));
  const lines = () => readFileSync(outFile).reduce((total, byte) => total + (byte === 0x0a ? 1 : 0), 0);
  const deadline = Date.now() + 10_000;
  while (lines() < 1) {
    if (Date.now() > deadline) throw new Error('mosquitto_sub did not subscribe within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await prober.publishAsync(probeTopic, '', { qos: 1, retain: true }); // clear the retained probe
  await prober.endAsync();
  return {
    done: async () => {
      const timeout = setTimeout(() => child.kill('SIGTERM'), 120_000);
      const lastAt = await exited;
      clearTimeout(timeout);
      const received = lines() - 1;
      rmSync(dir, { recursive: true, force: true });
      return { received, lastAt };
    },
  };
}

interface Measured {
  /** End to end: N / (publisher start → the C subscriber has received the last one and exited). */
  messagesPerSecond: number;
  /** Publisher CPU (user + system) per message; the receiving side is not counted. */
  cpuMicrosPerMessage: number;
  received: number;
}

/**
 * Runs `publish` while the counting subscriber listens. `publish` returns the publisher's CPU
 * time in µs when it ran in another process; otherwise this process's CPU time is used.
 */
async function measure(url: string, topic: string, count: number, publish: () => Promise<number | void>): Promise<Measured> {
  const subscriber = await counter(url, topic, count);
  const cpu = process.cpuUsage();
  const startedAt = now();
  const childCpu = await publish();
  const result = await subscriber.done();
  const used = process.cpuUsage(cpu);
  const cpuMicros = typeof childCpu === 'number' ? childCpu : used.user + used.system;
  return {
    messagesPerSecond: Math.round((result.received / (result.lastAt - startedAt)) * 1000),
    cpuMicrosPerMessage: Math.round((cpuMicros / count) * 100) / 100,
    received: result.received,
  };
}

async function ourEdgeNode(url: string, count: number, group: string) {
  const model = new EdgeModel();
  const device = model.defineDevice('bench');
  for (let m = 0; m < METRICS; m += 1) device.define(`Bench/Metric ${m}`, DataType.Double, 0, Date.now());
  model.setDeviceOnline('bench', true);
  const store = new SessionStore(':memory:', { maxBytes: 1e6, maxAgeMs: 1e6 });
  const node = new EdgeNode({
    group,
    node: 'bench',
    model,
    store,
    clock: systemClock,
    logger: silentLogger,
    execute: async () => undefined,
    reconnect: { initialMs: 100, maxMs: 1000, jitter: 0 },
    dataBatchMs: 0, // no timer per message; flushed by hand below
  });
  node.start(url);
  while (node.state !== 'online') await new Promise((resolve) => setTimeout(resolve, 10));
  const result = await measure(url, `spBv1.0/${group}/DDATA/bench/bench`, count, async () => {
    for (let i = 1; i <= count; i += 1) {
      const at = Date.now();
      for (let m = 0; m < METRICS; m += 1) model.setDeviceMetric('bench', `Bench/Metric ${m}`, i + m / 100, at);
      node.flushNow();
      if (i % 256 === 0) await yieldToLoop();
    }
  });
  await node.stop();
  store.close();
  return result;
}

/** The bytes one of our DDATA messages has, for the raw baselines. */
function sampleDdata(): Uint8Array {
  const at = Date.now();
  return encodePayload({
    timestamp: at,
    seq: 1,
    metrics: Array.from({ length: METRICS }, (_, m) => ({ alias: BigInt(m + 1), datatype: DataType.Double, value: 1000.5 + m, timestamp: at, omitDatatype: true })),
  });
}

async function rawMqttJs(url: string, count: number, topic: string) {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true });
  const bytes = Buffer.from(sampleDdata());
  const result = await measure(url, topic, count, async () => {
    for (let i = 1; i <= count; i += 1) {
      client.publish(topic, bytes, { qos: 0 });
      if (i % 256 === 0) await yieldToLoop();
    }
  });
  await client.endAsync();
  return result;
}

async function sparkplugClient(url: string, count: number, group: string) {
  const require = createRequire(join(import.meta.dirname, 'baselines', 'package.json'));
  const { newClient } = require('sparkplug-client') as { newClient(config: object): SparkplugClientLike };
  const client = newClient({ serverUrl: url, username: '', password: '', groupId: group, edgeNode: 'bench', clientId: `bench-${group}`, version: 'spBv1.0' });
  await new Promise<void>((resolve) => client.on('birth', () => resolve()));
  const result = await measure(url, `spBv1.0/${group}/DDATA/bench/bench`, count, async () => {
    for (let i = 1; i <= count; i += 1) {
      const at = Date.now();
      client.publishDeviceData('bench', {
        timestamp: at,
        metrics: Array.from({ length: METRICS }, (_, m) => ({ name: `Bench/Metric ${m}`, type: 'Double', value: i + m / 100, timestamp: at })),
      });
      if (i % 256 === 0) await yieldToLoop();
    }
  });
  client.stop();
  return result;
}

interface SparkplugClientLike {
  on(event: 'birth', listener: () => void): void;
  publishDeviceData(device: string, payload: object): void;
  stop(): void;
}

async function mosquittoPub(url: string, count: number, topic: string) {
  const { hostname, port } = new URL(url);
  const dir = mkdtempSync(join(tmpdir(), 'bench-pub-'));
  const file = join(dir, 'lines');
  const line = 'x'.repeat(sampleDdata().byteLength);
  writeFileSync(file, `${line}\n`.repeat(count));
  try {
    return await measure(url, topic, count, async () => {
      // bash's `time` reports the C client's own CPU seconds on stderr.
      const script = `TIMEFORMAT='%U %S'; time mosquitto_pub -h ${hostname} -p ${port} -q 0 -t '${topic}' -l < '${file}'`;
      const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'inherit', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      await new Promise((resolve) => child.on('exit', resolve));
      const [user, system] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      return ((user ?? Number.NaN) + (system ?? Number.NaN)) * 1e6;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ThroughputRun {
  edgeNode: Measured;
  rawMqttJs: Measured;
  sparkplugClient: Measured;
  mosquittoPub: Measured;
  payloadBytes: number;
}

/** One round of all four, each on its own topic, same broker. */
export async function throughputRound(url: string, count: number, round: number): Promise<ThroughputRun> {
  const edge = await ourEdgeNode(url, count, `edge${round}`);
  const raw = await rawMqttJs(url, count, `spBv1.0/raw${round}/DDATA/bench/bench`);
  const tahu = await sparkplugClient(url, count, `tahu${round}`);
  const c = await mosquittoPub(url, count, `spBv1.0/cpub${round}/DDATA/bench/bench`);
  for (const [name, result] of Object.entries({ edge, raw, tahu, c })) {
    if (result.received !== count) throw new Error(`${name}: only ${result.received} of ${count} messages arrived`);
  }
  return { edgeNode: edge, rawMqttJs: raw, sparkplugClient: tahu, mosquittoPub: c, payloadBytes: sampleDdata().byteLength };
}
