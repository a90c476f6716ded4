/**
 * `boothctl session` against a running boothd: the session's state, and an officer's answer to
 * an escalation (a person pressed Help on the kiosk screen) — audited, with the booth free again.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateBoothKeyPair, generateCentralKeyPair, writeKeyPair } from '../../protocols/capture/keys.ts';
import { ALL_SIM_DEVICES_YAML } from '../support/booth-fixture.ts';
import { BoothdSandbox, type BoothdRun } from '../support/boothd-process.ts';
import { boothctl, parseJson } from '../support/boothctl-process.ts';
import { KioskTestClient } from '../support/kiosk-test-client.ts';
import { freePort } from '../support/mosquitto.ts';

describe('boothctl session', async () => {
  const port = await freePort();
  const sandbox = new BoothdSandbox(
    (stateDir) => `
booth: { id: ctl-session, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: ${port} } }
captures: { boothKeyFile: keys/booth.key, centralPublicKeyFile: keys/central.pub }
session: { startOnOccupancy: true }
kiosk: { port: 0 }
devices:${ALL_SIM_DEVICES_YAML}`,
  );
  writeKeyPair(join(sandbox.dir, 'keys'), 'booth', generateBoothKeyPair());
  writeKeyPair(join(sandbox.dir, 'keys'), 'central', generateCentralKeyPair());
  const run: BoothdRun = sandbox.start();
  const withConfig = (...args: string[]) => [...args, '--config', sandbox.configFile];
  after(async () => {
    run.child.kill('SIGTERM');
    await run.exited;
    await sandbox.cleanup();
  });

  it('shows the state, refuses an officer decision without an escalation, and resolves one with the officer id audited', async () => {
    const kioskLine = await run.waitForLine((line) => /^kiosk screen at /.test(line.msg ?? ''), 'the kiosk URL', 30_000);
    const url = String(kioskLine.msg).match(/http:\/\/127\.0\.0\.1:\d+/)![0];
    const idle = parseJson<{ state: string; door: string }>(await boothctl(withConfig('session', '--json')));
    assert.deepEqual([idle.state, idle.door], ['idle', 'released']);

    const nothing = await boothctl(withConfig('session', 'discard', '--officer', 'off-9'));
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /no escalated session \(the booth is idle\)/);
    const noOfficer = await boothctl(withConfig('session', 'discard'));
    assert.equal(noOfficer.code, 64);
    assert.match(noOfficer.stderr, /needs --officer ID/);

    const screen = await KioskTestClient.connect(`${url.replace('http', 'ws')}/kiosk/v1`);
    try {
      await run.control('sim.occupancy', { occupied: true });
      await screen.waitUntil(() => screen.received.some((m) => m.type === 'state' && (m.snapshot as { state: string }).state === 'language'), 'the language screen', 15_000);
      assert.equal((await screen.request({ type: 'action', id: 'h1', action: 'help' })).type, 'ack');
      await screen.waitUntil(() => screen.received.some((m) => m.type === 'state' && (m.snapshot as { state: string }).state === 'escalated'), 'the escalated screen', 15_000);

      const escalated = await boothctl(withConfig('session'));
      assert.equal(escalated.code, 0, escalated.stderr);
      assert.match(escalated.stdout, /^session +escalated$/m);
      assert.match(escalated.stdout, /^reason +the person asked for help$/m);
      assert.match(escalated.stdout, /^door +released$/m);

      const discarded = await boothctl(withConfig('session', 'discard', '--officer', 'off-9'));
      assert.equal(discarded.code, 0, discarded.stderr);
      assert.match(discarded.stdout, /^session \S+: discard by off-9$/m);
      await screen.waitUntil(() => (screen.received.filter((m) => m.type === 'state').at(-1)?.snapshot as { state: string }).state === 'idle', 'the booth idle again', 15_000);
      const officer = sandbox.audit().find((entry) => entry.event === 'session.officer');
      assert.deepEqual([officer?.decision, officer?.officer], ['discard', 'off-9']);
    } finally {
      screen.socket.close();
    }
  });
});
