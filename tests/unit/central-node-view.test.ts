/** What the simulated central side makes of one edge node's births and deaths (NodeView). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import type { SparkplugPayload } from '../../protocols/sparkplug/payload.ts';
import { NodeView } from '../../simulator/central/node-view.ts';

const nbirth = (bdSeq: number): SparkplugPayload => ({ timestamp: 1, seq: 0, metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: BigInt(bdSeq) }] });
const ndeath = (bdSeq?: number): SparkplugPayload => ({ timestamp: 2, metrics: bdSeq === undefined ? [] : [{ name: 'bdSeq', datatype: DataType.Int64, value: BigInt(bdSeq) }] });
const dbirth = (seq: number): SparkplugPayload => ({ timestamp: 1, seq, metrics: [{ name: 'Door/Locked', datatype: DataType.Boolean, value: false }] });

describe('node view', () => {
  it('an NDEATH counts only with the bdSeq of the current NBIRTH; a stale one is reported and ignored', () => {
    const view = new NodeView('g/n');
    view.apply('NBIRTH', undefined, nbirth(1));
    view.apply('NBIRTH', undefined, nbirth(2)); // born again on a new connection
    view.apply('DBIRTH', 'door', dbirth(1));
    assert.equal(view.bdSeq, 2n);

    const stale = view.apply('NDEATH', undefined, ndeath(1));
    assert.match(stale.text, /stale NDEATH \(bdSeq 1\) ignored; the current session is bdSeq 2/);
    assert.equal(view.online, true);
    assert.equal(view.devices.get('door')?.online, true);
    view.apply('NDEATH', undefined, ndeath()); // no bdSeq at all: cannot be this session's
    assert.equal(view.online, true);

    assert.equal(view.apply('NDEATH', undefined, ndeath(2)).text, 'g/n DEAD (bdSeq 2)');
    assert.equal(view.online, false);
    assert.equal(view.devices.get('door')?.online, false);
  });
});
