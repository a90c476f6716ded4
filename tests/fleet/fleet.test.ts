/**
 * A small fleet against a real mosquitto: 20 booths (real EdgeNodes with their own SessionStore
 * files, real outboxes and uploaders) in two booth processes, one primary host, two capture
 * receivers on one MQTT 5 shared subscription. Every booth is born and reports, every accepted
 * package is stored at central exactly once (one folder, both receivers taking part), and when
 * the run is over no process it started is alive and its temporary folders are gone.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FLEET_DEFAULTS } from '../../runtime/rig/fleet/fleet-options.ts';
import { formatReport, type FleetReport } from '../../runtime/rig/fleet/fleet-report.ts';
import { runFleet } from '../../runtime/rig/fleet/fleet-runner.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';

const BOOTHS = 20;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('fleet simulator: 20 booths on a real mosquitto', { timeout: 90_000 }, () => {
  let broker: Mosquitto;
  let central: string;
  let report: FleetReport;
  const lines: string[] = [];

  before(async () => {
    broker = await startMosquitto();
    central = mkdtempSync(join(tmpdir(), 'fleet-test-central-'));
    report = await runFleet({
      ...FLEET_DEFAULTS,
      booths: BOOTHS,
      processes: 2,
      brokers: [broker.url],
      brokerPids: [broker.pid],
      durationSeconds: 10,
      telemetrySeconds: 2,
      // A session every ~6 s per booth, with packages of three 128 KiB chunks: the two receivers
      // each get chunks of the same package and must meet in the central folder.
      capturesPerHour: 600,
      sessionSeconds: 0.5,
      captureBytes: 300_000,
      rampPerSecond: 50,
      drainSeconds: 30,
      centralOut: central,
      log: (line) => lines.push(line),
    });
  });

  after(async () => {
    await broker?.stop();
    if (central) rmSync(central, { recursive: true, force: true });
  });

  it('has every booth born, seen online by the primary host, and reporting on time', () => {
    const context = `\n${formatReport(report)}\n${lines.join('\n')}`;
    assert.equal(report.sparkplug.online, BOOTHS, context);
    assert.equal(report.sparkplug.onlineAtEnd, BOOTHS, context);
    assert.ok(report.sparkplug.births >= BOOTHS, context);
    assert.equal(report.sparkplug.deathsInWindow, 0, context);
    assert.equal(report.telemetry.boothsHeard, BOOTHS, context);
    // Bounds for a shared test machine (a slow fsync holds up every booth of a process): the
    // fleet's own verdict is stricter (bench/RESULTS.md).
    assert.ok(report.telemetry.deliveredRatio >= 0.9, context);
    assert.ok(report.telemetry.maxGapS <= 2 * 2, context);
    assert.ok(report.telemetry.lagMs.p99 < 1000, context);
  });

  it('stores every accepted package exactly once, with both receivers taking part', () => {
    const context = `\n${formatReport(report)}`;
    const { captures } = report;
    assert.ok(captures.accepted >= 10, `only ${captures.accepted} packages in the run${context}`);
    assert.equal(captures.lost, 0, context);
    assert.equal(captures.unknownStored, 0, context);
    assert.equal(captures.storedDistinct, captures.accepted, context);
    const folders = readdirSync(central).filter((name) => !name.startsWith('.'));
    assert.equal(folders.length, captures.accepted, 'one folder per accepted package');
    for (const folder of folders) {
      const manifest = JSON.parse(readFileSync(join(central, folder, 'manifest.json'), 'utf8')) as { packageId: string; boothId: string; captures: unknown[] };
      assert.equal(manifest.packageId, folder);
      assert.match(manifest.boothId, /^booth-\d{5}$/);
      assert.equal(manifest.captures.length, FLEET_DEFAULTS.capturesPerPackage);
    }
    assert.equal(captures.storedByReceiver.length, 2);
    for (const stored of captures.storedByReceiver) assert.ok(stored > 0, `a receiver stored nothing: ${captures.storedByReceiver.join(' + ')}${context}`);
    assert.equal(captures.refused, 0, context);
    // Every booth heard central's acknowledgement and erased its package; the receivers sharing
    // the chunks of one package never both stored it, nor rejected what the other completed.
    assert.equal(captures.roundTripMs.count, captures.accepted, context);
    assert.equal(captures.storedReportedTwice, 0, context);
    assert.equal(captures.storedReports, captures.accepted, context);
    assert.equal(captures.rejected, 0, context);
  });

  it('leaves no process and no temporary folder behind', () => {
    assert.equal(report.run.childPids.length, 2 + 2 + 1);
    for (const pid of report.run.childPids) assert.equal(alive(pid), false, `process ${pid} still alive`);
    for (const dir of report.run.tempDirs) assert.equal(existsSync(dir), false, `${dir} still there`);
    assert.ok(existsSync(central), 'the central folder the caller gave is kept');
  });
});
