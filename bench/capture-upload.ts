/**
 * Capture upload figures on one mosquitto:
 * - MB/s of sealed packages through the outbox → uploader → central receiver (another process)
 *   → ack → erase, and the booth side alone (a peer that acks on the last chunk), against raw
 *   mqtt.js publishing 128 KiB buffers at QoS 1 with the same in-flight window to a subscriber
 *   (the transport's ceiling);
 * - event-loop lag p99 and peak RSS of the uploading process while a large backlog drains.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { systemClock } from '../hal/clock.ts';
import { generateBoothKeyPair, generateCentralKeyPair, loadPrivateKey, loadPublicKey, writeKeyPair } from '../protocols/capture/keys.ts';
import { ackTopic, CHUNK_TOPIC_FILTER, decodeChunk, encodeAck, parseCaptureTopic } from '../protocols/capture/transfer-codec.ts';
import { CaptureUploader } from '../protocols/capture/uploader.ts';
import { createX25519Crypto } from '../protocols/capture/x25519-aes-gcm.ts';
import { CapturePipeline } from '../runtime/captures/capture-pipeline.ts';
import { Outbox } from '../runtime/outbox/outbox.ts';
import { syntheticPackage } from '../simulator/captures/synthetic-package.ts';

const ROOT = join(import.meta.dirname, '..');
const MiB = 1024 * 1024;
const silent = { debug() {}, info() {}, warn() {} };

export interface UploadFigures {
  packages: number;
  packageMiB: number;
  /** With the real central receiver (verify, decrypt, fsynced files) acknowledging. */
  uploadMiBPerSecond: number;
  /** With a peer that acknowledges on the last chunk: the booth side alone. */
  boothSideMiBPerSecond: number;
  boothSideLagP99Ms: number;
  rawMqttJsMiBPerSecond: number;
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  peakRssMiB: number;
}

/** A central stand-in that acknowledges each package when its last chunk arrives, doing nothing else. */
async function startInstantAcker(url: string): Promise<() => Promise<void>> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
  client.on('message', (topic, payload) => {
    const parsed = parseCaptureTopic(topic);
    if (!parsed.ok || parsed.value.kind !== 'chunk') return;
    const chunk = decodeChunk(payload);
    if (chunk.index === chunk.count - 1) {
      client.publish(ackTopic(parsed.value.boothId), Buffer.from(encodeAck({ packageId: chunk.packageId, status: 'accepted' })), { qos: 1 });
    }
  });
  await client.subscribeAsync(CHUNK_TOPIC_FILTER, { qos: 1 });
  return () => client.endAsync(true);
}

