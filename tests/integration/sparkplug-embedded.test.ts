/**
 * The zero-setup path `make run` uses: boothd with no broker URL starts its embedded broker;
 * the simulated central primary host announces itself, follows the booth and commands it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { PrimaryHost } from '../../simulator/central/primary-host.ts';
import type { Rendered } from '../../simulator/central/node-view.ts';
import { BoothdSandbox } from '../support/boothd-process.ts';
import { commandKeyPair, writeCommandPublicKey } from '../support/signed-commands.ts';
import { waitFor } from '../support/wait.ts';

// The host signs its commands with the central command key the booth trusts.
const keyDir = mkdtempSync(join(tmpdir(), 'embedded-keys-'));
const commandKeys = commandKeyPair();
const commandKeyFile = writeCommandPublicKey(keyDir, commandKeys);
after(() => rmSync(keyDir, { recursive: true, force: true }));

const yaml = (stateDir: string) => `
booth: { id: emb-01, group: embedded }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 }, primaryHost: central-test }
commands: { centralPublicKeyFile: ${commandKeyFile} }
devices:
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 5 } }
  - { id: lights, compatible: "sim,lighting" }
`;

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

describe('embedded broker and the central primary host', () => {
  it('boothd serves Sparkplug on its own broker; the host sees births, commands the door, and sees the death', async () => {
    const box = new BoothdSandbox(yaml);
    cleanups.push(() => box.cleanup());
    const run = box.start();
    const running = await run.waitForLine((line) => line.msg?.startsWith('boothd running'), 'boothd running');
    const brokerUrl = String(running.broker);
    assert.match(brokerUrl, /^mqtt:\/\/127\.0\.0\.1:\d+$/);

    const lines: Array<Rendered & { topic: string }> = [];
    const host = new PrimaryHost({ hostId: 'central-test', brokerUrl, report: (line) => lines.push(line), commandKey: commandKeys.privateKey });
    cleanups.push(() => host.stop());
    await host.start();
    await waitFor(() => lines.some((line) => line.text === 'embedded/emb-01/lights born (SimLight DMX-4), 15 metrics'), 'births seen by the host');
    const view = host.nodes.get('embedded/emb-01');
    assert.equal(view?.online, true);
    assert.deepEqual([...view!.devices.keys()].sort(), ['door', 'lights']);

    await host.command('embedded', 'emb-01', 'door', [{ name: 'Door/Locked', datatype: DataType.Boolean, value: true }]);
    await waitFor(() => lines.some((line) => line.text.includes('emb-01/door: Door/Locked=true')), 'Door/Locked=true at the host');
    assert.equal(box.physicalBolt(), 'locked');
    assert.equal(view?.devices.get('door')?.metrics.get('Door/Locked'), true);

    run.child.kill('SIGTERM');
    await waitFor(() => lines.some((line) => line.text === 'embedded/emb-01 DEAD (bdSeq 0)'), 'NDEATH at the host');
    assert.equal((await run.exited).code, 0);
    assert.equal(box.physicalBolt(), 'unlocked');
    assert.equal(view?.online, false);
  });
});
