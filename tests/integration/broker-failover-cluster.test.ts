/**
 * Ten booths on a 3-node clustered broker (RabbitMQ 3.10 from Debian, rabbitmq_mqtt; why not
 * NATS: see broker-failover-nats.test.ts), one node killed by PID while captures flow.
 *
 * Each booth is a whole runtime/booth.ts Booth in this process, built from its own manifest
 * with `mqtt.urls` listing the three nodes in a different order (so the booths spread over the
 * nodes), with its own Sparkplug store and capture outbox. The primary host and the central
 * capture receiver sit on node B (the receiver with a plain subscription: RabbitMQ 3.10 has no
 * `$share`), node A is killed. Every booth that was on A must come back on a surviving node with
 * an NBIRTH of a higher bdSeq seen by the primary host; the others keep their session; every
 * capture package arrives exactly once, byte-identical; every status names a surviving node.
 *
 * RabbitMQ keeps retained messages per node, so the host's STATE is put on every node (as a
 * Sparkplug host does with several servers). A cluster that cannot start fails the test with
 * the reason (the nodes' logs); nothing is skipped.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../hal/clock.ts';
import { generateBoothKeyPair, generateCentralKeyPair, loadPrivateKey, writeKeyPair } from '../../protocols/capture/keys.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import { Booth } from '../../runtime/booth.ts';
import type { AcceptedPackage } from '../../runtime/captures/capture-pipeline.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';
import { syntheticPackage } from '../../simulator/captures/synthetic-package.ts';
import { CaptureReceiver, type ReceiverReport } from '../../simulator/central/capture-receiver.ts';
import { HostStateAnnouncer } from '../../simulator/central/host-state-announcer.ts';
import { PrimaryHost } from '../../simulator/central/primary-host.ts';
import { memoryLogger, type LogLine } from '../support/memory-logger.ts';
import { startRabbitMqCluster, type BrokerCluster } from '../support/rabbitmq-cluster.ts';
import { waitFor } from '../support/wait.ts';

const GROUP = 'cluster';
const HOST = 'central';
const BOOTHS = 10;
const PACKAGES_PER_BOOTH = 3;
const registry = builtinDrivers();

interface Birth {
  bdSeq: bigint;
  at: number;
}

const dir = mkdtempSync(join(tmpdir(), 'broker-cluster-'));
let cluster: BrokerCluster | undefined;
const stops: Array<() => Promise<unknown>> = [];

before(async () => {
  cluster = await startRabbitMqCluster({ readyLimitMs: 60_000 });
});

after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function boothManifest(id: string, urls: readonly string[], keys: string): string {
  return `
booth: { id: ${id}, group: ${GROUP} }
stateDir: ${join(dir, id)}
mqtt: { urls: [${urls.map((url) => `"${url}"`).join(', ')}], primaryHost: ${HOST} }
sparkplug: { sampleSeconds: 1, dataBatchMs: 50 }
captures: { boothKeyFile: ${join(keys, `${id}.key`)}, centralPublicKeyFile: ${join(keys, 'central.pub')}, maxChunkBytes: 65536, ackTimeoutSeconds: 60, mqttProtocolVersion: 4 }
supervisor: { retryInitialMs: 300, retryMaxMs: 3000, retryJitter: 0.3 }
devices:
  - { id: door, compatible: "sim,door-lock" }
  - { id: sensors, compatible: "sim,sensors" }
`;
}

const lastLines = (lines: LogLine[]) =>
  lines
    .slice(-25)
    .map((line) => `  ${line.component ?? ''}: ${line.msg}${line.err ? ` (${JSON.stringify(line.err).slice(0, 300)})` : ''}`)
    .join('\n');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

describe('failover on a 3-node clustered broker', () => {
  it('every booth on the killed node re-births on a surviving one with a higher bdSeq; every package arrives once', async () => {
    const [a, b, c] = cluster!.nodes;
    const urls = { [a!.url]: 'A', [b!.url]: 'B', [c!.url]: 'C' } as Record<string, string>;
    const host = new PrimaryHost({ hostId: HOST, brokerUrl: b!.url, report: () => undefined });
    const births = new Map<string, Birth[]>();
    host.on('message', (topic) => {
      const [, , type, node] = topic.split('/');
      if (type !== 'NBIRTH' || !node) return;
      const bdSeq = host.nodes.get(`${GROUP}/${node}`)?.bdSeq;
      if (bdSeq !== undefined) births.set(node, [...(births.get(node) ?? []), { bdSeq, at: Date.now() }]);
    });
    await host.start();
    stops.push(() => host.stop());
    for (const [index, node] of [a!, c!].entries()) {
      const announcer = new HostStateAnnouncer({ hostId: HOST, brokerUrl: node.url, clientId: `host.${HOST}.state-${index}` });
      await announcer.start();
      stops.push(() => announcer.stop());
    }

    const keys = join(dir, 'keys');
    writeKeyPair(keys, 'central', generateCentralKeyPair());
    const boothKeys = new Map<string, ReturnType<typeof createPublicKey>>();
    const reports: ReceiverReport[] = [];
    const out = join(dir, 'central');
    const receiver = new CaptureReceiver({
      brokerUrl: b!.url,
      outDir: out,
      crypto: createX25519Crypto({ centralPrivateKey: loadPrivateKey(join(keys, 'central.key'), 'central') }),
      boothKey: (boothId) => boothKeys.get(boothId),
      protocolVersion: 4,
      report: (report) => reports.push(report),
    });
    await receiver.start();
    stops.push(() => receiver.stop());

    // Ten booths, the three nodes in a different order each: they start spread over A, B and C.
    const orders = [[a, b, c], [a, c, b], [b, c, a], [b, a, c], [c, a, b], [c, b, a]].map((order) => order.map((node) => node!.url));
    const booths: Booth[] = [];
    const logs = new Map<string, LogLine[]>();
    for (let index = 0; index < BOOTHS; index += 1) {
      const id = `fo-${String(index + 1).padStart(2, '0')}`;
      const pair = generateBoothKeyPair();
      writeKeyPair(keys, id, pair);
      boothKeys.set(id, createPublicKey(pair.publicKey));
      const loaded = parseConfig(boothManifest(id, orders[index % orders.length]!, keys), join(dir, `${id}.yaml`), { registry, env: {} });
      const { logger, lines } = memoryLogger('info');
      logs.set(id, lines);
      booths.push(new Booth(loaded, { clock: systemClock, logger }));
    }
    stops.push(() => Promise.all(booths.map((booth) => booth.shutdown('test over'))));
    await Promise.all(booths.map((booth) => booth.start()));
    const idOf = (booth: Booth) => booth.config.booth.id;
    await waitFor(() => booths.every((booth) => births.has(idOf(booth))), 'every booth born, seen by the primary host', 30_000);
    const before = new Map<string, { node: string; bdSeq: bigint }>();
    for (const booth of booths) {
      const { sparkplug } = await booth.status();
      before.set(idOf(booth), { node: urls[sparkplug.broker!]!, bdSeq: births.get(idOf(booth))!.at(-1)!.bdSeq });
    }
    const onA = booths.filter((booth) => before.get(idOf(booth))!.node === 'A');
    assert.deepEqual(
      ['A', 'B', 'C'].map((node) => [...before.values()].filter((seen) => seen.node === node).length),
      [4, 4, 2],
      'each booth started on the first node of its list',
    );

    // Captures flowing: a package from one booth after another; node A is killed a third of the way in.
    const accepted: AcceptedPackage[] = [];
    const isStored = (pkg: AcceptedPackage) => reports.some((r) => r.event === 'stored' && r.packageId === pkg.packageId);
    let killedAt = 0;
    let pendingOnAAtKill = 0;
    for (let round = 0; round < BOOTHS * PACKAGES_PER_BOOTH; round += 1) {
      const booth = booths[round % BOOTHS]!;
      accepted.push(booth.captures!.submit(syntheticPackage({ boothId: idOf(booth), now: Date.now(), captures: 2, captureBytes: 40_000 })));
      if (round === BOOTHS) {
        // The package just submitted is from a booth on A (fo-01): at least one goes down with A un-acknowledged.
        pendingOnAAtKill = accepted.filter((pkg, index) => onA.includes(booths[index % BOOTHS]!) && !isStored(pkg)).length;
        killedAt = Date.now();
        a!.kill();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(a!.alive(), false, 'node A is dead');
    assert.ok(pendingOnAAtKill >= 1, 'a package of a booth on A was not yet acknowledged when A died');

    const reborn = () => onA.filter((booth) => births.get(idOf(booth))!.some((birth) => birth.at >= killedAt));
    await waitFor(() => reborn().length === onA.length, 'every booth of node A born again', 30_000).catch(async (error: unknown) => {
      const late = onA.filter((booth) => !reborn().includes(booth));
      throw new Error(`${(error as Error).message}: ${late.map(idOf).join(', ')} not yet; ${idOf(late[0]!)}: ${JSON.stringify((await late[0]!.status()).sparkplug)}\n${lastLines(logs.get(idOf(late[0]!))!)}`);
    });
    const reconnectMs = onA.map((booth) => births.get(idOf(booth))!.find((birth) => birth.at >= killedAt)!.at - killedAt);
    for (const booth of onA) {
      const birth = births.get(idOf(booth))!.find((seen) => seen.at >= killedAt)!;
      assert.ok(birth.bdSeq > before.get(idOf(booth))!.bdSeq, `${idOf(booth)}: bdSeq ${birth.bdSeq} after ${before.get(idOf(booth))!.bdSeq}`);
    }
    for (const booth of booths.filter((each) => !onA.includes(each))) {
      assert.equal(births.get(idOf(booth))!.at(-1)!.bdSeq, before.get(idOf(booth))!.bdSeq, `${idOf(booth)} kept its session on node ${before.get(idOf(booth))!.node}`);
    }

    await waitFor(() => accepted.every(isStored), 'every package stored by central', 45_000).catch(
      (error: unknown) => {
        const missing = accepted.filter((pkg) => !isStored(pkg)).length;
        throw new Error(`${(error as Error).message}: ${missing} of ${accepted.length} missing`);
      },
    );
    const deliveredMs = Date.now() - killedAt;
    const stored = reports.filter((report) => report.event === 'stored');
    assert.equal(stored.length, accepted.length, 'each package stored exactly once');
    assert.deepEqual(readdirSync(out).filter((name) => !name.startsWith('.')).sort(), accepted.map((pkg) => pkg.packageId).sort());
    for (const pkg of accepted) {
      const manifest = JSON.parse(readFileSync(join(out, pkg.packageId, 'manifest.json'), 'utf8')) as { captures: Array<{ captureId: string; sha256: string }> };
      assert.deepEqual(manifest.captures.map((x) => [x.captureId, x.sha256]), pkg.captures.map((x) => [x.captureId, x.sha256]), `${pkg.packageId} byte-identical`);
    }
    await waitFor(() => booths.every((booth) => booth.captures!.stats().depth === 0), 'every outbox drained', 15_000);
    for (const booth of booths) {
      const status = await booth.status();
      assert.equal(status.sparkplug.state, 'online', idOf(booth));
      assert.ok(['B', 'C'].includes(urls[status.sparkplug.broker!]!), `${idOf(booth)} reports ${status.sparkplug.broker}`);
      assert.ok(status.uploads?.connected && ['B', 'C'].includes(urls[status.uploads.broker!]!), `${idOf(booth)} uploads via ${status.uploads?.broker}`);
    }
    const duplicates = reports.filter((report) => report.event === 'duplicate').length;
    console.log(
      `# cluster ready in ${cluster!.readyMs} ms; kill → NBIRTH on a surviving node for ${onA.length} booths: median ${median(reconnectMs)} ms ` +
        `(min ${Math.min(...reconnectMs)}, max ${Math.max(...reconnectMs)}); kill → all ${accepted.length} packages stored: ${deliveredMs} ms; ` +
        `packages of A's booths not yet acknowledged at the kill: ${pendingOnAAtKill}; duplicates acknowledged again: ${duplicates}`,
    );
  });
});
