/**
 * The capture uploader with several brokers, on in-memory brokers and a fake clock: it uploads
 * through the first reachable one; when that connection is lost it goes to the next broker after
 * the reconnect backoff, on a new client, and sends again whole every package central has not
 * acknowledged yet — also one that was fully sent and only waited for its verdict.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ackTopic, encodeAck, peekChunkPosition, splitIntoChunks } from '../../protocols/capture/transfer-codec.ts';
import { CaptureUploader, type UploadSource } from '../../protocols/capture/uploader.ts';
import { FakeBrokers, type FakeClient } from '../support/fake-brokers.ts';
import { FakeClock } from '../support/fake-clock.ts';

const BOOTH = 'booth-7';
const CHUNK = 1024;
const [A, B] = ['mqtt://a.example:1883', 'mqtts://user:secret@b.example:8883'];

function memorySource(packages: Record<string, Uint8Array>) {
  const stored = new Map(Object.entries(packages));
  const source: UploadSource & { erased: string[] } = {
    erased: [],
    pending: () => [...stored.keys()].map((packageId) => ({ packageId, attempts: 0 })),
    chunks: async (packageId, maxChunkBytes) => splitIntoChunks(packageId, stored.get(packageId)!, maxChunkBytes),
    erase: async (packageId) => {
      source.erased.push(packageId);
      return stored.delete(packageId);
    },
  };
  return source;
}

function uploader(source: UploadSource, clock: FakeClock, brokers: FakeBrokers) {
  return new CaptureUploader({
    boothId: BOOTH,
    source,
    clock,
    logger: { debug() {}, info() {}, warn() {} },
    maxChunkBytes: CHUNK,
    maxInFlightBytes: 64 * CHUNK,
    ackTimeoutMs: 60_000,
    retry: { initialMs: 1000, maxMs: 8000 },
    protocolVersion: 4,
    connect: brokers.connect,
  });
}

const chunksOf = (client: FakeClient | undefined, packageId: string) =>
  (client?.published ?? []).map(({ payload }) => peekChunkPosition(payload)).filter((chunk) => chunk.packageId === packageId).map((chunk) => chunk.index);
const ack = (client: FakeClient, packageId: string) => client.deliver(ackTopic(BOOTH), Buffer.from(encodeAck({ packageId, status: 'accepted' })));

describe('capture uploader with several brokers', () => {
  it('sends un-acknowledged packages again, whole, on the next broker once the first is lost', async () => {
    const clock = new FakeClock();
    const brokers = new FakeBrokers();
    const source = memorySource({ p1: new Uint8Array(3 * CHUNK - 100), p2: new Uint8Array(CHUNK) });
    const instance = uploader(source, clock, brokers);
    instance.start([A, B]);
    await clock.advance(0);
    const onA = brokers.clientsOf(A)[0]!;
    assert.equal(instance.broker, A);
    const p1 = splitIntoChunks('p1', new Uint8Array(3 * CHUNK - 100), CHUNK).map((_, index) => index);
    assert.deepEqual(chunksOf(onA, 'p1'), p1, 'p1 fully sent to A, waiting for its verdict');
    assert.equal(chunksOf(onA, 'p2').length, splitIntoChunks('p2', new Uint8Array(CHUNK), CHUNK).length);
    ack(onA, 'p2');
    await clock.advance(0);
    assert.deepEqual(source.erased, ['p2']);

    brokers.kill(A); // p1's verdict never comes from A
    await clock.advance(999);
    assert.equal(brokers.clientsOf(B).length, 0, 'the next broker after the reconnect backoff');
    await clock.advance(1);
    const onB = brokers.clientsOf(B)[0]!;
    assert.equal(onB.connected, true);
    assert.equal(onA.ended, true, 'the client of A is ended, not left to reconnect');
    assert.equal(instance.broker, B);
    assert.deepEqual(onB.subscriptions.sort(), [ackTopic(BOOTH), `booth/v1/${BOOTH}/capture/resume`].sort());
    assert.deepEqual(chunksOf(onB, 'p1'), p1, 'p1 again, whole, without waiting for its ack timeout');
    assert.deepEqual(chunksOf(onB, 'p2'), [], 'an acknowledged package never goes again');
    ack(onB, 'p1');
    await clock.advance(0);
    assert.deepEqual(source.erased, ['p2', 'p1']);
    await instance.stop();
  });

  it('skips a broker that refuses and comes back round to the first', async () => {
    const clock = new FakeClock();
    const brokers = new FakeBrokers();
    brokers.kill(A);
    const source = memorySource({ p1: new Uint8Array(100) });
    const instance = uploader(source, clock, brokers);
    instance.start([A, B]);
    await clock.advance(1000);
    const onB = brokers.clientsOf(B)[0]!;
    assert.deepEqual(chunksOf(onB, 'p1'), [0]);
    brokers.revive(A);
    brokers.kill(B);
    await clock.advance(1000);
    assert.deepEqual(chunksOf(brokers.clientsOf(A)[1], 'p1'), [0], 'round robin: after the last broker, the first');
    assert.equal(brokers.clients.filter((client) => client.connected).length, 1);
    await instance.stop();
  });
});
