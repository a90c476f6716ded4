/**
 * The simulated primary host honours an NDEATH only when its bdSeq is the one of the node's
 * current NBIRTH (Sparkplug B 3.0): a stale one — e.g. the Will of an old session the broker
 * delivers after the node has re-birthed on a new connection — leaves the node online.
 * A real mosquitto; the edge node is played by a raw mqtt.js client.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodePayload, type SparkplugMetric } from '../../protocols/sparkplug/payload.ts';
import { edgeTopic } from '../../protocols/sparkplug/topics.ts';
import { PrimaryHost } from '../../simulator/central/primary-host.ts';
import type { Rendered } from '../../simulator/central/node-view.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/wait.ts';

const GROUP = 'deaths';
const NODE = 'deaths-01';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

const bdSeqMetric = (bdSeq: number): SparkplugMetric => ({ name: 'bdSeq', datatype: DataType.Int64, value: BigInt(bdSeq), timestamp: Date.now() });

describe('primary host and NDEATH bdSeq', () => {
  it('ignores an NDEATH whose bdSeq is not the current NBIRTH\'s; the matching one takes the node offline', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const lines: Array<Rendered & { topic: string }> = [];
    const host = new PrimaryHost({ hostId: 'central-deaths', brokerUrl: broker.url, report: (line) => lines.push(line) });
    cleanups.push(() => host.stop());
    const handled: string[] = [];
    host.on('message', (topic) => handled.push(topic));
    await host.start();
    const nodeClient = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clean: true, reconnectPeriod: 0, clientId: `${GROUP}.${NODE}` });
    cleanups.push(() => nodeClient.endAsync(true));
    // The host subscribes on connect; a probe it has seen says the subscription is in place.
    await waitFor(async () => {
      await nodeClient.publishAsync(edgeTopic(GROUP, 'NDATA', 'probe'), Buffer.from(encodePayload({ timestamp: Date.now(), seq: 1, metrics: [] })), { qos: 1 });
      return handled.length > 0;
    }, 'the host subscribed', 5000, 50);

    const view = () => host.nodes.get(`${GROUP}/${NODE}`);
    /** Publishes as the node and waits until the host has handled it. */
    const send = async (type: 'NBIRTH' | 'NDEATH', bdSeq: number): Promise<void> => {
      const before = handled.length;
      const payload = type === 'NBIRTH' ? { timestamp: Date.now(), seq: 0, metrics: [bdSeqMetric(bdSeq)] } : { timestamp: Date.now(), metrics: [bdSeqMetric(bdSeq)] };
      await nodeClient.publishAsync(edgeTopic(GROUP, type, NODE), Buffer.from(encodePayload(payload)), { qos: 1 });
      await waitFor(() => handled.slice(before).includes(edgeTopic(GROUP, type, NODE)), `the host handled ${type} bdSeq ${bdSeq}`);
    };

    await send('NBIRTH', 1);
    await send('NBIRTH', 2); // the node re-birthed on a new connection
    assert.equal(view()?.online, true);
    assert.equal(view()?.bdSeq, 2n);

    await send('NDEATH', 1); // the old session's Will, delivered late
    assert.equal(view()?.online, true, 'a stale NDEATH (bdSeq 1, current session 2) took the node offline');
    assert.equal(view()?.bdSeq, 2n);
    assert.ok(lines.some((line) => /stale NDEATH/.test(line.text) && /bdSeq 1/.test(line.text)), 'the stale NDEATH is reported as ignored');

    await send('NDEATH', 2);
    assert.equal(view()?.online, false, 'the NDEATH of the current session takes the node offline');
  });
});
