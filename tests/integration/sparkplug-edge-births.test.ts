/**
 * One NBIRTH (and one DBIRTH per device) per MQTT session, whichever way the primary host's
 * online STATE reaches the edge node: as the retained message right after SUBSCRIBE (the host
 * was online before the node connected) or live, later. Observed on a real mosquitto by a raw
 * mqtt.js subscriber that counts NBIRTHs per bdSeq.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { systemClock } from '../../hal/clock.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { EdgeNode } from '../../protocols/sparkplug/edge-node.ts';
import { encodeHostState } from '../../protocols/sparkplug/host-state.ts';
import { EdgeModel } from '../../protocols/sparkplug/metric-model.ts';
import { encodePayload } from '../../protocols/sparkplug/payload.ts';
import { SessionStore } from '../../protocols/sparkplug/session-store.ts';
import { stateTopic } from '../../protocols/sparkplug/topics.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { metricNamed, SparkplugObserver, type Observed } from '../support/sparkplug-observer.ts';
import { waitFor } from '../support/wait.ts';

const GROUP = 'births';
const NODE = 'births-01';
const HOST = 'central-births';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

function edgeNode() {
  const model = new EdgeModel();
  model.node.define('Node/Counter', DataType.Int64, 0n, Date.now());
  for (const device of ['door', 'lights']) {
    model.defineDevice(device).define(`${device}/Ready`, DataType.Boolean, true, Date.now());
    model.setDeviceOnline(device, true);
  }
  const store = new SessionStore(':memory:', { maxBytes: 1e6, maxAgeMs: 1e9 });
  const node = new EdgeNode({
    group: GROUP,
    node: NODE,
    primaryHost: HOST,
    model,
    store,
    clock: systemClock,
    logger: quiet,
    execute: async () => undefined,
    reconnect: { initialMs: 50, maxMs: 500, jitter: 0 },
    dataBatchMs: 0,
    rebirthDebounceMs: 0,
  });
  cleanups.push(async () => {
    await node.stop();
    store.close();
  });
  return { model, node };
}

const bdSeqOf = (message: Observed) => metricNamed(message.payload, 'bdSeq')?.long_value;

/** NBIRTHs and DBIRTHs (per device) seen so far, by the bdSeq of the NBIRTH they follow. */
function birthsBySession(observer: SparkplugObserver): Map<bigint, { nbirths: number; dbirths: Map<string, number> }> {
  const sessions = new Map<bigint, { nbirths: number; dbirths: Map<string, number> }>();
  let current: { nbirths: number; dbirths: Map<string, number> } | undefined;
  for (const message of observer.messages) {
    if (message.type === 'NBIRTH') {
      const bdSeq = bdSeqOf(message)!;
      current = sessions.get(bdSeq) ?? { nbirths: 0, dbirths: new Map() };
      sessions.set(bdSeq, current);
      current.nbirths += 1;
    } else if (message.type === 'DBIRTH' && current) {
      current.dbirths.set(message.device!, (current.dbirths.get(message.device!) ?? 0) + 1);
    }
  }
  return sessions;
}

/**
 * Everything the node published before this point has reached the observer: a metric change
 * makes the node publish NDATA on the same connection, after anything it sent before.
 */
async function drain(observer: SparkplugObserver, model: EdgeModel, value: bigint): Promise<void> {
  const from = observer.mark();
  model.setNodeMetric('Node/Counter', value, Date.now());
  await observer.waitFor((m) => m.type === 'NDATA' && m.payload?.metrics.some((metric) => metric.long_value === value) === true, `NDATA Node/Counter=${value}`, 10_000, from);
}

describe('edge node births once per session', () => {
  it('primary host already online (retained STATE right after SUBSCRIBE): one NBIRTH and one DBIRTH per device per bdSeq; rebirth and host offline → online still work', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const observer = await SparkplugObserver.connect(broker.url);
    cleanups.push(() => observer.close());
    // The host is online before the node connects: its STATE is retained on the broker.
    await observer.publish(stateTopic(HOST), encodeHostState(true, Date.now()), { retain: true });

    const { model, node } = edgeNode();
    node.start(broker.url);
    const first = await observer.waitFor((m) => m.type === 'NBIRTH', 'NBIRTH');
    const bdSeq = bdSeqOf(first)!;
    await drain(observer, model, 1n);
    const session = birthsBySession(observer).get(bdSeq);
    assert.equal(session?.nbirths, 1, `NBIRTHs with bdSeq ${bdSeq} on one connection`);
    assert.deepEqual(Object.fromEntries(session.dbirths), { door: 1, lights: 1 }, 'one DBIRTH per device');

    // Node Control/Rebirth: one more NBIRTH, same bdSeq.
    const beforeRebirth = observer.mark();
    await observer.publish(`spBv1.0/${GROUP}/NCMD/${NODE}`, encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }] }));
    const reborn = await observer.waitFor((m) => m.type === 'NBIRTH', 'NBIRTH after Rebirth', 10_000, beforeRebirth);
    assert.equal(bdSeqOf(reborn), bdSeq);
    await drain(observer, model, 2n);
    assert.equal(birthsBySession(observer).get(bdSeq)?.nbirths, 2, 'exactly one rebirth for one Rebirth command');

    // The host goes offline (NDEATH, new session that waits), then online again with a newer STATE.
    const beforeOffline = observer.mark();
    await observer.publish(stateTopic(HOST), encodeHostState(false, Date.now() + 1), { retain: true });
    const death = await observer.waitFor((m) => m.type === 'NDEATH', 'NDEATH on host offline', 10_000, beforeOffline);
    assert.equal(bdSeqOf(death), bdSeq);
    await observer.publish(stateTopic(HOST), encodeHostState(true, Date.now() + 2), { retain: true });
    const next = await observer.waitFor((m) => m.type === 'NBIRTH', 'NBIRTH when the host is back', 10_000, beforeOffline);
    assert.equal(bdSeqOf(next), bdSeq + 1n);
    await drain(observer, model, 3n);
    const again = birthsBySession(observer).get(bdSeq + 1n);
    assert.equal(again?.nbirths, 1, 'one NBIRTH in the new session');
    assert.deepEqual(Object.fromEntries(again.dbirths), { door: 1, lights: 1 });
  });

  it('primary host comes online after the node connected: one NBIRTH per bdSeq', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const observer = await SparkplugObserver.connect(broker.url);
    cleanups.push(() => observer.close());
    const { model, node } = edgeNode();
    node.start(broker.url);
    await waitFor(() => node.state === 'waiting-for-host', 'the node waiting for its primary host', 10_000);
    assert.equal(observer.messages.filter((m) => m.type === 'NBIRTH').length, 0, 'no NBIRTH before the host is online');
    await observer.publish(stateTopic(HOST), encodeHostState(true, Date.now()), { retain: true });
    const first = await observer.waitFor((m) => m.type === 'NBIRTH', 'NBIRTH');
    await drain(observer, model, 1n);
    assert.equal(birthsBySession(observer).get(bdSeqOf(first)!)?.nbirths, 1);
  });
});
