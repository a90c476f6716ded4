/** Store-and-forward replay keeps going (and keeps the data) when the store fails, e.g. on a full disk. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodePayload } from '../../protocols/sparkplug/payload.ts';
import { Replay } from '../../protocols/sparkplug/replay.ts';
import type { SessionStore, StoredMessage } from '../../protocols/sparkplug/session-store.ts';
import { FakeClock } from '../support/fake-clock.ts';

function storeWith(messages: StoredMessage[], failures: { remove: number }): SessionStore {
  return {
    peek: (limit: number) => messages.slice(0, limit),
    remove: (id: number) => {
      if (failures.remove > 0) {
        failures.remove -= 1;
        throw new Error('database or disk is full');
      }
      messages.splice(messages.findIndex((message) => message.id === id), 1);
    },
  } as unknown as SessionStore;
}

describe('store-and-forward replay', () => {
  it('a store that cannot remove (disk full) pauses the replay instead of crashing, then resends and finishes', async () => {
    const clock = new FakeClock();
    const payload = encodePayload({ timestamp: 1, metrics: [{ name: 'Node/Uptime s', datatype: DataType.UInt64, value: 5n, timestamp: 1 }] });
    const messages: StoredMessage[] = [{ id: 1, payload, storedAt: 1 }];
    const failures = { remove: 1 };
    const sent: string[] = [];
    const warnings: string[] = [];
    const replay = new Replay(storeWith(messages, failures), clock, 50, {
      born: () => true,
      deviceOnline: () => true,
      send: (type) => sent.push(type),
      warn: (_object, message) => warnings.push(message),
    });
    replay.start();
    await clock.advance(0);
    assert.deepEqual(sent, ['NDATA'], 'sent once');
    assert.equal(messages.length, 1, 'kept: not removed from the store');
    assert.match(warnings[0] ?? '', /store-and-forward replay paused: database or disk is full; retrying in 5 s/);

    await clock.advance(4999);
    assert.deepEqual(sent, ['NDATA'], 'nothing before the retry delay');
    await clock.advance(1);
    assert.deepEqual(sent, ['NDATA', 'NDATA'], 'sent again (a duplicate, never a loss)');
    assert.equal(messages.length, 0, 'removed once the store works again');
  });
});
