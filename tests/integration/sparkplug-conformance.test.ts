/**
 * Sparkplug B 3.0 conformance of boothd, observed on the wire of a real mosquitto by a raw
 * subscriber that decodes with its own protobuf reader. Each test runs the real boothd process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodePayload } from '../../protocols/sparkplug/payload.ts';
import { BoothdSandbox, type BoothdRun } from '../support/boothd-process.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { aliasTable, metricNamed, SparkplugObserver, type Observed } from '../support/sparkplug-observer.ts';
import type { WireMetric } from '../support/sparkplug-wire-reader.ts';
import { commandKeyPair, CommandSigner, writeCommandPublicKey } from '../support/signed-commands.ts';

const GROUP = 'conformance';
const NODE = 'conf-01';
const topic = (type: string, device?: string) => `spBv1.0/${GROUP}/${type}/${NODE}${device ? `/${device}` : ''}`;

// The central command key: state-changing commands are signed with it (docs/sparkplug.md, "Signed commands").
const keyDir = mkdtempSync(join(tmpdir(), 'conformance-keys-'));
const commandKeys = commandKeyPair();
const commandKeyFile = writeCommandPublicKey(keyDir, commandKeys);
const signer = new CommandSigner({ privateKey: commandKeys.privateKey, group: GROUP, node: NODE });
after(() => rmSync(keyDir, { recursive: true, force: true }));

const boothYaml = (url: string, primaryHost?: string) => (stateDir: string) => `
booth: { id: ${NODE}, group: ${GROUP} }
stateDir: ${stateDir}
mqtt: { url: "${url}"${primaryHost ? `, primaryHost: ${primaryHost}` : ''} }
sparkplug: { sampleSeconds: 0.5, dataBatchMs: 20, rebirthDebounceMs: 1000, replayPerSecond: 200 }
commands: { centralPublicKeyFile: ${commandKeyFile} }
supervisor: { retryInitialMs: 100, retryMaxMs: 1000, retryJitter: 0.2 }
devices:
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 5 } }
  - { id: lights, compatible: "sim,lighting" }
  - { id: sensors, compatible: "sim,sensors" }
`;

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

async function setup(primaryHost?: string) {
  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const observer = await SparkplugObserver.connect(broker.url);
  cleanups.push(() => observer.close());
  const box = new BoothdSandbox(boothYaml(broker.url, primaryHost));
  cleanups.push(() => box.cleanup());
  return { broker, observer, box };
}

const valueOf = (metric: WireMetric | undefined) =>
  metric?.boolean_value ?? metric?.int_value ?? metric?.long_value ?? metric?.double_value ?? metric?.float_value ?? metric?.string_value;

function bdSeqOf(message: Observed): bigint {
  const metric = metricNamed(message.payload, 'bdSeq');
  assert.equal(metric?.datatype, DataType.Int64, 'bdSeq must be an Int64 metric');
  assert.ok(metric.long_value !== undefined);
  return metric.long_value;
}

async function born(observer: SparkplugObserver, from = 0): Promise<{ nbirth: Observed; dbirths: Observed[] }> {
  const nbirth = await observer.waitFor((m) => m.type === 'NBIRTH', 'NBIRTH', 10_000, from);
  const dbirths: Observed[] = [];
  for (const device of ['door', 'lights', 'sensors']) {
    dbirths.push(await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === device && m.index > nbirth.index, `DBIRTH ${device}`, 10_000, from));
  }
  return { nbirth, dbirths };
}

function sendCommand(observer: SparkplugObserver, device: string | undefined, metrics: Parameters<typeof encodePayload>[0]['metrics']) {
  return observer.publish(topic(device ? 'DCMD' : 'NCMD', device), encodePayload({ timestamp: Date.now(), metrics }));
}

describe('Sparkplug B edge node conformance', () => {
  it('births: NBIRTH seq 0 with bdSeq and Node Control/Rebirth, then one DBIRTH per device, aliases unique, QoS 0', async () => {
    const { observer, box } = await setup();
    box.start();
    const { nbirth, dbirths } = await born(observer);
    assert.equal(nbirth.topic, topic('NBIRTH'));
    assert.deepEqual([nbirth.qos, nbirth.retain], [0, false]);
    assert.equal(nbirth.payload?.seq, 0n);
    assert.equal(bdSeqOf(nbirth), 0n, 'the first session ever has bdSeq 0');
    const rebirth = metricNamed(nbirth.payload, 'Node Control/Rebirth');
    assert.equal(rebirth?.datatype, DataType.Boolean);
    assert.equal(rebirth?.boolean_value, false);
    assert.equal(rebirth?.alias, undefined, 'Node Control/Rebirth has no alias');
    assert.ok(Math.abs(Number(nbirth.payload?.timestamp) - Date.now()) < 60_000, 'timestamp is not ms UTC');
    const aliases: bigint[] = [];
    for (const [index, birth] of [nbirth, ...dbirths].entries()) {
      if (index > 0) assert.equal(birth.payload?.seq, BigInt(index), 'DBIRTH seq must follow NBIRTH');
      for (const metric of birth.payload?.metrics ?? []) {
        assert.ok(metric.name, 'BIRTH metrics carry names');
        assert.ok(metric.datatype !== undefined && metric.datatype > 0, `${metric.name} has no datatype`);
        if (metric.alias !== undefined) aliases.push(metric.alias);
      }
    }
    assert.equal(new Set(aliases).size, aliases.length, 'aliases must be unique across the edge node');
    const door = dbirths[0]!;
    assert.equal(valueOf(metricNamed(door.payload, 'Connection/State')), 'ready');
    assert.equal(valueOf(metricNamed(door.payload, 'Door/Locked')), false);
    assert.match(String(valueOf(metricNamed(door.payload, 'Info/Model'))), /SimLock/);
  });

  it('subscribes to NCMD and DCMD before it publishes NBIRTH', async () => {
    const { broker, observer, box } = await setup();
    box.start();
    await born(observer);
    const log = broker.log();
    const subscribe = log.indexOf(`Received SUBSCRIBE from ${GROUP}.${NODE}`);
    const ncmd = log.indexOf(`${topic('NCMD')} (QoS 1)`);
    const dcmd = log.indexOf(`${topic('DCMD', '+')} (QoS 1)`);
    const birth = log.indexOf(`'${topic('NBIRTH')}'`);
    assert.ok(subscribe >= 0 && ncmd > subscribe && dcmd > subscribe, 'no QoS 1 subscription to NCMD and DCMD');
    assert.ok(birth > ncmd && birth > dcmd, 'NBIRTH was published before the command subscriptions');
  });

  it('kill -9: the broker delivers the NDEATH will (QoS 1, same bdSeq); the next start continues bdSeq', async () => {
    const { observer, box } = await setup();
    const run = box.start();
    const { nbirth } = await born(observer);
    const bdSeq = bdSeqOf(nbirth);
    run.child.kill('SIGKILL');
    const death = await observer.waitFor((m) => m.type === 'NDEATH', 'NDEATH will');
    assert.deepEqual([death.qos, death.retain], [1, false]);
    assert.equal(bdSeqOf(death), bdSeq);
    assert.deepEqual(death.payload?.metrics.map((m) => m.name), ['bdSeq'], 'NDEATH carries only bdSeq');
    assert.equal(death.payload?.seq, undefined, 'NDEATH has no seq');
    const mark = observer.mark();
    box.start();
    const next = await observer.waitFor((m) => m.type === 'NBIRTH', 'NBIRTH after restart', 10_000, mark);
    assert.equal(bdSeqOf(next), bdSeq + 1n);
  });

  it('SIGTERM: an explicit NDEATH with the session bdSeq before disconnecting', async () => {
    const { observer, box } = await setup();
    const run = box.start();
    const { nbirth } = await born(observer);
    run.child.kill('SIGTERM');
    const death = await observer.waitFor((m) => m.type === 'NDEATH', 'NDEATH');
    assert.equal(bdSeqOf(death), bdSeqOf(nbirth));
    assert.equal((await run.exited).code, 0);
  });

  it('primary host: no BIRTH until STATE says online; offline STATE → NDEATH and a new session that waits', async () => {
    const { observer, box } = await setup('central-1');
    const run = box.start();
    await run.waitForLine((line) => /waiting for primary host central-1/.test(line.msg), 'waiting for primary host');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(observer.messages.filter((m) => m.type === 'NBIRTH').length, 0, 'NBIRTH before the primary host was online');
    const stateTopic = 'spBv1.0/STATE/central-1';
    await observer.publish(stateTopic, JSON.stringify({ online: true, timestamp: Date.now() }), { retain: true });
    const { nbirth } = await born(observer);
    const mark = observer.mark();
    await observer.publish(stateTopic, JSON.stringify({ online: true, timestamp: Date.now() - 60_000 }), { retain: true });
    await observer.publish(stateTopic, JSON.stringify({ online: false, timestamp: Date.now() }), { retain: true });
    const death = await observer.waitFor((m) => m.type === 'NDEATH', 'NDEATH on host offline', 10_000, mark);
    assert.equal(bdSeqOf(death), bdSeqOf(nbirth));
    await run.waitForLine((line) => line.msg?.startsWith('connecting') && line.bdSeq === Number(bdSeqOf(nbirth)) + 1, 'a new session');
    await observer.publish(stateTopic, JSON.stringify({ online: true, timestamp: Date.now() }), { retain: true });
    const again = await observer.waitFor((m) => m.type === 'NBIRTH', 'NBIRTH when the host is back', 10_000, mark);
    assert.equal(bdSeqOf(again), bdSeqOf(nbirth) + 1n);
  });

  it('DATA: only changed metrics, by alias, ms timestamps; seq +1 mod 256 across every message; DDEATH/DBIRTH on unplug/replug', async () => {
    const { observer, box } = await setup();
    const run = box.start();
    const { nbirth, dbirths } = await born(observer);
    const doorAliases = aliasTable(dbirths[0]!.payload);
    const mark = observer.mark();
    assert.equal((await run.control('door.lock', { reason: 'conformance' })).ok, true);
    const lockedAlias = doorAliases.get('Door/Locked');
    const data = await observer.waitFor(
      (m) => m.type === 'DDATA' && m.device === 'door' && (m.payload?.metrics.some((metric) => metric.alias === lockedAlias) ?? false),
      'DDATA door with Door/Locked',
      10_000,
      mark,
    );
    const locked = data.payload?.metrics.find((m) => m.alias === lockedAlias);
    assert.equal(locked?.boolean_value, true);
    assert.ok(data.payload?.metrics.every((m) => m.name === undefined && m.alias !== undefined), 'DATA metrics by alias only');
    assert.ok(data.payload!.metrics.length < dbirths[0]!.payload!.metrics.length, 'DATA carried unchanged metrics');
    assert.ok(Math.abs(Number(locked?.timestamp) - Date.now()) < 60_000);
    await run.control('door.unlock');

    await run.control('sim.unplug', { device: 'lights' });
    const ddeath = await observer.waitFor((m) => m.type === 'DDEATH' && m.device === 'lights', 'DDEATH lights', 10_000, mark);
    assert.ok(ddeath.payload?.seq !== undefined);
    await run.control('sim.replug', { device: 'lights' });
    await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === 'lights' && m.index > ddeath.index, 'DBIRTH lights', 10_000, mark);
    const edgeMessages = observer.messages.filter((m) => m.index >= nbirth.index && m.type !== 'STATE');
    edgeMessages.forEach((message, i) => assert.equal(message.payload?.seq, BigInt(i % 256), `${message.type} #${i} seq`));
  });

  it('rebirth: Node Control/Rebirth → NBIRTH seq 0 with the same bdSeq and every DBIRTH; a burst is debounced', async () => {
    const { observer, box } = await setup();
    box.start();
    const { nbirth } = await born(observer);
    const mark = observer.mark();
    for (let i = 0; i < 3; i += 1) await sendCommand(observer, undefined, [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }]);
    const { nbirth: again } = await born(observer, mark);
    assert.equal(again.payload?.seq, 0n);
    assert.equal(bdSeqOf(again), bdSeqOf(nbirth));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(observer.messages.slice(mark).filter((m) => m.type === 'NBIRTH').length, 1, 'rebirth burst not debounced');
  });
});

describe('Sparkplug commands and bad input', () => {
  async function bornBooth() {
    const context = await setup();
    const run = context.box.start();
    const births = await born(context.observer);
    return { ...context, run, ...births };
  }

  const waitLog = (run: BoothdRun, pattern: RegExp, what: string) => run.waitForLine((line) => pattern.test(line.msg ?? ''), what);

  it('a signed DCMD Door/Locked locks, an unsigned one unlocks the real (simulated) bolt through the door guard', async () => {
    const { observer, box, run } = await bornBooth();
    await sendCommand(observer, 'door', signer.metrics('door', [{ name: 'Door/Locked', datatype: DataType.Boolean, value: true }]));
    await run.waitForLine((line) => line.event === 'door.locked' && line.reason === 'remote command', 'remote lock');
    assert.equal(box.physicalBolt(), 'locked');
    // Unlock needs no signature. Hosts usually leave the datatype out of commands; the alias table types the value.
    const mark = observer.mark();
    await sendCommand(observer, 'door', [{ name: 'Door/Locked', datatype: DataType.Boolean, value: false, omitDatatype: true }]);
    await run.waitForLine((line) => line.event === 'door.released' && line.reason === 'remote command', 'remote unlock');
    assert.equal(box.physicalBolt(), 'unlocked');
    const result = await observer.waitFor(
      (m) => m.type === 'DDATA' && m.device === 'door' && (m.payload?.metrics.some((x) => x.string_value?.startsWith('ok: Door/Locked')) ?? false),
      'command result metric',
      10_000,
      mark,
    );
    assert.ok(result);
  });

  it('a signed DCMD Light/Scene and a level change the lights and come back as DDATA', async () => {
    const { observer, run, dbirths } = await bornBooth();
    const aliases = aliasTable(dbirths[1]!.payload);
    const mark = observer.mark();
    const [scene, ambient, ...envelope] = signer.metrics('lights', [
      { name: 'Light/Scene', datatype: DataType.String, value: 'portrait' },
      { name: 'Light/ambient', datatype: DataType.Double, value: 12.5 },
    ]);
    // Signed over the metric's name and datatype, so the host may still send it by alias, untyped.
    await sendCommand(observer, 'lights', [scene!, { alias: aliases.get('Light/ambient')!, datatype: ambient!.datatype, value: 12.5, omitDatatype: true }, ...envelope]);
    const data = await observer.waitFor(
      (m) => m.type === 'DDATA' && m.device === 'lights' && (m.payload?.metrics.some((x) => x.alias === aliases.get('Light/ambient') && x.double_value === 12.5) ?? false),
      'DDATA ambient 12.5',
      10_000,
      mark,
    );
    assert.ok(data.payload?.metrics.some((x) => x.alias === aliases.get('Light/Scene') && x.string_value === 'portrait'));
    await waitLog(run, /scene "portrait"/, 'scene log line');
  });

  it('rejects malformed, unknown, mistyped, read-only, oversized and unsigned commands without executing any part, and counts them', async () => {
    const { observer, box, run } = await bornBooth();
    const cases: Array<[string, () => Promise<void>, RegExp]> = [
      ['garbage', () => observer.publish(topic('DCMD', 'door'), Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02])), /rejected DCMD: not a Sparkplug payload/],
      ['unknown device', () => sendCommand(observer, 'toaster', [{ name: 'Door/Locked', datatype: DataType.Boolean, value: true }]), /unknown device "toaster"/],
      ['unknown metric', () => sendCommand(observer, 'door', [{ name: 'Door/Explode', datatype: DataType.Boolean, value: true }]), /unknown metric "Door\/Explode"/],
      ['wrong datatype', () => sendCommand(observer, 'door', [{ name: 'Door/Locked', datatype: DataType.String, value: 'yes' }]), /"Door\/Locked" is Boolean, the command says String/],
      ['read-only', () => sendCommand(observer, 'door', [{ name: 'Door/Open', datatype: DataType.Boolean, value: true }]), /metric "Door\/Open" is read-only/],
      [
        'half understood',
        () =>
          sendCommand(observer, 'door', [
            { name: 'Door/Locked', datatype: DataType.Boolean, value: true },
            { name: 'Door/Nonsense', datatype: DataType.Boolean, value: true },
          ]),
        /metric 1: unknown metric "Door\/Nonsense"/,
      ],
      ['oversized', () => observer.publish(topic('DCMD', 'door'), new Uint8Array(70_000)), /exceeds the 65536-byte command limit/],
      ['unsigned lock', () => sendCommand(observer, 'door', [{ name: 'Door/Locked', datatype: DataType.Boolean, value: true }]), /door command rejected \(unsigned\)/],
      [
        'lock signed by another key',
        () => sendCommand(observer, 'door', signer.metrics('door', [{ name: 'Door/Locked', datatype: DataType.Boolean, value: true }], {}, commandKeyPair().privateKey)),
        /door command rejected \(bad-signature\)/,
      ],
      ['unsigned reboot', () => sendCommand(observer, undefined, [{ name: 'Node Control/Reboot', datatype: DataType.Boolean, value: true }]), /node command rejected \(unsigned\)/],
    ];
    for (const [what, send, expected] of cases) {
      await send();
      await waitLog(run, expected, what);
    }
    assert.equal(box.physicalBolt(), 'unlocked', 'a rejected batch moved the bolt');
    const rejected = await observer.waitFor(
      (m) => m.type === 'NDATA' && (m.payload?.metrics.some((x) => x.long_value === BigInt(cases.length)) ?? false),
      'Commands/Rejected = number of bad commands',
    );
    assert.ok(rejected);
    assert.equal((await run.control('status')).ok, true, 'boothd stopped answering');
  });
});

describe('Sparkplug store-and-forward', () => {
  it('keeps DATA while the broker is down (even across kill -9) and replays it after the next BIRTH as historical, in order', async () => {
    const { broker, observer, box } = await setup();
    let run = box.start();
    const { nbirth, dbirths } = await born(observer);
    const lockedAlias = aliasTable(dbirths[0]!.payload).get('Door/Locked');
    await observer.close();
    await broker.down();
    await run.waitForLine((line) => /MQTT session ended/.test(line.msg ?? ''), 'session end');
    for (const command of ['door.lock', 'door.unlock', 'door.lock', 'door.unlock']) {
      assert.equal((await run.control(command)).ok, true);
      await new Promise((resolve) => setTimeout(resolve, 60)); // separate DATA batches
    }
    await run.waitForLine((line) => line.event === 'door.released' && line.reason === 'control socket', 'last unlock');
    await new Promise((resolve) => setTimeout(resolve, 100));
    run.child.kill('SIGKILL'); // stored DATA must survive this
    await run.exited;

    await broker.up();
    const fresh = await SparkplugObserver.connect(broker.url);
    cleanups.push(() => fresh.close());
    run = box.start();
    const again = await born(fresh);
    assert.ok(bdSeqOf(again.nbirth) > bdSeqOf(nbirth));
    const historical = await fresh.waitFor(
      (m) => m.type === 'DDATA' && m.device === 'door' && (m.payload?.metrics.every((x) => x.is_historical === true) ?? false) && (m.payload?.metrics.length ?? 0) > 0,
      'historical DDATA for the door',
    );
    assert.ok(historical.index > again.dbirths.at(-1)!.index, 'replay came before the BIRTHs');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const replayed = fresh.messages
      .filter((m) => m.type === 'DDATA' && m.device === 'door' && m.payload?.metrics.some((x) => x.is_historical))
      .flatMap((m) => m.payload!.metrics.filter((x) => x.alias === lockedAlias).map((x) => ({ value: x.boolean_value, at: Number(x.timestamp) })));
    assert.deepEqual(replayed.map((x) => x.value), [true, false, true, false], 'every stored change, in order');
    assert.ok(replayed.every((x, i) => i === 0 || x.at >= replayed[i - 1]!.at), 'timestamps go backwards');
  });

  it('a broker restart starts a new session: NBIRTH with the next bdSeq', async () => {
    const { broker, observer, box } = await setup();
    const run = box.start();
    const { nbirth } = await born(observer);
    const next = Number((bdSeqOf(nbirth) + 1n) % 256n);
    await broker.restart();
    // The new NBIRTH may go out before the observer has resubscribed; a rebirth shows the session's bdSeq.
    await run.waitForLine((line) => line.msg?.startsWith('connecting') && line.bdSeq === next, `a session with bdSeq ${next}`);
    const mark = observer.mark();
    await observer.waitFor((m) => m.type === 'NDATA', 'telemetry from the new session', 10_000, mark);
    await sendCommand(observer, undefined, [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }]);
    const rebirth = await observer.waitFor((m) => m.type === 'NBIRTH', 'NBIRTH after broker restart', 10_000, mark);
    assert.equal(bdSeqOf(rebirth), BigInt(next));
  });
});