async function startReceiverProcess(url: string, dir: string): Promise<() => Promise<void>> {
  const child = spawn(
    join(ROOT, 'bin', 'booth-central'),
    ['--out', join(dir, 'central'), '--broker', url, '--central-key', join(dir, 'keys', 'central.key'), '--booth-keys', join(dir, 'booth-keys'), '--mqtt-version', '5'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (!String(first.value).includes('"ready"')) throw new Error(`booth-central said ${first.value}`);
  void (async () => {
    for await (const _ of { [Symbol.asyncIterator]: () => lines }) {
      // drain the receiver's event lines so it never blocks on a full pipe
    }
  })();
  return async () => {
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
}

/**
 * The transport's ceiling: QoS 1 publishes of 128 KiB with the same in-flight bound, received
 * by a subscriber (like the booth-side figure's acking peer), timed until the last one arrives.
 */
async function rawMqttJs(url: string, totalBytes: number, inFlightBytes: number): Promise<number> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
  const subscriber = await mqtt.connectAsync(url, { protocolVersion: 5 });
  await subscriber.subscribeAsync('bench/raw-capture', { qos: 1 });
  const chunk = randomBytes(128 * 1024);
  const messages = Math.ceil(totalBytes / chunk.length);
  let received = 0;
  const all = new Promise<void>((resolve) => subscriber.on('message', () => ++received === messages && resolve()));
  const inFlight = new Set<Promise<unknown>>();
  const started = performance.now();
  for (let sent = 0; sent < messages; sent += 1) {
    while (inFlight.size * chunk.length >= inFlightBytes) await Promise.race(inFlight);
    const publish: Promise<unknown> = client.publishAsync('bench/raw-capture', chunk, { qos: 1 }).finally(() => inFlight.delete(publish));
    inFlight.add(publish);
  }
  await all;
  const seconds = (performance.now() - started) / 1000;
  await client.endAsync();
  await subscriber.endAsync();
  return Math.round(((messages * chunk.length) / MiB / seconds) * 10) / 10;
}

export async function measureCaptureUpload(url: string, packages: number, packageBytes: number): Promise<UploadFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
  try {
    writeKeyPair(join(dir, 'keys'), 'booth', generateBoothKeyPair());
    writeKeyPair(join(dir, 'keys'), 'central', generateCentralKeyPair());
    mkdirSync(join(dir, 'booth-keys'));
    copyFileSync(join(dir, 'keys', 'booth.pub'), join(dir, 'booth-keys', 'bench-booth.pub')); // central knows booths by id
    return await run(url, dir, packages, packageBytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(url: string, dir: string, packages: number, packageBytes: number): Promise<UploadFigures> {
  const crypto = createX25519Crypto({
    boothPrivateKey: loadPrivateKey(join(dir, 'keys', 'booth.key'), 'booth'),
    centralPublicKey: loadPublicKey(join(dir, 'keys', 'central.pub'), 'central'),
  });
  const boothSide = await drain(url, join(dir, 'outbox-instant'), crypto, packages, packageBytes, () => startInstantAcker(url));
  const endToEnd = await drain(url, join(dir, 'outbox'), crypto, packages, packageBytes, () => startReceiverProcess(url, dir));
  const raw = await rawMqttJs(url, Math.min(endToEnd.bytes, 512 * MiB), MiB);
  return {
    packages,
    packageMiB: Math.round((endToEnd.bytes / packages / MiB) * 100) / 100,
    uploadMiBPerSecond: endToEnd.mibPerSecond,
    boothSideMiBPerSecond: boothSide.mibPerSecond,
    boothSideLagP99Ms: boothSide.lagP99Ms,
    rawMqttJsMiBPerSecond: raw,
    eventLoopLagP99Ms: endToEnd.lagP99Ms,
    eventLoopLagMaxMs: endToEnd.lagMaxMs,
    peakRssMiB: endToEnd.peakRssMiB,
  };
}

/** Fills an outbox with `packages` sealed packages, then times the uploader draining it to `central`. */
async function drain(
  url: string,
  outboxDir: string,
  crypto: ReturnType<typeof createX25519Crypto>,
  packages: number,
  packageBytes: number,
  startCentral: () => Promise<() => Promise<void>>,
) {
  const outbox = new Outbox(outboxDir, systemClock, { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: 1e12 });
  outbox.open();
  const pipeline = new CapturePipeline({ boothId: 'bench-booth', crypto, outbox, audit: { record() {} }, onAccepted() {} });
  for (let i = 0; i < packages; i += 1) pipeline.submit(syntheticPackage({ boothId: 'bench-booth', now: Date.now(), captures: 4, captureBytes: Math.floor(packageBytes / 4) }));
  const bytes = outbox.stats().bytes;
  const stopCentral = await startCentral();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  let peakRss = process.memoryUsage.rss();
  const rssProbe = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const uploader = new CaptureUploader({
    boothId: 'bench-booth',
    source: outbox,
    clock: systemClock,
    logger: silent,
    maxChunkBytes: 131_072,
    maxInFlightBytes: MiB,
    ackTimeoutMs: 30_000,
    retry: { initialMs: 200, maxMs: 2000 },
    protocolVersion: 5,
  });
  const drained = new Promise<void>((resolve) => uploader.on('accepted', () => outbox.stats().depth === 0 && resolve()));
  lag.enable();
  const started = performance.now();
  uploader.start(url);
  await drained;
  const seconds = (performance.now() - started) / 1000;
  lag.disable();
  clearInterval(rssProbe);
  await uploader.stop();
  await stopCentral();
  outbox.close();
  return {
    bytes,
    mibPerSecond: Math.round((bytes / MiB / seconds) * 10) / 10,
    lagP99Ms: Math.round((lag.percentile(99) / 1e6) * 100) / 100,
    lagMaxMs: Math.round((lag.max / 1e6) * 100) / 100,
    peakRssMiB: Math.round(peakRss / MiB),
  };
}
