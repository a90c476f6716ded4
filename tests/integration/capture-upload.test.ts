/**
 * Captures from a real boothd to the central receiver over a real mosquitto: encrypted, signed,
 * chunked, acknowledged, erased — through broker and receiver outages, and against tampering.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { CaptureRig } from '../support/capture-rig.ts';
import { waitFor } from '../support/wait.ts';
import type { AcceptedPackage } from '../../runtime/captures/capture-pipeline.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

async function setup(options: { ackTimeoutSeconds?: number } = {}) {
  const broker: Mosquitto = await startMosquitto();
  cleanups.push(() => broker.stop());
  const rig = new CaptureRig(broker.url, options);
  cleanups.push(() => rig.cleanup());
  return { broker, rig };
}

const outboxDepth = async (run: Awaited<ReturnType<CaptureRig['box']['startRunning']>>) =>
  ((await run.control('outbox.status')).result as { depth: number }).depth;

describe('capture upload', () => {
  it('delivers every accepted package once, byte-identical after decryption, and erases it from the outbox', async () => {
    const { broker, rig } = await setup();
    await rig.startReceiver(broker.url);
    const run = await rig.box.startRunning();
    const accepted: AcceptedPackage[] = [];
    for (let i = 0; i < 4; i += 1) accepted.push(await rig.submit(run, 3, 150_000));
    await waitFor(() => accepted.every((pkg) => rig.isStored(pkg.packageId)), 'all packages stored', 20_000);
    for (const pkg of accepted) {
      assert.deepEqual(rig.manifest(pkg.packageId).captures.map((c) => [c.captureId, c.sha256]), pkg.captures.map((c) => [c.captureId, c.sha256]));
    }
    await waitFor(async () => (await outboxDepth(run)) === 0, 'the outbox to drain', 10_000);
    assert.deepEqual(rig.stored().sort(), accepted.map((pkg) => pkg.packageId).sort());
    assert.equal(rig.reports.filter((r) => r.event === 'stored').length, 4);
  });

  it('keeps packages while the receiver is down, and delivers them when it is back', async () => {
    const { broker, rig } = await setup({ ackTimeoutSeconds: 1 });
    const run = await rig.box.startRunning();
    const first = await rig.submit(run);
    const second = await rig.submit(run);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await outboxDepth(run), 2, 'a package left the outbox without a central acknowledgement');
    await rig.startReceiver(broker.url);
    await waitFor(() => rig.isStored(first.packageId) && rig.isStored(second.packageId), 'both packages stored', 30_000);
    await waitFor(async () => (await outboxDepth(run)) === 0, 'the outbox to drain', 10_000);
  });

  it('survives the broker going down mid-upload and being paused (SIGSTOP)', async () => {
    const { broker, rig } = await setup({ ackTimeoutSeconds: 2 });
    await rig.startReceiver(broker.url);
    const run = await rig.box.startRunning();
    const accepted = [await rig.submit(run, 4, 500_000)];
    await broker.down();
    accepted.push(await rig.submit(run, 2, 300_000)); // accepted while the broker is away
    await new Promise((resolve) => setTimeout(resolve, 500));
    await broker.up();
    broker.pause();
    accepted.push(await rig.submit(run, 2, 300_000));
    await new Promise((resolve) => setTimeout(resolve, 800));
    broker.resume();
    await waitFor(() => accepted.every((pkg) => rig.isStored(pkg.packageId)), 'every package stored', 60_000);
    await waitFor(async () => (await outboxDepth(run)) === 0, 'the outbox to drain', 20_000);
    assert.equal(rig.stored().length, accepted.length, 'a package was stored twice or an extra one appeared');
  });
});
