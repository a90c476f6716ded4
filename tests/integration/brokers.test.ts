/**
 * The same MQTT 3.1.1 behaviour, checked against the two brokers a booth meets: a real mosquitto
 * (what production brokers look like) and the EmbeddedBroker (aedes) boothd starts when the
 * manifest names none. The booth relies on each of these: QoS 1 delivery, wills (the central
 * side learns a booth died), retained messages (late subscribers see the last state).
 *
 * Each test gets its own broker and clients; afterEach stops all of them even on failure.
 * Every wait is bounded; sleeps only ever wait for the *absence* of a message.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { EmbeddedBroker } from '../../runtime/broker/embedded-broker.ts';
import { memoryLogger } from '../support/memory-logger.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/wait.ts';

const LIMIT_MS = 5000;
/** How long "nothing arrives" is watched; short, a broker on loopback answers in < 10 ms. */
const ABSENCE_MS = 300;

const clients: MqttClient[] = [];
const stoppers: Array<() => Promise<void>> = [];

afterEach(async () => {
  // Clients first (force: no DISCONNECT handshake with a possibly paused broker), then brokers.
  const ending = clients.splice(0).map((client) => withTimeout(client.endAsync(true), 2000, 'client end').catch(() => {}));
  await Promise.all(ending);
  for (const stop of stoppers.splice(0)) await stop();
});

