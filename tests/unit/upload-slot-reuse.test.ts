/**
 * Recycled chunk memory: the upload worker source lends each package a shared slot and takes it
 * back only on `release`, and the uploader releases a package's chunks only once it has its
 * verdict and every publish of them has its PUBACK — never while a chunk may still be written
 * (in flight, or held by a connection that died), so a reused slot never changes bytes on the wire.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import { ackTopic, encodeAck, peekChunkPosition, splitIntoChunks } from '../../protocols/capture/transfer-codec.ts';
import { CaptureUploader, type UploadSource } from '../../protocols/capture/uploader.ts';
import { Outbox } from '../../runtime/outbox/outbox.ts';
import { WorkerUploadSource } from '../../runtime/outbox/worker-upload-source.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { waitFor } from '../support/wait.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const asBuffers = (chunks: readonly Uint8Array[]) => chunks.map((chunk) => Buffer.from(chunk));

describe('worker upload source slots', () => {
  it('lends each package its own slot and reuses a slot only after it is released, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upload-slots-'));
    const outbox = new Outbox(dir, new FakeClock(), { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 });
    outbox.open();
    const source = new WorkerUploadSource(outbox);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => outbox.close(), () => source.close());
    const sealed = { p1: randomBytes(300_000), p2: randomBytes(300_000), p3: randomBytes(290_000) };
    for (const [id, bytes] of Object.entries(sealed)) outbox.accept(id, bytes);
    source.pending(10);
    const c1 = await source.chunks('p1', 65_536);
    const c2 = await source.chunks('p2', 65_536);
    assert.ok(c1[0]!.buffer instanceof SharedArrayBuffer, 'chunks live in a shared slot');
    assert.notEqual(c1[0]!.buffer, c2[0]!.buffer, 'a slot still lent out is not given to the next package');
    assert.deepEqual(asBuffers(c1), asBuffers(splitIntoChunks('p1', sealed.p1, 65_536)), 'p1 untouched by reading p2');

    source.release(c1);
    source.release(c1); // a second release must not put the slot in the pool twice
    source.release(splitIntoChunks('p1', sealed.p1, 65_536)); // not the source's memory: ignored
    assert.equal(source.freeSlotsForTests().length, 1);

    const c3 = await source.chunks('p3', 65_536);
    assert.equal(c3[0]!.buffer, c1[0]!.buffer, 'the released slot takes the next package');
    assert.equal(source.freeSlotsForTests().length, 0);
    assert.deepEqual(asBuffers(c3), asBuffers(splitIntoChunks('p3', sealed.p3, 65_536)));
    assert.deepEqual(asBuffers(c2), asBuffers(splitIntoChunks('p2', sealed.p2, 65_536)), 'p2, still lent, untouched');
  });

  it('counts the upload attempt without making the chunks wait for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upload-slots-'));
    const outbox = new Outbox(dir, new FakeClock(), { maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 });
    outbox.open();
    const source = new WorkerUploadSource(outbox);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => outbox.close(), () => source.close());
    outbox.accept('p1', randomBytes(1000));
    await source.chunks('p1', 65_536);
    await waitFor(() => outbox.pending(1)[0]?.attempts === 1, 'the attempt to be counted');
  });
});

/** An MqttClient stand-in whose PUBACKs (and failures) the test hands out one by one. */
class HeldPubackClient extends EventEmitter {
  connected = false;
  readonly publishes: Array<{ payload: Buffer; puback: () => void; fail: () => void }> = [];
  async subscribeAsync(): Promise<void> {}
  publishAsync(_topic: string, payload: Buffer): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.publishes.push({ payload, puback: resolve, fail: () => reject(new Error('connection lost')) });
    return promise;
  }
  async endAsync(): Promise<void> {
    this.connected = false;
  }
  reconnect(): void {}
  connect(): void {
    this.connected = true;
    this.emit('connect');
  }
  lose(): void {
    this.connected = false;
    this.emit('close');
  }
  ack(packageId: string): void {
    this.emit('message', ackTopic('booth-1'), Buffer.from(encodeAck({ packageId, status: 'accepted' })));
  }
  of(packageId: string) {
    return this.publishes.filter(({ payload }) => peekChunkPosition(payload).packageId === packageId);
  }
}

function setUp(packages: Record<string, Uint8Array>) {
  const stored = new Map(Object.entries(packages));
  const released: Array<{ chunks: readonly Uint8Array[]; unacked: number }> = [];
  let client!: HeldPubackClient;
  const source: UploadSource = {
    pending: () => [...stored.keys()].map((packageId) => ({ packageId, attempts: 0 })),
    chunks: async (packageId, maxChunkBytes) => splitIntoChunks(packageId, stored.get(packageId)!, maxChunkBytes),
    erase: async (packageId) => stored.delete(packageId),
    release: (chunks) => {
      // How many publishes of these very bytes were still waiting for their PUBACK at release time.
      const unacked = client.publishes.filter((publish) => chunks.some((chunk) => chunk.buffer === publish.payload.buffer) && !('done' in publish)).length;
      released.push({ chunks, unacked });
    },
  };
  client = new HeldPubackClient();
  const clock = new FakeClock();
  const uploader = new CaptureUploader({
    boothId: 'booth-1',
    source,
    clock,
    logger: { debug() {}, info() {}, warn() {} },
    maxChunkBytes: 1024,
    maxInFlightBytes: 64 * 1024,
    ackTimeoutMs: 60_000,
    retry: { initialMs: 1000, maxMs: 8000 },
    protocolVersion: 5,
    connect: () => client as unknown as MqttClient,
  });
  uploader.start('mqtt://127.0.0.1:1');
  client.connect();
  cleanups.push(() => uploader.stop());
  const puback = (publish: HeldPubackClient['publishes'][number]) => {
    Object.assign(publish, { done: true });
    publish.puback();
  };
  return { client, released, puback, uploader };
}

describe('uploader chunk release', () => {
  it('releases a package only after its verdict and every PUBACK, in whichever order they come', async () => {
    const { client, released, puback } = setUp({ a: new Uint8Array(2500), b: new Uint8Array(2500) });
    await waitFor(() => client.of('a').length === 3 && client.of('b').length === 3, 'both packages published (3 chunks each)');
    client.ack('a'); // the verdict before the PUBACKs
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(released.length, 0, 'chunks of a still in flight: not released');
    for (const publish of client.of('a').slice(0, 2)) puback(publish);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(released.length, 0, 'one chunk of a still in flight');
    puback(client.of('a')[2]!);
    await waitFor(() => released.length === 1, 'a released');
    assert.equal(released[0]!.unacked, 0);
    for (const publish of client.of('b')) puback(publish); // the PUBACKs before the verdict
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(released.length, 1, 'b has no verdict yet: a resume may still send its chunks');
    client.ack('b');
    await waitFor(() => released.length === 2, 'b released');
    assert.equal(released[1]!.unacked, 0);
  });

  it('never releases chunks whose publish failed or was left behind by a lost connection', async () => {
    const { client, released, puback } = setUp({ c: new Uint8Array(2500) });
    await waitFor(() => client.of('c').length === 3, 'c published');
    puback(client.of('c')[0]!);
    puback(client.of('c')[2]!);
    client.of('c')[1]!.fail(); // mqtt.js may still hold (and resend) these bytes
    client.lose(); // the package goes again whole on the next connection
    client.ack('c'); // even a late verdict changes nothing
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(released.length, 0);
  });
});
