/**
 * Capture upload figures on one mosquitto:
 * - MB/s of sealed packages through the outbox → uploader → central receiver (another process)
 *   → ack → erase, and the booth side alone (a peer that acks on the last chunk), against raw
 *   mqtt.js publishing 128 KiB buffers at QoS 1 with the same in-flight window to a subscriber
 *   (the transport's ceiling; run before and after the booth side, the faster run counts), and against the same with mqtt.js's per-publish payload copy
 *   left out as our uploader leaves it out (protocols/capture/mqtt-zero-copy.ts): the stricter ceiling;
 * - event-loop lag p99 and peak RSS of the uploading process while a large backlog drains;
 * - CPU time per MiB of each process (bench, broker, peer) of the booth-side and raw runs, from
 *   /proc: on a small machine shared with the broker, where the time goes.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { systemClock } from '../hal/clock.ts';
import { generateBoothKeyPair, generateCentralKeyPair, loadPrivateKey, loadPublicKey, writeKeyPair } from '../protocols/capture/keys.ts';
import { storePublishesWithoutCopy } from '../protocols/capture/mqtt-zero-copy.ts';
import { CaptureUploader } from '../protocols/capture/uploader.ts';
import { createX25519Crypto } from '../protocols/capture/x25519-aes-gcm.ts';
import { CapturePipeline } from '../runtime/captures/capture-pipeline.ts';
import { Outbox } from '../runtime/outbox/outbox.ts';
import { WorkerUploadSource } from '../runtime/outbox/worker-upload-source.ts';
import { ThreadedUploader, UPLOAD_THREAD_NICENESS } from '../runtime/captures/threaded-uploader.ts';
import { syntheticPackage } from '../simulator/captures/synthetic-package.ts';
import { EventLoopLag } from '../runtime/telemetry/event-loop-lag.ts';

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
  /** The previous version: the uploader on the event loop, reading and chunking on worker threads; booth side alone. */
  previousMiBPerSecond: number;
  previousLagP99Ms: number;
  previousCpu: CpuPerMiB;
  /** The faster of two runs, before and after the booth side (both in rawMqttJsRuns). */
  rawMqttJsMiBPerSecond: number;
  rawMqttJsRuns: number[];
  rawMqttJsLagP99Ms: number;
  /** Raw mqtt.js storing QoS 1 publishes without copying the payload, as our uploader does. */
  rawNoCopyMiBPerSecond: number;
  rawNoCopyLagP99Ms: number;
  /** CPU ms per MiB moved: the bench process (all its threads), the broker, the peer process. */
  boothSideCpu: CpuPerMiB;
  rawMqttJsCpu: CpuPerMiB;
  rawNoCopyCpu: CpuPerMiB;
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

export interface CpuPerMiB {
  bench: number;
  broker: number;
  peer: number;
}

