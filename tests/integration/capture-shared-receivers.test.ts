/**
 * Several central receivers on one MQTT 5 shared subscription (`$share/<group>/…`) meet in one
 * output folder. Whatever each of them gets — a share of the chunks, the whole package again, a
 * repeated last chunk while another one is still unsealing — a package is stored and reported
 * `stored` exactly once; the other receiver reports `duplicate`, nobody rejects it, and every
 * ack the booth gets is `accepted`.
 *
 * Two receivers in one process cannot interleave on their own (each handles a message to the
 * end before the next), so the test makes receiver A hand chunks to receiver B at the point
 * where A is unsealing the package (when it asks for the booth's key): exactly the window in
 * which a receiver in another process would work on the same package.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { encodeSealed } from '../../protocols/capture/crypto-provider.ts';
import { generateBoothKeyPair, generateCentralKeyPair } from '../../protocols/capture/keys.ts';
import { encodeCapturePackage } from '../../protocols/capture/package-codec.ts';
import { ackTopic, chunkTopic, parseAck, splitIntoChunks, type Ack } from '../../protocols/capture/transfer-codec.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import { syntheticPackage } from '../../simulator/captures/synthetic-package.ts';
import { CaptureReceiver, type ReceiverReport } from '../../simulator/central/capture-receiver.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/wait.ts';

const BOOTH_ID = 'share-01';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

async function setup() {
  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const out = mkdtempSync(join(tmpdir(), 'shared-receivers-'));
  cleanups.push(async () => rmSync(out, { recursive: true, force: true }));
  const boothKeys = generateBoothKeyPair();
  const centralKeys = generateCentralKeyPair();
  const boothPublic = createPublicKey(boothKeys.publicKey);
  const reports: Array<ReceiverReport & { receiver: string }> = [];
  /** Runs once, the next time receiver A asks for the booth key: while A unseals a package. */
  let whileAUnseals: (() => void) | undefined;
  const receiver = (name: 'A' | 'B') =>
    new CaptureReceiver({
      brokerUrl: broker.url,
      outDir: out,
      crypto: createX25519Crypto({ centralPrivateKey: createPrivateKey(centralKeys.privateKey) }),
      boothKey: (boothId) => {
        const hook = name === 'A' ? whileAUnseals : undefined;
        if (hook) {
          whileAUnseals = undefined;
          hook();
        }
        return boothId === BOOTH_ID ? boothPublic : undefined;
      },
      shareGroup: 'central',
      protocolVersion: 5,
      resumeAfterMs: 60_000,
      report: (report) => reports.push({ ...report, receiver: name }),
    });
  const a = receiver('A');
  const b = receiver('B');
  for (const one of [a, b]) {
    cleanups.push(() => one.stop());
    await one.start();
  }
  const booth = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
  cleanups.push(() => booth.endAsync(true));
  const acks: Ack[] = [];
  booth.on('message', (_topic, payload) => {
    const ack = parseAck(payload);
    if (ack.ok) acks.push(ack.value);
  });
  await booth.subscribeAsync(ackTopic(BOOTH_ID), { qos: 1 });

  const sealer = createX25519Crypto({ boothPrivateKey: createPrivateKey(boothKeys.privateKey), centralPublicKey: createPublicKey(centralKeys.publicKey) });
  /** A sealed package in chunks of 16 KiB (four or more). */
  const sealedPackage = () => {
    const pkg = syntheticPackage({ boothId: BOOTH_ID, now: Date.now(), captures: 1, captureBytes: 50_000 });
    const chunks = splitIntoChunks(pkg.packageId, encodeSealed(sealer.seal(pkg.packageId, encodeCapturePackage(pkg))), 16_384).map((chunk) => Buffer.from(chunk));
    return { packageId: pkg.packageId, topic: chunkTopic(BOOTH_ID, pkg.packageId), chunks };
  };
  /**
   * Every ack the receivers sent before this call has reached the booth: they are published
   * (and PUBACKed) before the booth's own marker on the same topic, which comes back last.
   */
  const settled = async (): Promise<void> => {
    const marker = `settled-${acks.length}-${Math.random().toString(16).slice(2)}`;
    await booth.publishAsync(ackTopic(BOOTH_ID), JSON.stringify({ packageId: marker, status: 'accepted' }), { qos: 1 });
    await waitFor(() => acks.some((ack) => ack.packageId === marker), 'the booth to see its marker');
  };
  const stored = () => readdirSync(out).filter((name) => !name.startsWith('.'));
  const leftovers = () => readdirSync(join(out, '.incoming'));
  const set = (hook: () => void) => (whileAUnseals = hook);
  return { a, b, booth, out, reports, acks, sealedPackage, settled, stored, leftovers, set };
}

