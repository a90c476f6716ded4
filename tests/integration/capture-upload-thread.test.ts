/**
 * The capture upload thread as boothd uses it (ThreadedUploader): packages go from the outbox
 * through a real mosquitto to a central stand-in and are erased on its ack, with the uploader on a
 * thread of its own; its link, its verdicts and its log lines reach the owner; a technician's
 * retry answers with the packages it took off backoff; a thread that dies is started again and
 * finishes the job; `stop` ends it for good.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { systemClock } from '../../hal/clock.ts';
import { ackTopic, CHUNK_TOPIC_FILTER, encodeAck, parseCaptureTopic, peekChunkPosition } from '../../protocols/capture/transfer-codec.ts';
import { ThreadedUploader, type ThreadLogger } from '../../runtime/captures/threaded-uploader.ts';
import { Outbox } from '../../runtime/outbox/outbox.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { MqttPeer } from '../support/mqtt-peer.ts';
import { nextEvent, waitFor } from '../support/wait.ts';

const BOOTH = 'thread-booth';
const CHUNK_BYTES = 64 * 1024;

let broker: Mosquitto;
before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  await broker.stop();
});
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface LoggedLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(): { logger: ThreadLogger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (fields: object, message?: string) => void lines.push({ level, fields: fields as Record<string, unknown>, message: message ?? '' });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

/** A central stand-in: acks each package on its last chunk with what `verdict` says for it. */
async function central(verdict: (packageId: string) => 'accepted' | 'rejected'): Promise<{ chunksSeen: Map<string, number> }> {
  const peer = await MqttPeer.connect(broker.url, 'central', { protocolVersion: 5 });
  cleanups.push(() => peer.client.endAsync(true));
  const chunksSeen = new Map<string, number>();
  peer.client.on('message', (topic, payload) => {
    const parsed = parseCaptureTopic(topic);
    if (!parsed.ok || parsed.value.kind !== 'chunk') return;
    const chunk = peekChunkPosition(payload);
    chunksSeen.set(chunk.packageId, (chunksSeen.get(chunk.packageId) ?? 0) + 1);
    if (chunk.index !== chunk.count - 1) return;
    const status = verdict(chunk.packageId);
    const ack = encodeAck({ packageId: chunk.packageId, status, ...(status === 'rejected' ? { reason: 'test says no' } : {}) });
    peer.client.publish(ackTopic(BOOTH), Buffer.from(ack), { qos: 1 });
  });
  await peer.client.subscribeAsync(CHUNK_TOPIC_FILTER, { qos: 1 });
  return { chunksSeen };
}

function outboxWith(packages: number, bytes: number): { outbox: Outbox; ids: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'upload-thread-'));
  const outbox = new Outbox(dir, systemClock, { maxBytes: 256 * 1024 * 1024, maxAgeMs: 3_600_000 }, { uploadChunkBytes: CHUNK_BYTES });
  outbox.open();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => outbox.close());
  const ids = Array.from({ length: packages }, (_, index) => `pkg-${index}`);
  for (const id of ids) outbox.accept(id, randomBytes(bytes));
  return { outbox, ids };
}

function uploader(outboxDir: string, logger: ThreadLogger, retry = { initialMs: 50, maxMs: 400 }): ThreadedUploader {
  const instance = new ThreadedUploader({
    logger,
    settings: { outboxDir, boothId: BOOTH, maxChunkBytes: CHUNK_BYTES, maxInFlightBytes: 256 * 1024, ackTimeoutMs: 10_000, retry, protocolVersion: 5, debug: true, niceness: 0 },
  });
  cleanups.push(() => instance.stop());
  return instance;
}

function collect(instance: ThreadedUploader, event: 'accepted' | 'rejected'): string[] {
  const ids: string[] = [];
  instance.on(event, (packageId: string) => ids.push(packageId));
  return ids;
}

