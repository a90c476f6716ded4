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
import { CaptureUploader, inThreadSource, type UploadSource } from '../protocols/capture/uploader.ts';
import { createX25519Crypto } from '../protocols/capture/x25519-aes-gcm.ts';
import { CapturePipeline } from '../runtime/captures/capture-pipeline.ts';
import { Outbox } from '../runtime/outbox/outbox.ts';
import { WorkerUploadSource } from '../runtime/outbox/worker-upload-source.ts';
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
  /** The previous version, reading and chunking on the event loop's thread, booth side alone. */
  inThreadMiBPerSecond: number;
  inThreadLagP99Ms: number;
  rawMqttJsMiBPerSecond: number;
  rawMqttJsLagP99Ms: number;
  /** Booth side with captures.maxBytesPerSecond set (a 256 Mbit/s share of the uplink). */
  pacedMiBPerSecondCap: number;
  pacedMiBPerSecond: number;
  pacedLagP99Ms: number;
  pacedLagMaxMs: number;
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  peakRssMiB: number;
  /** RSS when the drain started (after filling the outbox), so the peak reads as growth. */
  startRssMiB: number;
}

type SourceKind = 'worker' | 'in-thread';
const PACED_BYTES_PER_SECOND = 32 * MiB;

/** A process running bench/peer.ts; resolves once it is subscribed. */
async function startPeer(args: string[]): Promise<{ done: Promise<void>; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'peer.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  let markDone!: () => void;
  const done = new Promise<void>((resolve) => (markDone = resolve));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench peer exited with ${code}`)));
    lines.on('line', (line) => (line === 'ready' ? resolve() : line === 'done' ? markDone() : undefined));
  });
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { done, stop };
}

/** A central stand-in that acknowledges each package when its last chunk arrives, doing nothing else. */
async function startInstantAcker(url: string): Promise<() => Promise<void>> {
  return (await startPeer(['ack', url])).stop;
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
 * by a subscriber in another process (like the booth-side figure's acking peer), timed until
 * the last one arrives; with the publishing process's event-loop lag.
 */
async function rawMqttJs(url: string, totalBytes: number, inFlightBytes: number): Promise<{ mibPerSecond: number; lagP99Ms: number }> {
  const chunk = randomBytes(128 * 1024);
  const messages = Math.ceil(totalBytes / chunk.length);
  const subscriber = await startPeer(['count', url, 'bench/raw-capture', String(messages)]);
  const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
  const inFlight = new Set<Promise<unknown>>();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const started = performance.now();
  for (let sent = 0; sent < messages; sent += 1) {
    while (inFlight.size * chunk.length >= inFlightBytes) await Promise.race(inFlight);
    const publish: Promise<unknown> = client.publishAsync('bench/raw-capture', chunk, { qos: 1 }).finally(() => inFlight.delete(publish));
    inFlight.add(publish);
  }
  await subscriber.done;
  const seconds = (performance.now() - started) / 1000;
  lag.disable();
  await client.endAsync();
  await subscriber.stop();
  return { mibPerSecond: Math.round(((messages * chunk.length) / MiB / seconds) * 10) / 10, lagP99Ms: Math.round((lag.percentile(99) / 1e6) * 100) / 100 };
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
  const inThread = await drain(url, join(dir, 'outbox-in-thread'), 'in-thread', crypto, packages, packageBytes, () => startInstantAcker(url));
  const boothSide = await drain(url, join(dir, 'outbox-instant'), 'worker', crypto, packages, packageBytes, () => startInstantAcker(url));
  const endToEnd = await drain(url, join(dir, 'outbox'), 'worker', crypto, packages, packageBytes, () => startReceiverProcess(url, dir));
  // A booth's real uplink is far below loopback speed: the lag at a capped rate is the one a person in the booth would feel.
  const paced = await drain(url, join(dir, 'outbox-paced'), 'worker', crypto, Math.min(packages, 64), packageBytes, () => startInstantAcker(url), PACED_BYTES_PER_SECOND);
  const raw = await rawMqttJs(url, Math.min(endToEnd.bytes, 512 * MiB), MiB);
  return {
    packages,
    packageMiB: Math.round((endToEnd.bytes / packages / MiB) * 100) / 100,
    uploadMiBPerSecond: endToEnd.mibPerSecond,
    boothSideMiBPerSecond: boothSide.mibPerSecond,
    boothSideLagP99Ms: boothSide.lagP99Ms,
    inThreadMiBPerSecond: inThread.mibPerSecond,
    inThreadLagP99Ms: inThread.lagP99Ms,
    rawMqttJsMiBPerSecond: raw.mibPerSecond,
    rawMqttJsLagP99Ms: raw.lagP99Ms,
    pacedMiBPerSecondCap: PACED_BYTES_PER_SECOND / MiB,
    pacedMiBPerSecond: paced.mibPerSecond,
    pacedLagP99Ms: paced.lagP99Ms,
    pacedLagMaxMs: paced.lagMaxMs,
    eventLoopLagP99Ms: endToEnd.lagP99Ms,
    eventLoopLagMaxMs: endToEnd.lagMaxMs,
    peakRssMiB: endToEnd.peakRssMiB,
    startRssMiB: endToEnd.startRssMiB,
  };
}

/** Fills an outbox with `packages` sealed packages, then times the uploader draining it to `central`. */
async function drain(
  url: string,
  outboxDir: string,
  sourceKind: SourceKind,
  crypto: ReturnType<typeof createX25519Crypto>,
  packages: number,
  packageBytes: number,
  startCentral: () => Promise<() => Promise<void>>,
  maxBytesPerSecond?: number,
) {
  const outbox = new Outbox(outboxDir, systemClock, { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: 1e12 });
  outbox.open();
  const pipeline = new CapturePipeline({ boothId: 'bench-booth', crypto, outbox, audit: { record() {} }, onAccepted() {} });
  for (let i = 0; i < packages; i += 1) pipeline.submit(syntheticPackage({ boothId: 'bench-booth', now: Date.now(), captures: 4, captureBytes: Math.floor(packageBytes / 4) }));
  const bytes = outbox.stats().bytes;
  const stopCentral = await startCentral();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  const startRss = process.memoryUsage.rss();
  let peakRss = startRss;
  const rssProbe = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const workerSource = sourceKind === 'worker' ? new WorkerUploadSource(outbox) : undefined;
  const source: UploadSource = workerSource ?? inThreadSource(outbox);
  const uploader = new CaptureUploader({
    boothId: 'bench-booth',
    source,
    clock: systemClock,
    logger: silent,
    maxChunkBytes: 131_072,
    maxInFlightBytes: MiB,
    ...(maxBytesPerSecond === undefined ? {} : { maxBytesPerSecond }),
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
  await workerSource?.close();
  await stopCentral();
  outbox.close();
  return {
    bytes,
    mibPerSecond: Math.round((bytes / MiB / seconds) * 10) / 10,
    lagP99Ms: Math.round((lag.percentile(99) / 1e6) * 100) / 100,
    lagMaxMs: Math.round((lag.max / 1e6) * 100) / 100,
    peakRssMiB: Math.round(peakRss / MiB),
    startRssMiB: Math.round(startRss / MiB),
  };
}
