/**
 * The capture uploader against a scripted MQTT client and a fake clock: the upload rate cap
 * spaces chunks out in time, an acknowledged package is erased once and never sent again while
 * its erase runs, and a package that cannot be read goes on backoff without stopping the rest.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import { ackTopic, encodeAck, peekChunkPosition, splitIntoChunks } from '../../protocols/capture/transfer-codec.ts';
import { CaptureUploader, type UploadSource } from '../../protocols/capture/uploader.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { waitFor } from '../support/wait.ts';

const BOOTH = 'booth-7';
const CHUNK = 1024;

/** Just enough of an MqttClient: connected at once, every publish PUBACKed at once, publishes recorded. */
class ScriptedClient extends EventEmitter {
  connected = false;
  readonly published: Array<{ topic: string; payload: Buffer }> = [];
  async subscribeAsync(): Promise<void> {}
  /** When set, no PUBACK ever comes (a connection that dies with messages in flight). */
  pubacksLost = false;
  async publishAsync(topic: string, payload: Buffer): Promise<void> {
    this.published.push({ topic, payload });
    if (this.pubacksLost) await new Promise(() => undefined);
  }
  async endAsync(): Promise<void> {
    this.connected = false;
  }
  /** mqtt.js's reconnect(): here recorded, and refused until the test lets the broker back. */
  readonly reconnects: number[] = [];
  brokerUp = false;
  clock: FakeClock | undefined;
  reconnect(): void {
    this.reconnects.push(this.clock!.now());
    if (this.brokerUp) this.connect();
    else this.emit('close');
  }
  lose(): void {
    this.connected = false;
    this.emit('close');
  }
  connect(): void {
    this.connected = true;
    this.emit('connect');
  }
  ack(packageId: string): void {
    this.emit('message', ackTopic(BOOTH), Buffer.from(encodeAck({ packageId, status: 'accepted' })));
  }
  chunksOf(packageId: string): number[] {
    return this.published.map(({ payload }) => peekChunkPosition(payload)).filter((chunk) => chunk.packageId === packageId).map((chunk) => chunk.index);
  }
}

function memorySource(packages: Record<string, Uint8Array>, unreadable = new Set<string>()) {
  const stored = new Map(Object.entries(packages));
  const erases: string[] = [];
  let held: Array<() => void> | undefined;
  const source: UploadSource & { erases: string[]; holdErases(): () => void } = {
    erases,
    pending: () => [...stored.keys()].map((packageId) => ({ packageId, attempts: 0 })),
    chunks: async (packageId, maxChunkBytes) => {
      if (unreadable.has(packageId)) throw new Error(`cannot read ${packageId}`);
      return splitIntoChunks(packageId, stored.get(packageId)!, maxChunkBytes);
    },
    erase: async (packageId) => {
      erases.push(packageId);
      if (held) await new Promise<void>((resolve) => held!.push(resolve));
      return stored.delete(packageId);
    },
    holdErases: () => {
      const waiting: Array<() => void> = (held = []);
      return () => {
        held = undefined;
        for (const resolve of waiting) resolve();
      };
    },
  };
  return source;
}

function uploader(source: UploadSource, clock: FakeClock, extra: { maxBytesPerSecond?: number; maxInFlightBytes?: number } = {}) {
  const client = new ScriptedClient();
  client.clock = clock;
  const warnings: string[] = [];
  const instance = new CaptureUploader({
    boothId: BOOTH,
    source,
    clock,
    logger: { debug() {}, info() {}, warn: (_object, message) => warnings.push(String(message)) },
    maxChunkBytes: CHUNK,
    maxInFlightBytes: 64 * CHUNK,
    ackTimeoutMs: 60_000,
    retry: { initialMs: 1000, maxMs: 8000 },
    protocolVersion: 5,
    connect: () => client as unknown as MqttClient,
    ...extra,
  });
  instance.start('mqtt://127.0.0.1:1');
  client.connect();
  return { instance, client, warnings };
}

