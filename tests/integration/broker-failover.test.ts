/**
 * Failover between two independent brokers: a real boothd with `mqtt.urls: [A, B]`, two real
 * mosquittos, the primary host on each (as a Sparkplug host does with several servers) and the
 * central capture receiver on B only. A is killed by PID mid-run. The booth must move to B,
 * NBIRTH there with a higher bdSeq (seen by B's primary host), re-birth every device, replay
 * what it stored in the gap as historical, report B as its broker, and deliver the package
 * stored (and sent to A, never acknowledged) before the kill exactly once, byte-identical.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { generateBoothKeyPair, generateCentralKeyPair, loadPrivateKey, loadPublicKey, writeKeyPair } from '../../protocols/capture/keys.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import { CHUNK_TOPIC_FILTER } from '../../protocols/capture/transfer-codec.ts';
import { CaptureReceiver, type ReceiverReport } from '../../simulator/central/capture-receiver.ts';
import { PrimaryHost } from '../../simulator/central/primary-host.ts';
import type { AcceptedPackage } from '../../runtime/captures/capture-pipeline.ts';
import { BoothdSandbox } from '../support/boothd-process.ts';
import { boothctl } from '../support/boothctl-process.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { metricNamed, SparkplugObserver, type Observed } from '../support/sparkplug-observer.ts';
import { waitFor } from '../support/wait.ts';

const GROUP = 'failover';
const NODE = 'fo-01';
const HOST = 'central';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

const bdSeqOf = (message: Observed) => metricNamed(message.payload, 'bdSeq')?.long_value;

describe('failover between two brokers (mqtt.urls)', () => {
  it('moves to the second broker when the first is killed: re-birth with a higher bdSeq, replay, the stored package once', async () => {
    const [a, b] = [await startMosquitto(), await startMosquitto()];
    cleanups.push(() => a.stop(), () => b.stop());
    const hosts = [a, b].map((broker) => new PrimaryHost({ hostId: HOST, brokerUrl: broker.url, report: () => undefined }));
    for (const host of hosts) {
      await host.start();
      cleanups.push(() => host.stop());
    }
    const [seenOnA, seenOnB] = [await SparkplugObserver.connect(a.url), await SparkplugObserver.connect(b.url)];
    cleanups.push(() => seenOnA.close(), () => seenOnB.close());
    // What reaches A of the capture upload (nobody there acknowledges it).
    const chunksOnA: string[] = [];
    const tapA = await mqtt.connectAsync(a.url, { protocolVersion: 5, reconnectPeriod: 0 });
    tapA.on('error', () => undefined);
    tapA.on('message', (topic) => chunksOnA.push(topic));
    await tapA.subscribeAsync(CHUNK_TOPIC_FILTER, { qos: 1 });
    cleanups.push(() => tapA.endAsync(true).then(() => undefined));

    const box = new BoothdSandbox(
      (stateDir) => `
booth: { id: ${NODE}, group: ${GROUP} }
stateDir: ${stateDir}
mqtt: { urls: ["${a.url}", "${b.url}"], primaryHost: ${HOST} }
sparkplug: { sampleSeconds: 0.5, dataBatchMs: 20, replayPerSecond: 200 }
captures: { boothKeyFile: keys/booth.key, centralPublicKeyFile: keys/central.pub, maxChunkBytes: 65536, ackTimeoutSeconds: 60 }
supervisor: { retryInitialMs: 300, retryMaxMs: 2000, retryJitter: 0.2 }
devices:
  - { id: door, compatible: "sim,door-lock" }
  - { id: lights, compatible: "sim,lighting" }
  - { id: sensors, compatible: "sim,sensors" }
`,
    );
    cleanups.push(() => box.cleanup());
    const keys = join(box.dir, 'keys');
    writeKeyPair(keys, 'booth', generateBoothKeyPair());
    writeKeyPair(keys, 'central', generateCentralKeyPair());
    const out = join(box.dir, 'central');
    mkdirSync(out);
    const reports: ReceiverReport[] = [];
    const receiver = new CaptureReceiver({
      brokerUrl: b.url,
      outDir: out,
      crypto: createX25519Crypto({ centralPrivateKey: loadPrivateKey(join(keys, 'central.key'), 'central') }),
      boothKey: (boothId) => (boothId === NODE ? loadPublicKey(join(keys, 'booth.pub'), 'booth') : undefined),
      protocolVersion: 5,
      report: (report) => reports.push(report),
    });
    await receiver.start();
    cleanups.push(() => receiver.stop());

    const run = await box.startRunning();
    const birthOnA = await seenOnA.waitFor((m) => m.type === 'NBIRTH', 'NBIRTH on A', 15_000);
    assert.equal(metricNamed(birthOnA.payload, 'MQTT/Broker')?.string_value, a.url, 'the NBIRTH names the broker in use');
    const statusOnA = (await run.control('status')).result as { sparkplug: { broker: string } };
    assert.equal(statusOnA.sparkplug.broker, a.url);

    // A package stored and sent to A before the kill: no central there, so it is not acknowledged.
    const submitted = await run.control('captures.submit-synthetic', { captures: 3, bytes: 120_000 });
    assert.equal(submitted.ok, true, submitted.error);
    const pkg = submitted.result as AcceptedPackage;
    await waitFor(() => chunksOnA.some((topic) => topic.includes(pkg.packageId)), 'the package on A', 10_000);

    const fromB = seenOnB.mark();
    const killedAt = Date.now();
    process.kill(a.pid, 'SIGKILL');
    await run.waitForLine((line) => typeof line.msg === 'string' && line.msg.startsWith(`MQTT session ended on ${a.url}`), 'the lost session', 10_000);
    // Changed while no broker is connected: stored, then replayed on B as historical.
    assert.equal((await run.control('sim.occupancy', { occupied: true })).ok, true);

    const birthOnB = await seenOnB.waitFor((m) => m.type === 'NBIRTH' && m.topic === `spBv1.0/${GROUP}/NBIRTH/${NODE}`, 'NBIRTH on B', 15_000, fromB);
    const reconnectMs = Date.now() - killedAt;
    assert.ok(bdSeqOf(birthOnB)! > bdSeqOf(birthOnA)!, `bdSeq ${bdSeqOf(birthOnB)} on B after ${bdSeqOf(birthOnA)} on A`);
    assert.equal(metricNamed(birthOnB.payload, 'MQTT/Broker')?.string_value, b.url);
    await waitFor(() => hosts[1]!.nodes.get(`${GROUP}/${NODE}`)?.bdSeq === bdSeqOf(birthOnB), "B's primary host sees the new NBIRTH", 5000);
    for (const device of ['door', 'lights', 'sensors']) {
      await seenOnB.waitFor((m) => m.type === 'DBIRTH' && m.device === device && m.index > birthOnB.index, `DBIRTH ${device} on B`, 5000);
    }
    const replayed = await seenOnB.waitFor(
      (m) => m.type === 'DDATA' && m.device === 'sensors' && m.index > birthOnB.index && (m.payload?.metrics.every((x) => x.is_historical === true) ?? false),
      'the DDATA stored while away, replayed as historical',
      5000,
    );
    assert.ok(replayed.payload!.metrics.length > 0);

    // The un-acknowledged package goes again, whole, to B — long before its 60 s ack timeout.
    await waitFor(() => reports.some((r) => r.event === 'stored' && r.packageId === pkg.packageId), 'the package stored by central', 15_000);
    const deliveredMs = Date.now() - killedAt;
    const manifest = JSON.parse(readFileSync(join(out, pkg.packageId, 'manifest.json'), 'utf8')) as { captures: Array<{ captureId: string; sha256: string }> };
    assert.deepEqual(manifest.captures.map((c) => [c.captureId, c.sha256]), pkg.captures.map((c) => [c.captureId, c.sha256]), 'byte-identical after decryption');
    await waitFor(async () => ((await run.control('outbox.status')).result as { depth: number }).depth === 0, 'the outbox to drain', 10_000);
    assert.equal(reports.filter((r) => r.event === 'stored').length, 1, 'stored exactly once');

    const status = (await run.control('status')).result as { sparkplug: { state: string; broker: string }; uploads: { broker: string; connected: boolean } };
    assert.deepEqual([status.sparkplug.state, status.sparkplug.broker], ['online', b.url]);
    assert.deepEqual(status.uploads, { broker: b.url, connected: true });
    const shown = await boothctl(['status', '--config', box.configFile]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`broker\\s+online ${b.url.replace(/[./]/g, '\\$&')}`), shown.stdout);
    console.log(`# kill → NBIRTH on B: ${reconnectMs} ms; kill → package stored by central: ${deliveredMs} ms`);
  });
});
