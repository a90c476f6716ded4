/**
 * Crash torture: capture packages are submitted (by booth-rig load, which logs each package only
 * once boothd confirmed it durable) while boothd is killed with SIGKILL at random moments,
 * TORTURE_KILLS times (200 by default). Afterwards every logged package must be at the central
 * receiver exactly once, byte-identical after decryption.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { mulberry32 } from '../../simulator/imaging/random.ts';
import { ROOT } from '../support/boothd-process.ts';
import { CaptureRig } from '../support/capture-rig.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/wait.ts';

const KILLS = Number(process.env.TORTURE_KILLS ?? 200);

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

describe('capture crash torture', () => {
  it(`every package confirmed durable arrives exactly once through ${KILLS} SIGKILLs of boothd`, { timeout: 900_000 }, async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const rig = new CaptureRig(broker.url, { ackTimeoutSeconds: 2 });
    cleanups.push(() => rig.cleanup());
    await rig.startReceiver(broker.url, 500);
    const acceptedLog = join(rig.box.dir, 'accepted.log');
    const random = mulberry32(20261127);

    for (let kill = 0; kill < KILLS; kill += 1) {
      const run = await rig.box.startRunning();
      // The loader keeps submitting until boothd dies under it; its failures after the kill are expected.
      // A few packages per run: enough to be mid-upload at the kill, few enough to drain in CI time.
      const loader = spawn(join(ROOT, 'bin', 'booth-rig'), ['load', '--captures', '3', '--size', String(20_000 + Math.floor(random() * 200_000)), '--per-package', '2', '--accepted-log', acceptedLog, '--state-dir', rig.box.stateDir], { stdio: 'ignore' });
      const loaderDone = new Promise((resolve) => loader.on('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 30 + Math.floor(random() * 250)));
      run.child.kill('SIGKILL');
      await run.exited;
      loader.kill('SIGKILL');
      await loaderDone;
    }

    const accepted = existsSync(acceptedLog)
      ? readFileSync(acceptedLog, 'utf8').split('\n').filter((line) => line !== '').map((line) => {
          const [packageId, ...hashes] = line.split(' ');
          return { packageId: packageId!, hashes };
        })
      : [];
    assert.ok(accepted.length >= KILLS / 2, `only ${accepted.length} packages accepted across ${KILLS} runs: the torture did not exercise uploads`);

    const final = await rig.box.startRunning();
    await waitFor(
      () => accepted.every((pkg) => rig.isStored(pkg.packageId)),
      `all ${accepted.length} accepted packages stored (missing: ${accepted.filter((pkg) => !rig.isStored(pkg.packageId)).length})`,
      300_000,
      100,
    ).catch(async (error: Error) => {
      const missing = accepted.filter((pkg) => !rig.isStored(pkg.packageId)).length;
      const outbox = await final.control('outbox.status');
      const uploads = final.lines.filter((line) => line.component === 'uploads').slice(-10).map((line) => line.msg);
      const central = rig.reports.slice(-10).map((report) => `${report.event} ${report.packageId} ${report.detail}`);
      throw new Error(`${error.message}; still missing ${missing} of ${accepted.length}; outbox: ${JSON.stringify(outbox.result)}; uploads: ${uploads.join(' | ')}; central: ${central.join(' | ')}`);
    });
    await waitFor(async () => ((await final.control('outbox.status')).result as { depth: number }).depth === 0, 'the outbox to drain', 120_000, 100);
    for (const pkg of accepted) {
      assert.deepEqual(rig.manifest(pkg.packageId).captures.map((capture) => capture.sha256), pkg.hashes, `package ${pkg.packageId} differs`);
    }
    const storedEvents = rig.reports.filter((report) => report.event === 'stored').map((report) => report.packageId);
    assert.equal(new Set(storedEvents).size, storedEvents.length, 'a package was stored twice');
    // Packages durable in the outbox but killed before boothd answered may arrive too; nothing else may.
    const acceptedIds = new Set(accepted.map((pkg) => pkg.packageId));
    const extra = rig.stored().filter((id) => !acceptedIds.has(id));
    assert.ok(extra.length <= KILLS, `${extra.length} unexpected packages at the receiver`);
  });
});