describe('capture uploader', () => {
  it('keeps to maxBytesPerSecond: chunks go out as the clock allows, not at once', async () => {
    const clock = new FakeClock();
    const { client, instance } = uploader(memorySource({ a: new Uint8Array(8 * 900) }), clock, { maxBytesPerSecond: 2 * CHUNK });
    await waitFor(() => client.published.length === 1, 'the first chunk');
    await clock.advance(400);
    assert.equal(client.published.length, 1, 'nothing more within the first chunk’s half second');
    await clock.advance(2000);
    await waitFor(() => client.published.length >= 5, 'four more chunks two seconds later');
    assert.ok(client.published.length <= 6, `${client.published.length} chunks after 2.4 s at 2 chunks/s`);
    await instance.stop();
  });

  it('sends without pause when no cap is set', async () => {
    const clock = new FakeClock();
    const { client, instance } = uploader(memorySource({ a: new Uint8Array(8 * 900) }), clock);
    await waitFor(() => client.published.length === 8, 'all eight chunks with the clock standing still');
    await instance.stop();
  });

  it('erases an acknowledged package once and never sends it again while the erase runs', async () => {
    const clock = new FakeClock();
    const source = memorySource({ a: new Uint8Array(3000), b: new Uint8Array(3000) });
    const release = source.holdErases();
    const { client, instance } = uploader(source, clock);
    const count = splitIntoChunks('a', new Uint8Array(3000), CHUNK).length;
    await waitFor(() => client.chunksOf('b').length === count, 'both packages sent');
    client.ack('a');
    client.ack('a'); // a repeated acknowledgement
    client.ack('b');
    await clock.advance(10);
    instance.kick(); // a new package arrives while the erases are still running
    await clock.advance(10);
    assert.deepEqual(client.chunksOf('a'), Array.from({ length: count }, (_, index) => index), 'package a went out once');
    assert.deepEqual(source.erases, ['a', 'b']);
    release();
    await waitFor(() => source.pending(10).length === 0, 'both erased');
    await instance.stop();
  });

  it('reconnects after 1, 2, 4, 8 s while the broker is away, capped, and starts again at 1 s once back', async () => {
    const clock = new FakeClock();
    const { client, instance } = uploader(memorySource({}), clock);
    const lostAt = clock.now();
    client.lose();
    await clock.advance(20_000);
    assert.deepEqual(client.reconnects.map((at) => at - lostAt), [1000, 3000, 7000, 15000], 'retry.initialMs 1 s doubling up to retry.maxMs 8 s');
    await clock.advance(8000);
    assert.equal(client.reconnects.at(-1)! - lostAt, 23_000, 'capped at 8 s');
    client.brokerUp = true;
    await clock.advance(8000);
    assert.equal(client.connected, true);
    const backAt = clock.now();
    client.lose();
    await clock.advance(1000);
    assert.equal(client.reconnects.at(-1)! - backAt, 1000, 'a fresh outage starts at the initial delay again');
    await instance.stop();
    const count = client.reconnects.length;
    client.lose();
    await clock.advance(60_000);
    assert.equal(client.reconnects.length, count, 'no reconnect after stop');
  });

  it('does not wait for PUBACKs of a closed connection: after reconnecting the package goes again whole', async () => {
    const clock = new FakeClock();
    const { client, instance } = uploader(memorySource({ a: new Uint8Array(8 * 900) }), clock, { maxInFlightBytes: 2 * CHUNK });
    client.pubacksLost = true;
    await waitFor(() => client.published.length === 2, 'a full in-flight window');
    await clock.advance(10);
    assert.equal(client.published.length, 2, 'the window is full and no PUBACK comes');
    client.pubacksLost = false;
    client.brokerUp = true;
    client.lose();
    await clock.advance(1000);
    await waitFor(() => client.chunksOf('a').length === 2 + 8, 'the whole package again on the new connection');
    assert.deepEqual(client.chunksOf('a').slice(2), [0, 1, 2, 3, 4, 5, 6, 7]);
    await instance.stop();
  });

  it('puts an unreadable package on backoff and sends the ones behind it', async () => {
    const clock = new FakeClock();
    const { client, instance, warnings } = uploader(memorySource({ broken: new Uint8Array(100), fine: new Uint8Array(100) }, new Set(['broken'])), clock);
    await waitFor(() => client.chunksOf('fine').length === 1, 'the readable package');
    assert.ok(warnings.some((warning) => warning.includes('cannot read package broken')));
    assert.deepEqual(client.chunksOf('broken'), []);
    await instance.stop();
  });
});
