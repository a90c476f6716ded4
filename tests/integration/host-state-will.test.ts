/**
 * The primary host's STATE Will carries the timestamp of the online STATE of the same
 * connection (Sparkplug 3.0), on the first connection and after every reconnect: an edge node
 * drops a STATE older than the last one it saw, so a Will stamped before the online STATE would
 * leave the booths believing a crashed host is still online. A real mosquitto; the host's
 * connection is cut without a DISCONNECT, so the broker delivers the Will.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { parseHostState } from '../../protocols/sparkplug/host-state.ts';
import { stateTopic } from '../../protocols/sparkplug/topics.ts';
import { HostStateAnnouncer } from '../../simulator/central/host-state-announcer.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/wait.ts';

const HOST = 'central-will';

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

describe('primary host STATE and its Will', () => {
  it('stamps the Will with the online STATE of its connection, again after a reconnect', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const observer = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.push(() => observer.endAsync(true));
    const states: Array<{ online: boolean; timestamp: number }> = [];
    observer.on('message', (_topic, payload) => {
      const state = parseHostState(payload);
      if (state.ok) states.push({ online: state.online, timestamp: state.timestamp });
    });
    await observer.subscribeAsync(stateTopic(HOST), { qos: 1 });

    const host = new HostStateAnnouncer({ hostId: HOST, brokerUrl: broker.url, clientId: `host.${HOST}` });
    cleanups.push(() => host.stop({ announceOffline: false }));
    await host.start();
    await waitFor(() => states.some((state) => state.online), 'the first online STATE', 5000);
    const cutAndReadWill = async (seen: number) => {
      host.client!.stream.destroy(); // a crash as the broker sees it: no DISCONNECT, so the Will goes out
      await waitFor(() => states.length > seen && !states.at(-1)!.online, 'the Will (offline STATE)', 5000);
      return states.at(-1)!;
    };

    const firstOnline = states.at(-1)!;
    const firstWill = await cutAndReadWill(states.length);
    assert.equal(firstWill.timestamp, firstOnline.timestamp, 'the Will is older than the online STATE: booths would ignore it');

    await waitFor(() => states.at(-1)!.online, 'online again after the reconnect', 5000);
    const secondOnline = states.at(-1)!;
    assert.ok(secondOnline.timestamp > firstOnline.timestamp, 'a new connection, a new timestamp');
    const secondWill = await cutAndReadWill(states.length);
    assert.equal(secondWill.timestamp, secondOnline.timestamp, 'the Will after a reconnect still carries the first connection\'s stamp');
  });
});
