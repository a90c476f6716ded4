/**
 * The edge node with several brokers (`mqtt.urls`), on in-memory brokers and a fake clock: the
 * first reachable broker is used; a refused, failed or lost connection moves the next session to
 * the next broker (round robin, with the reconnect backoff); each session has a new bdSeq and its
 * own Will; the NBIRTH names the broker, every device is re-born, and DATA stored while away is
 * replayed as historical. A primary host offline on one broker sends the node on to the next.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BROKER_METRIC, EdgeNode, type EdgeLogger } from '../../protocols/sparkplug/edge-node.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodeHostState } from '../../protocols/sparkplug/host-state.ts';
import { EdgeModel } from '../../protocols/sparkplug/metric-model.ts';
import { decodePayload, type SparkplugPayload } from '../../protocols/sparkplug/payload.ts';
import { SessionStore } from '../../protocols/sparkplug/session-store.ts';
import { stateTopic } from '../../protocols/sparkplug/topics.ts';
import { FakeBrokers, type FakeClient } from '../support/fake-brokers.ts';
import { FakeClock } from '../support/fake-clock.ts';

const [A, B, C] = ['mqtt://a.example:1883', 'mqtt://b.example:1883', 'mqtt://c.example:1883'];
const HOST = 'central';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function booth(brokers: FakeBrokers, clock: FakeClock, primaryHost?: string, logger: EdgeLogger = quiet) {
  const model = new EdgeModel();
  model.node.define('Node/Uptime s', DataType.Int64, 0n, clock.now());
  const door = model.defineDevice('door');
  door.define('Door/Locked', DataType.Boolean, false, clock.now());
  model.setDeviceOnline('door', true);
  const store = new SessionStore(':memory:', { maxBytes: 1e6, maxAgeMs: 1e9 });
  const node = new EdgeNode({
    group: 'g',
    node: 'n',
    ...(primaryHost ? { primaryHost } : {}),
    model,
    store,
    clock,
    logger,
    execute: async () => undefined,
    reconnect: { initialMs: 1000, maxMs: 8000, jitter: 0 },
    connect: brokers.connect,
    dataBatchMs: 0,
    replayPerSecond: 1000,
  });
  return { model, store, node };
}

const messages = (client: FakeClient | undefined, type: string) =>
  (client?.published ?? []).filter((m) => m.topic.split('/')[2] === type).map((m) => ({ topic: m.topic, payload: decodePayload(m.payload) }));
const metric = (payload: SparkplugPayload, name: string) => payload.metrics.find((m) => m.name === name)?.value;
const willBdSeq = (client: FakeClient) => metric(decodePayload(client.options.will!.payload as Buffer), 'bdSeq');

describe('edge node with several brokers', () => {
  it('uses the first reachable broker and walks on, round robin, re-birthing with a new bdSeq on each', async () => {
    const clock = new FakeClock();
    const brokers = new FakeBrokers();
    brokers.kill(A);
    const { model, store, node } = booth(brokers, clock);
    node.start([A, B, C]);
    await clock.advance(0);
    assert.equal(brokers.clientsOf(A).length, 1, 'A tried first');
    assert.equal(brokers.clientsOf(B).length, 0, 'B only after the backoff');
    await clock.advance(1000);
    const onB = brokers.clientsOf(B)[0]!;
    assert.equal(onB.connected, true);
    assert.equal(node.broker, B);
    const [birthB] = messages(onB, 'NBIRTH');
    assert.equal(metric(birthB!.payload, 'bdSeq'), 1n, 'bdSeq 0 went with the refused attempt on A');
    assert.equal(willBdSeq(onB), 1n, 'the Will registered on B carries the bdSeq of its NBIRTH');
    assert.equal(metric(birthB!.payload, BROKER_METRIC), B);
    assert.deepEqual(messages(onB, 'DBIRTH').map((m) => m.topic), ['spBv1.0/g/DBIRTH/n/door']);

    brokers.kill(B); // lost mid-run: what changes now is stored
    model.setDeviceMetric('door', 'Door/Locked', true, clock.now());
    await clock.advance(0);
    assert.equal(store.stats().pending, 1);
    assert.equal(node.state, 'backoff');
    await clock.advance(1000); // the backoff starts again at 1 s: the node was born on B
    const onC = brokers.clientsOf(C)[0]!;
    const [birthC] = messages(onC, 'NBIRTH');
    assert.equal(metric(birthC!.payload, 'bdSeq'), 2n);
    assert.equal(willBdSeq(onC), 2n);
    assert.equal(metric(birthC!.payload, BROKER_METRIC), C);
    assert.equal(messages(onC, 'DBIRTH').length, 1, 'every online device is born again');
    await clock.advance(10);
    const replayed = messages(onC, 'DDATA');
    assert.equal(replayed.length, 1, 'the stored DDATA is replayed on the new broker');
    assert.ok(replayed[0]!.payload.metrics.every((m) => m.isHistorical === true && m.value === true));
    assert.equal(store.stats().pending, 0);

    brokers.revive(A);
    brokers.kill(C); // after the last, the first again
    await clock.advance(1000);
    const [birthA] = messages(brokers.clientsOf(A)[1], 'NBIRTH');
    assert.equal(metric(birthA!.payload, 'bdSeq'), 3n);
    assert.equal(brokers.clients.filter((client) => client.connected).length, 1, 'never two brokers at once');
    await node.stop();
    store.close();
  });

  it('walks on from a broker where the primary host is offline, and honours its STATE on the next one', async () => {
    const clock = new FakeClock();
    const brokers = new FakeBrokers();
    // Each broker has its own STATE history: B's is older than A's and must still count there.
    brokers.retain(A, stateTopic(HOST), encodeHostState(false, 2000));
    brokers.retain(B, stateTopic(HOST), encodeHostState(true, 1000));
    const { store, node } = booth(brokers, clock, HOST);
    node.start([A, B]);
    await clock.advance(0);
    assert.deepEqual(messages(brokers.clientsOf(A)[0], 'NBIRTH'), [], 'no BIRTH where the host is offline');
    assert.equal(brokers.clientsOf(A)[0]!.ended, true, 'the session on A was ended');
    await clock.advance(1000);
    const onB = brokers.clientsOf(B)[0]!;
    assert.equal(messages(onB, 'NBIRTH').length, 1, 'born on B, where the host is online');
    assert.equal(node.primaryHostOnline, true);

    onB.deliver(stateTopic(HOST), encodeHostState(false, 3000)); // the host loses B
    await clock.advance(0);
    const [death] = messages(onB, 'NDEATH');
    assert.equal(metric(death!.payload, 'bdSeq'), metric(messages(onB, 'NBIRTH')[0]!.payload, 'bdSeq'), 'an explicit NDEATH for the session on B');
    assert.equal(brokers.clientsOf(A).length, 2, 'and at once to the next broker');
    await node.stop();
    store.close();
  });

  it('accepts its primary host STATE in the spelling RabbitMQ 3.10 gives retained Sparkplug messages', async () => {
    const clock = new FakeClock();
    const brokers = new FakeBrokers();
    const { store, node } = booth(brokers, clock, HOST);
    node.start([A]);
    await clock.advance(0);
    const client = brokers.clientsOf(A)[0]!;
    client.deliver(`spBv1/0/STATE/other-host`, encodeHostState(true, 1000));
    await clock.advance(0);
    assert.equal(node.state, 'waiting-for-host', 'another host is not ours');
    client.deliver(`spBv1/0/STATE/${HOST}`, encodeHostState(true, 1000));
    await clock.advance(0);
    assert.equal(node.state, 'online');
    await node.stop();
    store.close();
  });

  it('with one broker, stays and waits while the primary host is offline', async () => {
    const clock = new FakeClock();
    const brokers = new FakeBrokers();
    brokers.retain(A, stateTopic(HOST), encodeHostState(false, 1000));
    const { store, node } = booth(brokers, clock, HOST);
    node.start(A);
    await clock.advance(5000);
    assert.equal(brokers.clients.length, 1);
    assert.equal(node.state, 'waiting-for-host');
    await node.stop();
    store.close();
  });

  it('warns of an MQTT error during a session, and only notes one its ending provokes ("write after end")', async () => {
    const clock = new FakeClock();
    const brokers = new FakeBrokers();
    const lines: Array<{ level: string; message: string }> = [];
    const record = (level: string) => (_: object, message?: string) => void lines.push({ level, message: message ?? '' });
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const { store, node } = booth(brokers, clock, undefined, logger);
    node.start([A]);
    await clock.advance(0);
    const client = brokers.clientsOf(A)[0]!;
    client.emit('error', new Error('read ECONNRESET'));
    await node.stop();
    client.emit('error', new Error('write after end'));
    const errors = lines.filter((line) => line.message.includes('MQTT error'));
    assert.deepEqual(errors, [
      { level: 'warn', message: 'MQTT error: read ECONNRESET' },
      { level: 'debug', message: 'MQTT error after the session ended: write after end' },
    ]);
    store.close();
  });
});