/** Where the upload runs: on its own thread as boothd runs it, or on the event loop with the outbox work on threads (the previous version). */
type UploadKind = 'thread' | 'event-loop';
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, every thread) a process has used so far; 0 when it cannot be read. */
function cpuSeconds(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Starts counting CPU time of this process, the broker and the peer; the returned function gives ms per MiB. */
function cpuMeter(brokerPid: number | undefined, peerPid: number | undefined): (bytes: number) => CpuPerMiB {
  const start = { bench: cpuSeconds('self'), broker: brokerPid ? cpuSeconds(brokerPid) : 0, peer: peerPid ? cpuSeconds(peerPid) : 0 };
  return (bytes) => {
    const perMiB = (seconds: number) => Math.round(((seconds * 1000) / (bytes / MiB)) * 100) / 100;
    return {
      bench: perMiB(cpuSeconds('self') - start.bench),
      broker: brokerPid ? perMiB(cpuSeconds(brokerPid) - start.broker) : 0,
      peer: peerPid ? perMiB(cpuSeconds(peerPid) - start.peer) : 0,
    };
  };
}
const PACED_BYTES_PER_SECOND = 32 * MiB;

/** A process running bench/peer.ts; resolves once it is subscribed. */
async function startPeer(args: string[]): Promise<{ pid: number | undefined; done: Promise<void>; stop: () => Promise<void> }> {
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
  return { pid: child.pid, done, stop };
}

interface Central {
  pid: number | undefined;
  stop: () => Promise<void>;
}

/** A central stand-in that acknowledges each package when its last chunk arrives, doing nothing else. */
async function startInstantAcker(url: string): Promise<Central> {
  return startPeer(['ack', url]);
}

async function startReceiverProcess(url: string, dir: string): Promise<Central> {
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
  const stop = async () => {
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { pid: child.pid, stop };
}

/**
 * The transport's ceiling: QoS 1 publishes of 128 KiB with the same in-flight bound, received
 * by a subscriber in another process (like the booth-side figure's acking peer), timed until
 * the last one arrives; with the publishing process's event-loop lag.
 */
async function rawMqttJs(
  url: string,
  brokerPid: number | undefined,
  totalBytes: number,
  inFlightBytes: number,
  noCopy = false,
): Promise<{ mibPerSecond: number; lagP99Ms: number; cpu: CpuPerMiB }> {
  const chunk = randomBytes(128 * 1024);
  const messages = Math.ceil(totalBytes / chunk.length);
  const subscriber = await startPeer(['count', url, 'bench/raw-capture', String(messages)]);
  const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
  if (noCopy && !storePublishesWithoutCopy(client)) throw new Error('mqtt.js internals changed: cannot store publishes without a copy');
  const inFlight = new Set<Promise<unknown>>();
  const lag = new EventLoopLag(5);
  const cpu = cpuMeter(brokerPid, subscriber.pid);
  lag.start();
  const started = performance.now();
  for (let sent = 0; sent < messages; sent += 1) {
    while (inFlight.size * chunk.length >= inFlightBytes) await Promise.race(inFlight);
    const publish: Promise<unknown> = client.publishAsync('bench/raw-capture', chunk, { qos: 1 }).finally(() => inFlight.delete(publish));
    inFlight.add(publish);
  }
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`raw baseline: the subscriber has not received ${messages} messages after 5 min (did the broker drop some?)`)), 300_000);
  });
  await Promise.race([subscriber.done, stuck]).finally(() => clearTimeout(timer));
  const seconds = (performance.now() - started) / 1000;
  lag.stop();
  const used = cpu(messages * chunk.length);
  await client.endAsync();
  await subscriber.stop();
  return { mibPerSecond: Math.round(((messages * chunk.length) / MiB / seconds) * 10) / 10, lagP99Ms: Math.round(lag.percentileMs(99) * 100) / 100, cpu: used };
}

