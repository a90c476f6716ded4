/**
 * The fleet on a 3-node clustered broker (RabbitMQ 3.10 from Debian with its MQTT plugin; why
 * not NATS: tests/integration/broker-failover-nats.test.ts) with one node killed by PID in the
 * middle of the measurement window: every booth that was on it is born again on a surviving
 * node with a higher bdSeq, the booths of the other nodes keep their sessions, none is left on
 * the dead node, every booth is online at the end, and every accepted capture package is stored
 * at central exactly once. The booths are the fleet simulator's (real EdgeNodes, outboxes and
 * uploaders, each with the three nodes as its failover list, starting on node i mod 3); the
 * primary host and the single capture receiver sit on the first node (RabbitMQ 3.10 has neither
 * MQTT 5 nor `$share`), and the host's STATE is announced on every node (retained messages are
 * per node there).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FLEET_DEFAULTS } from '../../runtime/rig/fleet/fleet-options.ts';
import { formatReport, type FleetReport } from '../../runtime/rig/fleet/fleet-report.ts';
import { runFleet } from '../../runtime/rig/fleet/fleet-runner.ts';
import { startRabbitMqCluster, type BrokerCluster } from '../support/rabbitmq-cluster.ts';

const BOOTHS = 60;
const WINDOW_SECONDS = 30;
const KILL_AT_SECOND = 10;

describe('fleet on a 3-node RabbitMQ cluster losing a node', { timeout: 300_000 }, () => {
  let cluster: BrokerCluster | undefined;
  let central: string;
  let report: FleetReport;
  const lines: string[] = [];

  before(async () => {
    cluster = await startRabbitMqCluster({ readyLimitMs: 60_000 });
    central = mkdtempSync(join(tmpdir(), 'fleet-cluster-central-'));
    report = await runFleet({
      ...FLEET_DEFAULTS,
      booths: BOOTHS,
      processes: 2,
      brokers: cluster.nodes.map((node) => node.url),
      brokerPids: cluster.nodes.map((node) => node.pid),
      mqttVersion: 4,
      receivers: 1,
      kills: [{ broker: 1, atSecond: KILL_AT_SECOND }],
      durationSeconds: WINDOW_SECONDS,
      telemetrySeconds: 2,
      // A package every ~6 s per booth: some of the killed node's booths are mid-upload when it dies.
      capturesPerHour: 600,
      sessionSeconds: 0.5,
      captureBytes: 200_000,
      rampPerSecond: 30,
      drainSeconds: 60,
      centralOut: central,
      log: (line) => lines.push(line),
    });
  });

  after(async () => {
    await cluster?.stop();
    if (central) rmSync(central, { recursive: true, force: true });
  });

  it('has every booth of the killed node born again with a higher bdSeq on a surviving node, and no other', () => {
    const context = `\n${formatReport(report)}\n${lines.join('\n')}`;
    assert.equal(cluster!.nodes[1]!.alive(), false, 'node 2 was killed');
    const [kill] = report.failover ?? [];
    assert.ok(kill, `no failover figures${context}`);
    assert.equal(kill.broker, cluster!.nodes[1]!.url);
    assert.equal(kill.boothsExpectedOnIt, BOOTHS / 3);
    assert.equal(kill.boothsOnIt, BOOTHS / 3, `every booth starts on node (its number mod 3)${context}`);
    assert.equal(kill.reborn, kill.boothsExpectedOnIt, context);
    assert.equal(kill.rebornWithHigherBdSeq, kill.reborn, context);
    assert.equal(kill.rebornElsewhere, 0, `the booths of nodes 1 and 3 keep their sessions${context}`);
    assert.equal(kill.onItAtEnd, 0, context);
    assert.equal(report.sparkplug.onlineAtEnd, BOOTHS, context);
    assert.equal(report.telemetry.boothsHeard, BOOTHS, context);
    assert.ok(report.sustained, context);
    console.log(`# cluster ready in ${cluster!.readyMs} ms\n${formatReport(report).replace(/^/gm, '# ')}`);
  });

  it('stores every accepted package exactly once, byte for byte as the booth sealed it', () => {
    const context = `\n${formatReport(report)}\n${lines.join('\n')}`;
    const { captures } = report;
    assert.ok(captures.accepted >= 100, `only ${captures.accepted} packages in the run${context}`);
    assert.equal(captures.lost, 0, context);
    assert.equal(captures.unknownStored, 0, context);
    assert.equal(captures.storedDistinct, captures.accepted, context);
    assert.equal(captures.storedReportedTwice, 0, context);
    assert.equal(captures.refused, 0, context);
    assert.equal(captures.roundTripMs.count, captures.accepted, `every booth heard central's ack and erased${context}`);
    const folders = readdirSync(central).filter((name) => !name.startsWith('.'));
    assert.equal(folders.length, captures.accepted);
    for (const folder of folders) {
      const manifest = JSON.parse(readFileSync(join(central, folder, 'manifest.json'), 'utf8')) as { packageId: string; captures: unknown[] };
      assert.equal(manifest.packageId, folder);
      assert.equal(manifest.captures.length, FLEET_DEFAULTS.capturesPerPackage);
    }
  });

  it('leaves no process and no temporary folder behind', () => {
    for (const pid of report.run.childPids) {
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `process ${pid} still alive`);
    }
    for (const dir of report.run.tempDirs) assert.equal(existsSync(dir), false, `${dir} still there`);
  });
});
