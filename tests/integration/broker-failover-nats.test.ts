/**
 * Why the clustered-broker failover test runs on RabbitMQ, not on NATS: Debian's nats-server 2.9
 * clusters its MQTT gateway well (retained messages, wills and QoS 1 capture chunks all cross the
 * nodes, checked here), but it refuses every MQTT topic that contains a "." — and Sparkplug B's
 * namespace is `spBv1.0`. A CONNECT whose Will is the NDEATH is refused, a SUBSCRIBE to NCMD
 * fails, a PUBLISH of the STATE closes the connection. Should Debian ship a nats-server that takes
 * dots in topics, this test fails and says so: then NATS can be tried for Sparkplug again.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { startNatsCluster } from '../support/nats-cluster.ts';
import type { BrokerCluster } from '../support/rabbitmq-cluster.ts';
import { waitFor } from '../support/wait.ts';

let cluster: BrokerCluster | undefined;
const clients: MqttClient[] = [];

before(async () => {
  cluster = await startNatsCluster({ readyLimitMs: 30_000 });
});

after(async () => {
  await Promise.all(clients.map((client) => client.endAsync(true).catch(() => undefined)));
  await cluster?.stop();
});

/** Connects (3.1.1: NATS speaks nothing else); resolves with the client or the reason it was refused. */
function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    clients.push(client);
    client.on('error', () => undefined);
    client.once('connect', () => resolve(client));
    client.once('close', () => reject(new Error('closed without CONNACK')));
  });
}

function closed(client: MqttClient, limitMs: number): Promise<boolean> {
  if (!client.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), limitMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('NATS 2.9 MQTT cluster', () => {
  it('carries retained messages, wills and QoS 1 capture chunks across its nodes', async () => {
    const [one, two, three] = cluster!.nodes;
    const host = await connect(one!.url, { will: { topic: 'probe/STATE/central', payload: Buffer.from('offline'), qos: 1, retain: true } });
    await host.publishAsync('probe/STATE/central', 'online', { qos: 1, retain: true });
    const seen: Array<[string, string]> = [];
    const watcher = await connect(three!.url);
    watcher.on('message', (topic, payload) => seen.push([topic, payload.byteLength > 64 ? `${payload.byteLength} bytes` : payload.toString()]));
    await watcher.subscribeAsync(['probe/#', 'booth/v1/+/capture/+/chunk'], { qos: 1 });
    await waitFor(() => seen.some(([topic, text]) => topic === 'probe/STATE/central' && text === 'online'), 'the retained STATE of node 1 on node 3', 10_000);
    const victim = await connect(two!.url, { will: { topic: 'probe/g/NDEATH/n', payload: Buffer.from('dead'), qos: 1, retain: false } });
    victim.stream.destroy(); // no DISCONNECT: the will goes out
    await waitFor(() => seen.some(([topic]) => topic === 'probe/g/NDEATH/n'), 'the will from node 2 on node 3', 10_000);
    await (await connect(two!.url)).publishAsync('booth/v1/b1/capture/p1/chunk', Buffer.alloc(131_072, 7), { qos: 1 });
    await waitFor(() => seen.some(([, text]) => text === '131072 bytes'), 'a 128 KiB chunk from node 2 on node 3', 10_000);
  });

  it('refuses the Sparkplug namespace: no "." in MQTT topics', async () => {
    const [one] = cluster!.nodes;
    const will = { topic: 'spBv1.0/g/NDEATH/n', payload: Buffer.from('bdSeq'), qos: 1 as const, retain: false };
    await assert.rejects(connect(one!.url, { will }), /closed without CONNACK/, 'a CONNECT with the NDEATH as Will is refused');
    const subscriber = await connect(one!.url);
    await assert.rejects(subscriber.subscribeAsync('spBv1.0/g/NCMD/n', { qos: 1 }), 'a SUBSCRIBE to NCMD fails');
    const publisher = await connect(one!.url);
    const gone = closed(publisher, 5000);
    publisher.publish('spBv1.0/STATE/central', '{"online":true,"timestamp":1}', { qos: 0, retain: true });
    assert.equal(await gone, true, 'a PUBLISH of the STATE closes the connection');
    assert.match(readFileSync(one!.logFile, 'utf8'), /characters ' ' and '\.' not supported for MQTT topics/);
  });
});
