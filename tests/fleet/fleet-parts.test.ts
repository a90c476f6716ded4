/**
 * The fleet simulator's pure parts: argument parsing of `booth-rig fleet`, the open-file check's
 * message when the limit cannot be raised, and the capture ledger's exactly-once bookkeeping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFleetArgs } from '../../runtime/rig/fleet-command.ts';
import { CaptureLedger } from '../../runtime/rig/fleet/capture-ledger.ts';
import { ensureOpenFileLimit, FileLimitError, openFileLimit } from '../../runtime/rig/fleet/file-limit.ts';
import { processesFor } from '../../runtime/rig/fleet/fleet-options.ts';

const log = () => undefined;

describe('booth-rig fleet arguments', () => {
  it('takes the documented options with defaults for the rest', () => {
    const options = parseFleetArgs(['--booths', '1000', '--broker', 'mqtt://127.0.0.1:1883', '--captures-per-hour', '7.5', '--receivers', '3', '--state-dir', '/dev/shm'], log);
    assert.ok(typeof options !== 'string', String(options));
    assert.equal(options.booths, 1000);
    assert.equal(options.brokerUrl, 'mqtt://127.0.0.1:1883');
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