/** `brokerPid` (optional) adds the broker's CPU time per MiB to the figures. */
export async function measureCaptureUpload(url: string, packages: number, packageBytes: number, brokerPid?: number): Promise<UploadFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
  try {
    writeKeyPair(join(dir, 'keys'), 'booth', generateBoothKeyPair());
    writeKeyPair(join(dir, 'keys'), 'central', generateCentralKeyPair());
    mkdirSync(join(dir, 'booth-keys'));
    copyFileSync(join(dir, 'keys', 'booth.pub'), join(dir, 'booth-keys', 'bench-booth.pub')); // central knows booths by id
    return await run(url, brokerPid, dir, packages, packageBytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(url: string, brokerPid: number | undefined, dir: string, packages: number, packageBytes: number): Promise<UploadFigures> {
  const crypto = createX25519Crypto({
    boothPrivateKey: loadPrivateKey(join(dir, 'keys', 'booth.key'), 'booth'),
    centralPublicKey: loadPublicKey(join(dir, 'keys', 'central.pub'), 'central'),
  });
  const rawBytes = Math.min(packages * packageBytes, 512 * MiB);
  // The booth side between its baselines, so they share the machine's load of the moment; raw
  // mqtt.js runs before and after it and the faster of the two is the baseline (on a shared
  // machine a single run may fall into someone else's busy second).
  const rawBefore = await rawMqttJs(url, brokerPid, rawBytes, MiB);
  const boothSide = await drain(url, brokerPid, join(dir, 'outbox-instant'), 'thread', crypto, packages, packageBytes, () => startInstantAcker(url));
  const rawNoCopy = await rawMqttJs(url, brokerPid, rawBytes, MiB, true);
  const rawAfter = await rawMqttJs(url, brokerPid, rawBytes, MiB);
  const raw = rawAfter.mibPerSecond > rawBefore.mibPerSecond ? rawAfter : rawBefore;
  const previous = await drain(url, brokerPid, join(dir, 'outbox-previous'), 'event-loop', crypto, packages, packageBytes, () => startInstantAcker(url));
  const endToEnd = await drain(url, brokerPid, join(dir, 'outbox'), 'thread', crypto, packages, packageBytes, () => startReceiverProcess(url, dir));
  // A booth's real uplink is far below loopback speed: the lag at a capped rate is the one a person in the booth would feel.
  const paced = await drain(url, brokerPid, join(dir, 'outbox-paced'), 'thread', crypto, Math.min(packages, 64), packageBytes, () => startInstantAcker(url), PACED_BYTES_PER_SECOND);
  return {
    packages,
    packageMiB: Math.round((endToEnd.bytes / packages / MiB) * 100) / 100,
    uploadMiBPerSecond: endToEnd.mibPerSecond,
    boothSideMiBPerSecond: boothSide.mibPerSecond,
    boothSideLagP99Ms: boothSide.lagP99Ms,
    previousMiBPerSecond: previous.mibPerSecond,
    previousLagP99Ms: previous.lagP99Ms,
    previousCpu: previous.cpu,
    rawMqttJsMiBPerSecond: raw.mibPerSecond,
    rawMqttJsRuns: [rawBefore.mibPerSecond, rawAfter.mibPerSecond],
    rawMqttJsLagP99Ms: raw.lagP99Ms,
    rawNoCopyMiBPerSecond: rawNoCopy.mibPerSecond,
    rawNoCopyLagP99Ms: rawNoCopy.lagP99Ms,
    boothSideCpu: boothSide.cpu,
    rawMqttJsCpu: raw.cpu,
    rawNoCopyCpu: rawNoCopy.cpu,
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
  brokerPid: number | undefined,
  outboxDir: string,
  kind: UploadKind,
  crypto: ReturnType<typeof createX25519Crypto>,
  packages: number,
  packageBytes: number,
  startCentral: () => Promise<Central>,
  maxBytesPerSecond?: number,
) {
  const outbox = new Outbox(outboxDir, systemClock, { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: 1e12 });
  outbox.open();
  const pipeline = new CapturePipeline({ boothId: 'bench-booth', crypto, outbox, audit: { record() {} }, onAccepted() {} });
  for (let i = 0; i < packages; i += 1) pipeline.submit(syntheticPackage({ boothId: 'bench-booth', now: Date.now(), captures: 4, captureBytes: Math.floor(packageBytes / 4) }));
  const bytes = outbox.stats().bytes;
  const central = await startCentral();
  const lag = new EventLoopLag(5);
  const startRss = process.memoryUsage.rss();
  let peakRss = startRss;
  const rssProbe = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const settings = { boothId: 'bench-booth', maxChunkBytes: 131_072, maxInFlightBytes: MiB, ackTimeoutMs: 30_000, retry: { initialMs: 200, maxMs: 2000 }, protocolVersion: 5 as const };
  const rate = maxBytesPerSecond === undefined ? {} : { maxBytesPerSecond };
  let uploader: ThreadedUploader | CaptureUploader;
  let workerSource: WorkerUploadSource | undefined;
  if (kind === 'thread') {
    const threaded = new ThreadedUploader({ logger: { ...silent, error() {} }, settings: { ...settings, ...rate, outboxDir, debug: false, niceness: UPLOAD_THREAD_NICENESS } });
    await threaded.warmUp(); // boothd starts it with the service
    uploader = threaded;
  } else {
    workerSource = new WorkerUploadSource(outbox);
    await workerSource.warmUp(); // as boothd did at start: thread start-up is not per-MiB work (raw's connect is not timed either)
    uploader = new CaptureUploader({ ...settings, ...rate, source: workerSource, clock: systemClock, logger: silent });
  }
  // Counted, not queried: the bench's own bookkeeping stays off the uploading event loop.
  let left = outbox.stats().depth;
  const drained = new Promise<void>((resolve) => uploader.on('accepted', () => --left === 0 && resolve()));
  const cpu = cpuMeter(brokerPid, central.pid);
  lag.start();
  const started = performance.now();
  uploader.start(url);
  await drained;
  const seconds = (performance.now() - started) / 1000;
  lag.stop();
  const used = cpu(bytes);
  clearInterval(rssProbe);
  await uploader.stop();
  await workerSource?.close();
  await central.stop();
  if (outbox.stats().depth !== 0) throw new Error('bench: the outbox is not empty after the drain');
  outbox.close();
  return {
    bytes,
    cpu: used,
    mibPerSecond: Math.round((bytes / MiB / seconds) * 10) / 10,
    lagP99Ms: Math.round(lag.percentileMs(99) * 100) / 100,
    lagMaxMs: Math.round(lag.maxMs() * 100) / 100,
    peakRssMiB: Math.round(peakRss / MiB),
    startRssMiB: Math.round(startRss / MiB),
  };
}
