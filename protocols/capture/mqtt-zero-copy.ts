/**
 * mqtt.js copies the payload of every QoS 1/2 publish before storing it for a resend (a deep
 * clone of the packet, `_storeAndSend` in mqtt.js 5). For capture chunks that is a 128 KiB
 * allocation and copy per message: at loopback speed hundreds of MiB/s of garbage, and the
 * main thread's mark-compacts it causes are most of the uploader's event-loop lag
 * (bench/RESULTS.md). This keeps mqtt.js's behaviour — the packet is stored, then written, and
 * resent from the store after a reconnect — but stores a shallow copy that shares the payload.
 *
 * What the caller must then guarantee: the payload bytes stay unchanged until the publish has its
 * PUBACK (mqtt.js drops the stored packet then) or has failed; the uploader reuses chunk memory
 * only after every publish of it was acknowledged (uploader.ts, `Lease`).
 *
 * mqtt.js internals, so checked: when the client has no `_storeAndSend(packet, cb, cbStorePut)`
 * or no `outgoingStore.put`, nothing is changed and mqtt.js copies as before.
 */
import type { MqttClient } from 'mqtt';

interface StoreAndSend {
  _storeAndSend?: (packet: { cmd: string }, cb: ((error?: Error) => void) | undefined, cbStorePut: () => void) => void;
  _writePacket?: (packet: object, cb: ((error?: Error) => void) | undefined) => void;
  _removeTopicAliasAndRecoverTopicName?: (packet: object) => Error | undefined;
}

/** Makes `client` store QoS > 0 publishes without copying their payload; returns whether it could. */
export function storePublishesWithoutCopy(client: MqttClient): boolean {
  const internals = client as unknown as StoreAndSend;
  const original = internals._storeAndSend;
  if (
    typeof original !== 'function' || original.length !== 3 ||
    typeof internals._writePacket !== 'function' ||
    typeof internals._removeTopicAliasAndRecoverTopicName !== 'function' ||
    typeof client.outgoingStore?.put !== 'function'
  ) {
    return false;
  }
  const removeAlias = internals._removeTopicAliasAndRecoverTopicName.bind(client);
  const writePacket = internals._writePacket.bind(client);
  const store = (): MqttClient['outgoingStore'] => client.outgoingStore; // mqtt.js may replace it on reconnect
  internals._storeAndSend = (packet, cb, cbStorePut) => {
    if (packet.cmd !== 'publish') return original.call(client, packet, cb, cbStorePut);
    // Shallow: the stored packet loses its topic alias (as mqtt.js's copy does) without touching the one written.
    const stored = { ...packet, ...('properties' in packet && packet.properties ? { properties: { ...packet.properties } } : {}) };
    const error = removeAlias(stored);
    if (error) return cb?.(error);
    store().put(stored as Parameters<MqttClient['outgoingStore']['put']>[0], (putError?: Error) => {
      if (putError) return cb?.(putError);
      cbStorePut();
      writePacket(packet, cb);
    });
  };
  return true;
}
