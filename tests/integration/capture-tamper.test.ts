/**
 * What the central receiver refuses: a tampered chunk, a package signed by another key, a package
 * id reused with other content; and what it tolerates: a replay of a stored package is
 * acknowledged again but never stored twice. Every refusal is acknowledged with its reason.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { decodeTransaction } from '../../protocols/ansi-nist/transaction.ts';
import { encodeSealed } from '../../protocols/capture/crypto-provider.ts';
import { generateBoothKeyPair, loadPublicKey } from '../../protocols/capture/keys.ts';
import { encodeCapturePackage } from '../../protocols/capture/package-codec.ts';
import { ackTopic, chunkTopic, parseAck, splitIntoChunks, type Ack } from '../../protocols/capture/transfer-codec.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import { syntheticPackage } from '../../simulator/captures/synthetic-package.ts';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { BOOTH_ID, CaptureRig } from '../support/capture-rig.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/wait.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

async function setup(receiver: { writeAnsiNist?: boolean } = {}) {
  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const rig = new CaptureRig(broker.url);
  cleanups.push(() => rig.cleanup());
  await rig.startReceiver(broker.url, 60_000, receiver);
  const booth = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  cleanups.push(() => booth.endAsync(true));
  const acks: Ack[] = [];
  booth.on('message', (_topic, payload) => {
    const ack = parseAck(payload);
    if (ack.ok) acks.push(ack.value);
  });
  await booth.subscribeAsync(ackTopic(BOOTH_ID), { qos: 1 });
  const centralPublic = loadPublicKey(join(rig.keys, 'central.pub'), 'central');
  const seal = (boothKeyPem: string, packageId?: string) => {
    const pkg = syntheticPackage({ boothId: BOOTH_ID, now: Date.now(), captures: 1, captureBytes: 50_000 });
    const crypto = createX25519Crypto({ boothPrivateKey: createPrivateKey(boothKeyPem), centralPublicKey: centralPublic });
    const id = packageId ?? pkg.packageId;
    return { packageId: id, bytes: encodeSealed(crypto.seal(id, encodeCapturePackage({ ...pkg, packageId: id, sessionId: id }))) };
  };
  const send = async (packageId: string, chunks: Uint8Array[]) => {
    for (const chunk of chunks) await booth.publishAsync(chunkTopic(BOOTH_ID, packageId), Buffer.from(chunk), { qos: 1 });
  };
  const verdict = (packageId: string) => waitFor(() => acks.some((ack) => ack.packageId === packageId), `a verdict on ${packageId}`).then(() => acks.filter((ack) => ack.packageId === packageId).at(-1)!);
  return { rig, seal, send, verdict, acks, boothKeyPem: readBoothKey(rig) };
}

function readBoothKey(rig: CaptureRig): string {
  return readFileSync(join(rig.keys, 'booth.key'), 'utf8');
}

describe('capture receiver refusals', () => {
  it('accepts a well-formed package, then a replay is acknowledged again but stored once', async () => {
    const { rig, seal, send, verdict, acks, boothKeyPem } = await setup();
    const sealed = seal(boothKeyPem);
    const chunks = splitIntoChunks(sealed.packageId, sealed.bytes, 16_384);
    await send(sealed.packageId, chunks);
    assert.deepEqual(await verdict(sealed.packageId), { packageId: sealed.packageId, status: 'accepted' });
    await send(sealed.packageId, chunks);
    await waitFor(() => acks.filter((ack) => ack.packageId === sealed.packageId).length === 2, 'the second acknowledgement');
    assert.deepEqual(rig.stored(), [sealed.packageId]);
    assert.equal(rig.reports.filter((report) => report.event === 'stored').length, 1);
    assert.equal(rig.reports.filter((report) => report.event === 'duplicate').length, 1);
  });

  it('also writes an accepted package as an ANSI/NIST transaction when asked (--an2)', async () => {
    const { rig, seal, send, verdict, boothKeyPem } = await setup({ writeAnsiNist: true });
    const sealed = seal(boothKeyPem);
    await send(sealed.packageId, splitIntoChunks(sealed.packageId, sealed.bytes, 16_384));
    assert.equal((await verdict(sealed.packageId)).status, 'accepted');
    const transaction = decodeTransaction(readFileSync(join(rig.out, sealed.packageId, 'session.an2')));
    assert.equal(transaction.transactionInformation.get(9)?.[0]?.[0], sealed.packageId, 'TCN is the session id');
    assert.equal(transaction.transactionInformation.get(8)?.[0]?.[0], BOOTH_ID, 'ORI is the booth');
    assert.deepEqual(transaction.records.map((record) => record.type), [2, 10], 'the synthetic package holds one face');
  });

  it('rejects a tampered chunk with its reason and stores nothing', async () => {
    const { rig, seal, send, verdict, boothKeyPem } = await setup();
    const sealed = seal(boothKeyPem);
    const chunks = splitIntoChunks(sealed.packageId, sealed.bytes, 16_384);
    const last = Buffer.from(chunks.at(-1)!);
    last[last.length - 1]! ^= 0xff;
    await send(sealed.packageId, [...chunks.slice(0, -1), last]);
    const ack = await verdict(sealed.packageId);
    assert.equal(ack.status, 'rejected');
    assert.match(ack.reason ?? '', /chunkSha256 .* does not match the data/);
    assert.deepEqual(rig.stored(), []);
  });

  it('rejects a package signed by a key that is not the booth\'s', async () => {
    const { rig, seal, send, verdict } = await setup();
    const sealed = seal(generateBoothKeyPair().privateKey);
    await send(sealed.packageId, splitIntoChunks(sealed.packageId, sealed.bytes));
    const ack = await verdict(sealed.packageId);
    assert.equal(ack.status, 'rejected');
    assert.match(ack.reason ?? '', /^EBADSIG: package is signed by key [0-9a-f]+, the booth public key given is [0-9a-f]+$/);
    assert.deepEqual(rig.stored(), []);
    assert.deepEqual(readdirSync(join(rig.out, '.incoming')), [], 'rejected chunks left behind');
  });

  it('rejects a package id already stored with other content', async () => {
    const { rig, seal, send, verdict, acks, boothKeyPem } = await setup();
    const first = seal(boothKeyPem);
    await send(first.packageId, splitIntoChunks(first.packageId, first.bytes));
    assert.equal((await verdict(first.packageId)).status, 'accepted');
    const impostor = seal(boothKeyPem, first.packageId);
    await send(first.packageId, splitIntoChunks(first.packageId, impostor.bytes));
    await waitFor(() => acks.some((ack) => ack.packageId === first.packageId && ack.status === 'rejected'), 'the rejection');
    assert.match(acks.find((ack) => ack.status === 'rejected')?.reason ?? '', /already stored with different content/);
    assert.equal(rig.reports.filter((report) => report.event === 'stored').length, 1);
  });
});