describe('capture upload thread', () => {
  it('uploads the outbox from its thread and reports the link, each verdict and its log lines to the owner', async () => {
    await central(() => 'accepted');
    const { outbox, ids } = outboxWith(6, 300_000);
    const { logger, lines } = recordingLogger();
    const instance = uploader(outbox.dir, logger);
    const accepted = collect(instance, 'accepted');
    const linkUp = nextEvent<[boolean, string]>(instance, 'link', 10_000);
    assert.equal(instance.connected, false, 'not connected before start');
    instance.start(broker.url);
    await waitFor(() => instance.connected, 'the thread to connect', 10_000);
    assert.equal(instance.broker, broker.url);
    assert.equal((await linkUp)[1], broker.url);
    await waitFor(() => accepted.length === ids.length, 'every package accepted', 20_000);
    assert.deepEqual([...accepted].sort(), [...ids].sort());
    assert.equal(outbox.stats().depth, 0, 'each accepted package is erased from the outbox');
    assert.ok(lines.some((line) => line.level === 'info' && line.message.includes('connected to')), 'the thread logs through the owner');
    assert.ok(lines.some((line) => line.level === 'debug' && /uploading package pkg-\d in 5 chunks/.test(line.message)));
  });

  it('answers a technician retry with the packages it took off backoff, and sends them again at once', async () => {
    let refuse = true;
    const seen = await central(() => (refuse ? 'rejected' : 'accepted'));
    const { outbox, ids } = outboxWith(2, 10_000);
    const { logger, lines } = recordingLogger();
    // A long backoff (retry.maxMs of hours would do the same): without the retry nothing would go again in this test.
    const instance = uploader(outbox.dir, logger, { initialMs: 600_000, maxMs: 600_000 });
    const rejected = collect(instance, 'rejected');
    const accepted = collect(instance, 'accepted');
    instance.start(broker.url);
    await waitFor(() => rejected.length === 2, 'both packages rejected', 10_000);
    assert.ok(lines.some((line) => line.level === 'warn' && line.message.includes('test says no')));
    refuse = false;
    assert.equal(await instance.retryNow(), 2, 'both were on backoff');
    await waitFor(() => accepted.length === 2, 'both accepted after the retry', 10_000);
    assert.deepEqual([...seen.chunksSeen.keys()].sort(), [...ids].sort());
    assert.equal(outbox.stats().depth, 0);
  });

  it('starts a thread that died again, logs why, and the new one finishes the upload', async () => {
    await central(() => 'accepted');
    const { outbox, ids } = outboxWith(40, 200_000);
    const { logger, lines } = recordingLogger();
    const instance = uploader(outbox.dir, logger);
    const accepted = collect(instance, 'accepted');
    instance.start(broker.url);
    await waitFor(() => accepted.length >= 1, 'a first package accepted', 10_000);
    const first = instance.threadForTests();
    assert.ok(first);
    const linkDown = new Promise<void>((resolve) => instance.on('link', (connected) => !connected && resolve()));
    await first.terminate();
    await linkDown;
    assert.ok(lines.some((line) => line.level === 'error' && line.message.includes('capture upload thread exited')), 'the death is logged');
    await waitFor(() => outbox.stats().depth === 0, 'the outbox drained by the new thread', 20_000);
    assert.notEqual(instance.threadForTests(), first, 'a new thread');
    assert.equal(new Set(accepted).size, accepted.length, 'no package reported accepted twice');
    assert.ok(ids.every((id) => accepted.includes(id) || !outbox.has(id)), 'every package left the outbox');
  });

  it('retries a thread that cannot open the outbox, and stop ends it for good', async () => {
    const { logger, lines } = recordingLogger();
    const instance = uploader(join(tmpdir(), `no-such-outbox-${process.pid}`, 'deeper'), logger);
    instance.start(broker.url);
    await waitFor(() => lines.filter((line) => line.message.includes('cannot open the outbox')).length >= 2, 'two attempts, each logged', 10_000);
    assert.ok(lines.some((line) => /exited with code 1; starting it again in \d+ ms/.test(line.message)));
    await instance.stop();
    const attempts = lines.filter((line) => line.message.includes('cannot open the outbox')).length;
    assert.equal(instance.threadForTests(), undefined);
    assert.equal(await instance.retryNow(), 0, 'no thread to ask');
    // Backoff is at most 400 ms: a restart after stop would show within a second.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(lines.filter((line) => line.message.includes('cannot open the outbox')).length, attempts, 'no thread started after stop');
  });
});
