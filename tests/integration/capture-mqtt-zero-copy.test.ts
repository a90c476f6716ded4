/**
 * mqtt.js without its per-publish payload copy (protocols/capture/mqtt-zero-copy.ts), on a real
 * mosquitto: a QoS 1 publish is still stored before it is written (so mqtt.js can resend it
 * after a reconnect) but the stored packet shares the caller's bytes, the message arrives intact,
 * and the stored packet is dropped on its PUBACK. Stock mqtt.js copies (what this saves), and a
 * client without the expected internals is left alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import mqtt, { Store, type MqttClient } from 'mqtt';
import { storePublishesWithoutCopy } from '../../protocols/capture/mqtt-zero-copy.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/wait.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** mqtt.js's own in-memory store, recording what it is given. */
class RecordingStore extends Store {
  readonly stored: Array<{ payload?: unknown; topic?: string; messageId?: number }> = [];
  readonly deleted: number[] = [];
  override put(packet: Parameters<Store['put']>[0], cb: Parameters<Store['put']>[1]): this {
    this.stored.push(packet as (typeof this.stored)[number]);
    return super.put(packet, cb);
  }
  override del(packet: Parameters<Store['del']>[0], cb: Parameters<Store['del']>[1]): this {
    this.deleted.push(Number((packet as { messageId?: number }).messageId));
    return super.del(packet, cb);
  }
}

async function setUp(broker: Mosquitto, patch: boolean) {
  const store = new RecordingStore();
  const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, outgoingStore: store, reconnectPeriod: 0 });
  const subscriber = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  cleanups.push(() => publisher.endAsync(true), () => subscriber.endAsync(true));
  const received: Buffer[] = [];
  subscriber.on('message', (_topic, payload) => received.push(payload));
  await subscriber.subscribeAsync('zero-copy/test', { qos: 1 });
  if (patch) assert.equal(storePublishesWithoutCopy(publisher), true, 'mqtt.js internals as expected');
  return { store, publisher, received };
}

describe('mqtt.js publishes stored without a payload copy', () => {
  it('stores the packet sharing the payload, delivers it intact, and drops it on the PUBACK', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const { store, publisher, received } = await setUp(broker, true);
    const memory = new Uint8Array(new SharedArrayBuffer(300_000));
    memory.set(randomBytes(memory.length));
    const payload = Buffer.from(memory.buffer, 1000, 128 * 1024);
    broker.pause(); // no PUBACK while we look at the store
    cleanups.push(() => broker.resume());
    const sent = publisher.publishAsync('zero-copy/test', payload, { qos: 1 });
    await waitFor(() => store.stored.length === 1, 'the publish to be stored');
    const stored = store.stored[0]!;
    assert.ok(Buffer.isBuffer(stored.payload));
    assert.equal((stored.payload as Buffer).buffer, memory.buffer, 'the stored packet shares the bytes: no copy');
    assert.equal(stored.topic, 'zero-copy/test');
    assert.ok(Number(stored.messageId) > 0, 'kept with its message id, for a resend after a reconnect');
    broker.resume();
    await sent;
    assert.deepEqual(store.deleted, [stored.messageId], 'dropped on its PUBACK');
    await waitFor(() => received.length === 1, 'the message at the subscriber');
    assert.deepEqual(received[0], Buffer.from(memory.subarray(1000, 1000 + 128 * 1024)));
  });

  it('stock mqtt.js copies every QoS 1 payload (what the change saves)', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const { store, publisher } = await setUp(broker, false);
    const payload = randomBytes(64 * 1024);
    await publisher.publishAsync('zero-copy/test', payload, { qos: 1 });
    assert.notEqual((store.stored[0]!.payload as Buffer).buffer, payload.buffer);
  });

  it('leaves a client without the expected internals alone', () => {
    const standIn = { publishAsync: async () => undefined } as unknown as MqttClient;
    assert.equal(storePublishesWithoutCopy(standIn), false);
  });
});