function withTimeout<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${limitMs} ms waiting for ${what}`)), limitMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Connects an MQTT 3.1.1 client; it is registered for cleanup before the connect is awaited. */
async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2000, ...options });
  clients.push(client);
  client.on('error', () => {}); // surfaced by the awaits below, not as an uncaught 'error'
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    }),
    LIMIT_MS,
    `MQTT connect to ${url}`,
  );
  return client;
}

interface Received {
  topic: string;
  text: string;
  packet: IPublishPacket;
}

/** Records every message a client receives; `expect` waits (bounded) for a matching one. */
function inbox(client: MqttClient) {
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, text: payload.toString('utf8'), packet }));
  return {
    messages,
    async expect(topic: string, text: string): Promise<Received> {
      const match = (m: Received) => m.topic === topic && m.text === text;
      await waitFor(() => messages.some(match), `"${text}" on ${topic}`, LIMIT_MS);
      return messages.find(match)!;
    },
  };
}

async function subscribe(client: MqttClient, topic: string): Promise<void> {
  const granted = await withTimeout(client.subscribeAsync(topic, { qos: 1 }), LIMIT_MS, `SUBACK for ${topic}`);
  assert.equal(granted[0]?.qos, 1, `QoS 1 granted for ${topic}`);
}

async function startMosquittoForTest(): Promise<Mosquitto> {
  const broker = await startMosquitto();
  stoppers.push(() => broker.stop());
  return broker;
}

async function startEmbeddedForTest(logger = memoryLogger().logger): Promise<{ url: string; broker: EmbeddedBroker }> {
  const broker = new EmbeddedBroker({ port: 0, logger });
  const { url } = await broker.start();
  stoppers.push(() => broker.stop());
  return { url, broker };
}

const kinds: Array<{ name: string; start: () => Promise<string> }> = [
  { name: 'mosquitto', start: async () => (await startMosquittoForTest()).url },
  { name: 'embedded broker (aedes)', start: async () => (await startEmbeddedForTest()).url },
];

for (const kind of kinds) {
  describe(`MQTT 3.1.1 on ${kind.name}`, () => {
    test('publish/subscribe round trip at QoS 1', async () => {
      const url = await kind.start();
      const subscriber = await connectClient(url);
      const received = inbox(subscriber);
      await subscribe(subscriber, 'booth/t/roundtrip');
      const publisher = await connectClient(url);
      await withTimeout(publisher.publishAsync('booth/t/roundtrip', 'hello', { qos: 1 }), LIMIT_MS, 'PUBACK');
      const message = await received.expect('booth/t/roundtrip', 'hello');
      assert.equal(message.packet.qos, 1);
    });

    test('will is delivered when the publisher socket dies abruptly', async () => {
      const url = await kind.start();
      const watcher = await connectClient(url);
      const received = inbox(watcher);
      await subscribe(watcher, 'booth/t/will');
      const victim = await connectClient(url, { will: { topic: 'booth/t/will', payload: Buffer.from('gone'), qos: 1, retain: false } });
      // No DISCONNECT packet: the broker only sees the TCP connection end, as when a booth loses power.
      victim.stream.destroy();
      const will = await received.expect('booth/t/will', 'gone');
      assert.equal(will.packet.qos, 1);
      assert.equal(will.packet.retain, false);
    });

    test('will is NOT delivered on a clean end()', async () => {
      const url = await kind.start();
      const watcher = await connectClient(url);
      const received = inbox(watcher);
      await subscribe(watcher, 'booth/t/will');
      const leaver = await connectClient(url, { will: { topic: 'booth/t/will', payload: Buffer.from('gone'), qos: 1, retain: false } });
      await withTimeout(leaver.endAsync(), LIMIT_MS, 'clean end');
      await sleep(ABSENCE_MS);
      // A marker proves the subscription still works, so the absence below means something.
      await withTimeout(watcher.publishAsync('booth/t/will', 'marker', { qos: 1 }), LIMIT_MS, 'PUBACK');
      await received.expect('booth/t/will', 'marker');
      assert.deepEqual(received.messages.map((m) => m.text), ['marker']);
    });

    test('a retained message reaches a later subscriber', async () => {
      const url = await kind.start();
      const publisher = await connectClient(url);
      await withTimeout(publisher.publishAsync('booth/t/state', 'online', { qos: 1, retain: true }), LIMIT_MS, 'PUBACK');
      const late = await connectClient(url);
      const received = inbox(late);
      await subscribe(late, 'booth/t/state');
      const message = await received.expect('booth/t/state', 'online');
      assert.equal(message.packet.retain, true, 'delivered as retained');
    });
  });
}

describe('mosquitto test broker', () => {
  test('restart() comes back on the same port and a client reconnects', async () => {
    const broker = await startMosquittoForTest();
    const { port, url } = broker;
    const oldPid = broker.pid;
    const client = await connectClient(url, { reconnectPeriod: 100 });
    const received = inbox(client);
    await subscribe(client, 'booth/t/restart');
    const reconnected = withTimeout(new Promise<void>((resolve) => client.once('connect', () => resolve())), LIMIT_MS, 'reconnect');
    await broker.restart();
    assert.equal(broker.port, port);
    assert.notEqual(broker.pid, oldPid, 'a new process');
    await reconnected;
    // mqtt.js resubscribes on reconnect: the round trip proves the new broker really serves.
    await withTimeout(client.publishAsync('booth/t/restart', 'again', { qos: 1 }), LIMIT_MS, 'PUBACK after restart');
    await received.expect('booth/t/restart', 'again');
  });

  test('pause() stops delivery and resume() restores it', async () => {
    const broker = await startMosquittoForTest();
    const subscriber = await connectClient(broker.url);
    const received = inbox(subscriber);
    await subscribe(subscriber, 'booth/t/pause');
    const publisher = await connectClient(broker.url);
    broker.pause();
    const published = publisher.publishAsync('booth/t/pause', 'held', { qos: 1 });
    published.catch(() => {}); // awaited below; never an unhandled rejection if the test fails first
    await sleep(ABSENCE_MS);
    assert.equal(received.messages.length, 0, 'nothing delivered while paused');
    broker.resume();
    await withTimeout(published, LIMIT_MS, 'PUBACK after resume');
    await received.expect('booth/t/pause', 'held');
  });
});

describe('embedded broker', () => {
  test('logs client connect and disconnect at debug', async () => {
    const { logger, lines } = memoryLogger('debug');
    const { url } = await startEmbeddedForTest(logger);
    const client = await connectClient(url, { clientId: 'booth-log-check' });
    await withTimeout(client.endAsync(), LIMIT_MS, 'clean end');
    const seen = (event: string) => lines.some((l) => l.event === event && l.clientId === 'booth-log-check' && l.level === 20);
    await waitFor(() => seen('broker.client.connected') && seen('broker.client.disconnected'), 'connect/disconnect debug lines');
  });

  test('stop() resolves while clients are connected, and disconnects them', async () => {
    const { url, broker } = await startEmbeddedForTest();
    const client = await connectClient(url);
    const closed = withTimeout(new Promise<void>((resolve) => client.once('close', () => resolve())), LIMIT_MS, 'client close');
    await withTimeout(broker.stop(), LIMIT_MS, 'broker stop');
    await closed;
  });

  test('an MQTT 5 client is refused (aedes speaks 3.1.1 only)', async () => {
    const { url } = await startEmbeddedForTest();
    await assert.rejects(connectClient(url, { protocolVersion: 5 }));
  });
});
