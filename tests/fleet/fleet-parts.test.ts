/**
 * The fleet simulator's pure parts: argument parsing of `booth-rig fleet`, the open-file check's
 * message when the limit cannot be raised, the capture ledger's exactly-once bookkeeping, and
 * the judgement of a failover from the births the primary host saw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFleetArgs } from '../../runtime/rig/fleet-command.ts';
import { CaptureLedger } from '../../runtime/rig/fleet/capture-ledger.ts';
import { ensureOpenFileLimit, FileLimitError, openFileLimit } from '../../runtime/rig/fleet/file-limit.ts';
import { boothBrokers, failoverFigures, failoverProblems, type BrokerKill } from '../../runtime/rig/fleet/failover.ts';
import { processesFor } from '../../runtime/rig/fleet/fleet-options.ts';

const log = () => undefined;

describe('booth-rig fleet arguments', () => {
  it('takes the documented options with defaults for the rest', () => {
    const options = parseFleetArgs(['--booths', '1000', '--broker', 'mqtt://127.0.0.1:1883', '--captures-per-hour', '7.5', '--receivers', '3', '--state-dir', '/dev/shm'], log);
    assert.ok(typeof options !== 'string', String(options));
    assert.equal(options.booths, 1000);
    assert.deepEqual(options.brokers, ['mqtt://127.0.0.1:1883']);
    assert.deepEqual(options.kills, []);
    assert.equal(options.mqttVersion, 5);
    assert.equal(options.receivers, 3);
    assert.equal(options.telemetrySeconds, 10);
    assert.equal(options.stateDir, '/dev/shm');
    assert.equal(processesFor(options), 2);
  });

  it('refuses what it cannot use, saying which option', () => {
    assert.match(String(parseFleetArgs(['--booths', '10'], log)), /--broker/);
    assert.match(String(parseFleetArgs(['--booths', 'many', '--broker', 'mqtt://x'], log)), /--booths must be a number/);
    assert.match(String(parseFleetArgs(['--booths', '2.5', '--broker', 'mqtt://x'], log)), /--booths must be a whole number/);
    assert.match(String(parseFleetArgs(['--booths', '2', '--broker', 'mqtt://x', '--bogus', '1'], log)), /bogus/);
    assert.match(String(parseFleetArgs(['--booths', '2', '--broker', 'mqtt://x', '--mqtt-version', '3'], log)), /--mqtt-version must be 4/);
  });

  it('takes a cluster: several brokers with their pids, and kills named by position inside the window', () => {
    const cluster = ['--booths', '300', '--broker', 'mqtt://127.0.0.1:1', '--broker', 'mqtt://127.0.0.1:2', '--broker', 'mqtt://127.0.0.1:3'];
    const pids = ['--broker-pid', '101', '--broker-pid', '102', '--broker-pid', '103'];
    const options = parseFleetArgs([...cluster, ...pids, '--kill-broker', '2@20', '--mqtt-version', '4', '--duration', '60'], log);
    assert.ok(typeof options !== 'string', String(options));
    assert.equal(options.brokers.length, 3);
    assert.deepEqual(options.brokerPids, [101, 102, 103]);
    assert.deepEqual(options.kills, [{ broker: 1, atSecond: 20 }]);
    assert.equal(options.mqttVersion, 4);
    assert.match(String(parseFleetArgs([...cluster, ...pids, '--kill-broker', '1@20'], log)), /N must be 2…3, a position in the --broker list \(--broker 1 carries central\)/);
    assert.match(String(parseFleetArgs([...cluster, ...pids, '--kill-broker', '4@20'], log)), /N must be 2…3/);
    assert.match(String(parseFleetArgs([...cluster, '--broker-pid', '101', '--kill-broker', '3@20'], log)), /--broker 3 has no --broker-pid/);
    assert.match(String(parseFleetArgs([...cluster, ...pids, '--kill-broker', 'soon'], log)), /N@SECONDS/);
    assert.match(String(parseFleetArgs([...cluster, ...pids, '--kill-broker', '2@200', '--duration', '60'], log)), /not inside the 60 s window/);
    assert.match(String(parseFleetArgs([...cluster, '--broker-pid', 'x'], log)), /--broker-pid must be a process id/);
  });
});

describe('open-file limit', () => {
  it('fails at once with the numbers and what to do when the limit cannot be raised', () => {
    const { soft } = openFileLimit(process.pid);
    assert.throws(
      () => ensureOpenFileLimit(soft + 1_000_000, '9999 booths in one process', () => {
        throw new Error('Operation not permitted');
      }),
      (error: unknown) => error instanceof FileLimitError && /needs about \d+ open files/.test(error.message) && /ulimit -n/.test(error.message) && /--processes/.test(error.message),
    );
  });

  it('does nothing when the limit is enough', () => {
    assert.doesNotThrow(() => ensureOpenFileLimit(16, 'a small fleet', () => assert.fail('must not raise')));
  });
});

describe('capture ledger', () => {
  it('counts what the receivers stored against what the booths accepted', () => {
    const ledger = new CaptureLedger();
    ledger.receiverEvent(1, 'stored', 'p2', 150, ''); // may come before its 'accepted'
    ledger.accepted('b1', 'p1', 100, 5, 1000);
    ledger.accepted('b2', 'p2', 110, 5, 1000);
    ledger.accepted('b2', 'p3', 120, 5, 1000);
    ledger.receiverEvent(0, 'stored', 'p1', 130, '');
    ledger.receiverEvent(0, 'stored', 'p1', 131, ''); // a second receiver completing the same package
    ledger.delivered('p1', 140);
    ledger.delivered('p2', 160);
    assert.deepEqual(ledger.onDisk(new Set(['p1', 'p2', 'stray'])), { stored: 2, lost: 1, unknown: 1 });
    const figures = ledger.figures(0, 1000);
    assert.equal(figures.storedTwice, 1);
    assert.equal(figures.latencyMs.count, 2);
    assert.deepEqual(ledger.storedBy, [2, 1]);
    assert.equal(ledger.undelivered, 1);
    assert.equal(ledger.depthAt(125), 3);
    assert.equal(ledger.depthAt(150), 2);
    assert.equal(ledger.maxDepth(0, 1000), 3);
  });
});

describe('failover judgement', () => {
  const brokers = ['mqtt://a', 'mqtt://b', 'mqtt://c'];
  const ids = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5'];
  const kill: BrokerKill = { broker: 'mqtt://b', pid: 7, at: 10_000, boothsOnIt: 2 };

  it('spreads the booths over the brokers, each keeping every broker as failover', () => {
    assert.deepEqual(boothBrokers(brokers, 0), ['mqtt://a', 'mqtt://b', 'mqtt://c']);
    assert.deepEqual(boothBrokers(brokers, 4), ['mqtt://b', 'mqtt://c', 'mqtt://a']);
    assert.deepEqual(boothBrokers(brokers, 5), ['mqtt://c', 'mqtt://a', 'mqtt://b']);
  });

  it('passes when each booth of the killed broker is born again with a higher bdSeq and the others are not', () => {
    const births = {
      b0: [[1000, '0']], b1: [[1000, '0'], [11_200, '1']], b2: [[1000, '0']],
      b3: [[1000, '0']], b4: [[1000, '3'], [12_500, '4']], b5: [[1000, '0']],
    } as const;
    const [figures] = failoverFigures([kill], births, { 'mqtt://a': 3, 'mqtt://c': 3 }, ids, brokers, 0);
    assert.deepEqual({ ...figures, rebirthMs: undefined }, {
      broker: 'mqtt://b', atS: 10, boothsOnIt: 2, boothsExpectedOnIt: 2, reborn: 2, rebornWithHigherBdSeq: 2, firstBornAfter: 0,
      rebornElsewhere: 0, rebirthMs: undefined, onItAtEnd: 0, notReborn: [],
    });
    assert.deepEqual([figures!.rebirthMs.p50, figures!.rebirthMs.max], [1200, 2500]);
    assert.deepEqual(failoverProblems([figures!]), []);
  });

  it('names what went wrong: a booth not born again, a bdSeq not raised, a bystander reborn, a booth left on the dead broker', () => {
    const births = {
      b0: [[1000, '0'], [11_000, '1']], b1: [[1000, '5'], [11_200, '5']], b2: [[1000, '0']],
      b3: [[1000, '0']], b4: [[1000, '3']], b5: [[1000, '0']],
    } as const;
    const [figures] = failoverFigures([kill], births, { 'mqtt://b': 1 }, ids, brokers, 0);
    assert.deepEqual(figures!.notReborn, ['b4']);
    const problems = failoverProblems([figures!]).join('\n');
    assert.match(problems, /1 of its 2 booths not born again \(b4\)/);
    const late = failoverFigures([kill], { ...births, b4: [[10_500, '0']] }, {}, ids, brokers, 0)[0]!;
    assert.deepEqual([late.reborn, late.firstBornAfter], [1, 1], 'a booth first born after the kill is not a re-birth');
    assert.match(failoverProblems([late]).join('\n'), /1 of its 2 booths had not been born before the kill/);
    assert.match(problems, /1 booths born again without a higher bdSeq/);
    assert.match(problems, /1 booths of other brokers born again/);
    assert.match(problems, /1 booths still online on it at the end/);
  });
});
