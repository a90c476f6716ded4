/** The doctor's door cycle never runs while an enrolment session holds the door. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoothAccess } from '../../runtime/boothctl/doctor/booth-access.ts';
import { planChecks } from '../../runtime/boothctl/doctor/checks.ts';

function fakeAccess(sessionState: string | undefined, actions: string[]): BoothAccess {
  return {
    mode: 'daemon',
    devices: async () => [
      { id: 'door', deviceClass: 'door-lock', state: 'ready', ok: true },
      { id: 'sensors', deviceClass: 'sensors', state: 'ready', ok: true },
    ],
    action: async (deviceId, action) => {
      actions.push(`${deviceId}.${action}`);
      if (action === 'read') return { summary: 'read', data: { capabilities: ['occupancy'], occupied: false } };
      if (action === 'lock') return { summary: 'locked', data: { bolt: 'locked', contact: 'closed' } };
      return { summary: 'status', data: { bolt: 'unlocked', contact: 'closed' } };
    },
    brokerUrls: () => [],
    primaryHostOnline: () => undefined,
    sessionState: () => sessionState,
    close: async () => undefined,
  } as BoothAccess;
}

async function doorFinding(sessionState: string | undefined) {
  const actions: string[] = [];
  const checks = await planChecks({
    configFile: 'booth.yaml',
    access: fakeAccess(sessionState, actions),
    captures: false,
    probeBroker: async () => ({ ok: true }) as never,
    readClock: () => ({ synchronized: true }) as never,
    now: () => 0,
  });
  const door = checks.find((check) => check.name === 'door door')!;
  return { finding: await door.run(), actions };
}

describe('doctor door cycle and the session', () => {
  it('skips the cycle while a session runs, touching neither lock nor unlock', async () => {
    const { finding, actions } = await doorFinding('fingerprints');
    assert.equal(finding.verdict, 'skip');
    assert.match(finding.detail, /enrolment session is running \(fingerprints\)/);
    assert.deepEqual(actions, []);
  });

  it('cycles the lock when the booth is idle (or boothd cannot say)', async () => {
    for (const state of ['idle', 'out-of-service', undefined]) {
      const { finding, actions } = await doorFinding(state);
      assert.equal(finding.verdict, 'pass', `state ${String(state)}: ${finding.detail}`);
      assert.ok(actions.includes('door.lock') && actions.includes('door.unlock'));
    }
  });
});
