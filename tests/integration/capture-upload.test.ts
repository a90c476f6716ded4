/**
 * Captures from a real boothd to the central receiver over a real mosquitto: encrypted, signed,
 * chunked, acknowledged, erased — through broker and receiver outages, and against tampering.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, it } from 'node:test';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { CaptureRig } from '../support/capture-rig.ts';
import { ROOT } from '../support/boothd-process.ts';
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

describe('several central receivers', () => {
  it('share the load through a shared subscription and still store every package exactly once', async () => {
    const { broker, rig } = await setup();
    const boothKeys = join(rig.box.dir, 'booth-keys');
    mkdirSync(boothKeys);
    copyFileSync(join(rig.keys, 'booth.pub'), join(boothKeys, 'cap-01.pub'));
    const events: Array<{ event: string; packageId?: string; receiver: number }> = [];
    for (const receiver of [1, 2]) {
      const child = spawn(
        join(ROOT, 'bin', 'booth-central'),
        ['--out', rig.out, '--broker', broker.url, '--central-key', join(rig.keys, 'central.key'), '--booth-keys', boothKeys, '--share', 'central', '--resume-after-ms', '2000'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      cleanups.push(async () => {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      });
      createInterface({ input: child.stdout }).on('line', (line) => events.push({ ...(JSON.parse(line) as { event: string; packageId?: string }), receiver }));
    }
    await waitFor(() => events.filter((event) => event.event === 'ready').length === 2, 'both receivers ready');
    const run = await rig.box.startRunning();
    const accepted: AcceptedPackage[] = [];
    for (let i = 0; i < 6; i += 1) accepted.push(await rig.submit(run, 2, 400_000));
    await waitFor(() => accepted.every((pkg) => rig.isStored(pkg.packageId)), 'all packages stored', 60_000);
    await waitFor(async () => (await outboxDepth(run)) === 0, 'the outbox to drain', 20_000);
    assert.deepEqual(rig.stored().sort(), accepted.map((pkg) => pkg.packageId).sort());
    for (const pkg of accepted) {
      assert.deepEqual(rig.manifest(pkg.packageId).captures.map((c) => c.sha256), pkg.captures.map((c) => c.sha256));
    }
    const stored = events.filter((event) => event.event === 'stored');
    assert.equal(new Set(stored.map((event) => event.packageId)).size, accepted.length);
    assert.ok(new Set(events.filter((e) => e.event === 'stored' || e.event === 'duplicate').map((e) => e.receiver)).size >= 1);
  });
});