/** Checks the one outcome every case must have, whoever did what. */
function assertStoredOnce(context: Awaited<ReturnType<typeof setup>>, packageId: string, what: string): void {
  const { reports, acks, stored, leftovers } = context;
  const about = reports.filter((report) => report.packageId === packageId);
  assert.deepEqual(about.filter((report) => report.event === 'rejected'), [], `${what}: no rejection`);
  assert.equal(about.filter((report) => report.event === 'stored').length, 1, `${what}: reported stored exactly once (${JSON.stringify(about)})`);
  assert.deepEqual(stored(), [packageId], `${what}: one package folder`);
  const verdicts = acks.filter((ack) => ack.packageId === packageId);
  assert.ok(verdicts.length >= 1, `${what}: acknowledged`);
  assert.ok(verdicts.every((ack) => ack.status === 'accepted'), `${what}: every ack accepted (${JSON.stringify(verdicts)})`);
  assert.deepEqual(leftovers(), [], `${what}: nothing left in .incoming`);
}

describe('receivers sharing a subscription and an output folder', () => {
  it('the whole package again at the other receiver while the first unseals it: stored once, the other says duplicate', async () => {
    const context = await setup();
    const { a, b, reports, sealedPackage, settled, set } = context;
    const pkg = sealedPackage();
    const atB: Array<Promise<void>> = [];
    // The booth re-sent the package (its ack timed out); the shared subscription gave it to B.
    set(() => {
      for (const chunk of pkg.chunks) atB.push(b.onChunk(pkg.topic, chunk));
    });
    for (const chunk of pkg.chunks) await a.onChunk(pkg.topic, chunk);
    await Promise.all(atB);
    await settled();
    assertStoredOnce(context, pkg.packageId, 'whole package at both');
    const events = reports.filter((report) => report.packageId === pkg.packageId).map((report) => report.event);
    assert.deepEqual(events.sort(), ['duplicate', 'stored']);
  });

  it('the last chunk again at the other receiver while the first unseals: stored once; a later repeat is a duplicate', async () => {
    const context = await setup();
    const { a, b, reports, sealedPackage, settled, set } = context;
    const pkg = sealedPackage();
    const last = pkg.chunks.at(-1)!;
    const atB: Array<Promise<void>> = [];
    set(() => atB.push(b.onChunk(pkg.topic, last)));
    for (const chunk of pkg.chunks) await a.onChunk(pkg.topic, chunk);
    await Promise.all(atB);
    await b.onChunk(pkg.topic, last); // and once more, after it was stored
    await settled();
    assertStoredOnce(context, pkg.packageId, 'last chunk at both');
    const about = reports.filter((report) => report.packageId === pkg.packageId);
    assert.equal(about.find((report) => report.event === 'stored')?.receiver, 'A');
    assert.deepEqual(about.filter((report) => report.event === 'duplicate').map((report) => report.receiver), ['B']);
  });

  it('chunks split between the receivers by the broker: stored once, accepted', async () => {
    const context = await setup();
    const { booth, reports, acks, sealedPackage } = context;
    const pkg = sealedPackage();
    for (const chunk of pkg.chunks) await booth.publishAsync(pkg.topic, chunk, { qos: 1 });
    await waitFor(() => acks.some((ack) => ack.packageId === pkg.packageId), 'the verdict', 10_000);
    await waitFor(() => reports.some((report) => report.packageId === pkg.packageId && report.event === 'stored'), 'the stored report');
    await context.settled();
    assertStoredOnce(context, pkg.packageId, 'split by the broker');
  });
});
