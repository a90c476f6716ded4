/**
 * Signed commands end to end: a whole in-process booth (fake clock) on its embedded MQTT broker,
 * commands published by a separate MQTT client — signed by scripts/sign-command.ts or the test
 * signer, or not signed at all. Each outcome is proved on the simulated bolt, in the audit log,
 * on the wire (`Command/Last Result`) and in `Commands/Rejected`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import type { SignableCommand } from '../../protocols/sparkplug/command-signature.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodePayload, type SparkplugMetric } from '../../protocols/sparkplug/payload.ts';
import type { AuditEntry } from '../../runtime/audit/audit-log.ts';
import { runSignCommand } from '../../scripts/sign-command.ts';
import type { SimDoorLock } from '../../simulator/devices/sim-door-lock.ts';
import type { Lighting } from '../../hal/index.ts';
import { boothFixture, type BoothFixture } from '../support/booth-fixture.ts';
import { SparkplugObserver } from '../support/sparkplug-observer.ts';
import { commandKeyPair, CommandSigner, writeCommandPrivateKey, writeCommandPublicKey } from '../support/signed-commands.ts';

const GROUP = 'tests';
const NODE = 'fixture-01';
const LOCK: SignableCommand = { name: 'Door/Locked', datatype: DataType.Boolean, value: true };
const UNLOCK: SignableCommand = { name: 'Door/Locked', datatype: DataType.Boolean, value: false };

const keyDir = mkdtempSync(join(tmpdir(), 'command-keys-'));
const keys = commandKeyPair();
const publicKeyFile = writeCommandPublicKey(keyDir, keys);
const privateKeyFile = writeCommandPrivateKey(keyDir, keys);
after(() => rmSync(keyDir, { recursive: true, force: true }));

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

interface Running {
  f: BoothFixture;
  observer: SparkplugObserver;
  signer: CommandSigner;
  send(device: string | undefined, metrics: SparkplugMetric[] | Uint8Array): Promise<void>;
  until(condition: () => boolean, what: string): Promise<void>;
  /** Waits for the next audit record of `event` after the first `from` records. */
  audited(event: string, from: number, what: string): Promise<AuditEntry>;
  bolt(): string;
}

/** Starts a booth that trusts `keys` (or no key at all) and waits until it is born. */
async function running(options: { key?: boolean; stateDir?: string } = {}): Promise<Running> {
  const f = boothFixture({
    maxLockSeconds: 600,
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    extraYaml: options.key === false ? '' : `commands: { centralPublicKeyFile: ${publicKeyFile}, clockSkewSeconds: 5 }`,
  });
  cleanups.push(() => f.cleanup());
  // Fake time moves only while the test waits, about as fast as real time, so a command's
  // 30-second window cannot run out behind the test's back.
  const until = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await f.clock.advance(2);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  await f.clock.drive(f.booth.start());
  await until(() => f.booth.sparkplug.node.state === 'online', 'the edge node online');
  const observer = await SparkplugObserver.connect(f.booth.brokerUrl!);
  cleanups.push(() => observer.close());
  const signer = new CommandSigner({ privateKey: keys.privateKey, group: GROUP, node: NODE, now: () => f.clock.now() });
  return {
    f,
    observer,
    signer,
    until,
    send: (device, metrics) =>
      observer.publish(
        device === undefined ? `spBv1.0/${GROUP}/NCMD/${NODE}` : `spBv1.0/${GROUP}/DCMD/${NODE}/${device}`,
        metrics instanceof Uint8Array ? metrics : encodePayload({ timestamp: f.clock.now(), metrics }),
      ),
    audited: async (event, from, what) => {
      let found: AuditEntry | undefined;
      await until(() => (found = f.audit().slice(from).find((entry) => entry.event === event)) !== undefined, what);
      return found!;
    },
    bolt: () => f.sim<SimDoorLock>('door').physicalBolt,
  };
}

/** Signs with the operators' tool, publishing through the broker as the central side would. */
async function signWithTool(r: Running, target: string, args: string[], id: string): Promise<void> {
  const err: string[] = [];
  const code = await runSignCommand(
    ['--key', privateKeyFile, '--target', target, '--broker', r.f.booth.brokerUrl!, '--issued-at', String(r.f.clock.now()), '--id', id, ...args],
    { stdout: () => undefined, stderr: (line) => err.push(line) },
  );
  assert.equal(code, 0, err.join('\n'));
}

describe('signed commands through the broker', () => {
  it('a signed lock runs; its replay, an unsigned, an expired and a mistargeted lock are refused and audited; an unsigned unlock releases', async () => {
    const r = await running();
    const lastResultAlias = r.f.booth.sparkplug.model.device('door')!.get('Command/Last Result')!.alias;
    const id = '3f2c1b7e-9d4a-4c1e-8b2f-0a1b2c3d4e5f';

    let mark = r.f.audit().length;
    await signWithTool(r, `${GROUP}/${NODE}/door`, ['Door/Locked=true'], id);
    const executed = await r.audited('command.executed', mark, 'the signed lock');
    assert.deepEqual([executed.metric, executed.value, executed.commandId], ['Door/Locked', 'true', id]);
    await r.until(() => r.bolt() === 'locked', 'the bolt locked');

    mark = r.f.audit().length;
    await r.send('door', [UNLOCK]);
    const unlocked = await r.audited('command.executed', mark, 'the unsigned unlock');
    assert.deepEqual([unlocked.value, unlocked.commandId], ['false', undefined]);
    await r.until(() => r.bolt() === 'unlocked', 'the bolt released by an unsigned unlock');

    const refusals: Array<[string, () => Promise<void>, string]> = [
      ['replayed', () => signWithTool(r, `${GROUP}/${NODE}/door`, ['Door/Locked=true'], id), id],
      ['unsigned', () => r.send('door', [LOCK]), ''],
      ['expired', () => r.send('door', r.signer.metrics('door', [LOCK], { issuedAt: r.f.clock.now() - 120_000, notAfter: r.f.clock.now() - 90_000 })), 'signer'],
      ['wrong-target', () => r.send('door', new CommandSigner({ privateKey: keys.privateKey, group: GROUP, node: 'fixture-02', now: () => r.f.clock.now() }).metrics('door', [LOCK])), ''],
      ['not-yet-valid', () => r.send('door', r.signer.metrics('door', [LOCK], { issuedAt: r.f.clock.now() + 20_000 })), 'signer'],
    ];
    for (const [reason, send, expectedId] of refusals) {
      mark = r.f.audit().length;
      const wireMark = r.observer.mark();
      await send();
      const record = await r.audited('command.rejected', mark, `the ${reason} lock refused`);
      assert.equal(record.reason, reason, String(record.detail));
      assert.equal(record.target, 'door');
      assert.equal(record.commands, 'Door/Locked=true');
      if (expectedId) assert.equal(record.commandId, expectedId === 'signer' ? r.signer.last!.id : expectedId);
      // DATA leaves after the batching window, which runs on the fake clock: wait with `until`.
      await r.until(
        () =>
          r.observer.messages
            .slice(wireMark)
            .some((m) => m.type === 'DDATA' && m.device === 'door' && (m.payload?.metrics.some((x) => x.alias === lastResultAlias && x.string_value?.startsWith(`rejected (${reason})`)) ?? false)),
        `Command/Last Result "rejected (${reason})" on the wire`,
      );
      assert.equal(r.bolt(), 'unlocked', `a ${reason} lock moved the bolt`);
    }
    assert.equal(r.f.booth.sparkplug.node.counters.rejected, refusals.length);
    assert.equal(r.f.booth.sparkplug.node.counters.executed, 2);
  });

  it('an unlock batched with unsigned state-changing commands still releases; the rest is refused; an unsigned Reboot is refused on the node', async () => {
    const r = await running();
    let mark = r.f.audit().length;
    await r.send('door', r.signer.metrics('door', [LOCK]));
    await r.audited('command.executed', mark, 'the signed lock');
    await r.until(() => r.bolt() === 'locked', 'the bolt locked');

    mark = r.f.audit().length;
    await r.send('door', [UNLOCK, { name: 'Device/Reset', datatype: DataType.Boolean, value: true }]);
    const refused = await r.audited('command.rejected', mark, 'the mixed batch refused');
    assert.equal(refused.reason, 'unsigned');
    await r.until(() => r.bolt() === 'unlocked', 'the unlock of a refused batch carried out');
    const events = r.f.audit().slice(mark).map((entry) => `${entry.event}:${String(entry.metric ?? entry.reason)}`);
    assert.deepEqual(events.filter((event) => event.startsWith('command.')), ['command.executed:Door/Locked', 'command.rejected:unsigned'], 'the device was reset, or the unlock not audited');

    const lightsMark = r.f.audit().length;
    const scenes: string[] = [];
    r.f.sim<Lighting>('lights').on('scene', (name) => scenes.push(name));
    await r.send('lights', [{ name: 'Light/Scene', datatype: DataType.String, value: 'portrait' }]);
    assert.equal((await r.audited('command.rejected', lightsMark, 'the unsigned scene refused')).reason, 'unsigned');
    await r.f.clock.advance(200);
    assert.equal(scenes.join(), '', 'an unsigned scene changed the lights');
    await r.send('lights', r.signer.metrics('lights', [{ name: 'Light/Scene', datatype: DataType.String, value: 'portrait' }]));
    await r.until(() => scenes.includes('portrait'), 'the signed scene applied');

    let restarts = 0;
    r.f.booth.on('restart-requested', () => (restarts += 1));
    const nodeResult = () => r.f.booth.sparkplug.model.node.get('Command/Last Result')!.value;
    mark = r.f.audit().length;
    await r.send(undefined, [{ name: 'Node Control/Reboot', datatype: DataType.Boolean, value: true }]);
    const reboot = await r.audited('command.rejected', mark, 'the unsigned Reboot refused');
    assert.deepEqual([reboot.target, reboot.reason], ['node', 'unsigned']);
    assert.match(String(nodeResult()), /^rejected \(unsigned\)/);
    assert.equal(restarts, 0, 'an unsigned Reboot restarted boothd');

    // Rebirth stays unsigned: Sparkplug hosts send it bare whenever they lose track of a node.
    const births = r.observer.mark();
    await r.send(undefined, [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }]);
    await r.until(() => r.observer.messages.slice(births).some((m) => m.type === 'NBIRTH'), 'NBIRTH after an unsigned rebirth');

    mark = r.f.audit().length;
    await r.send(undefined, r.signer.metrics(undefined, [{ name: 'Node Control/Reboot', datatype: DataType.Boolean, value: true }]));
    const signedReboot = await r.audited('command.executed', mark, 'the signed Reboot');
    assert.equal(signedReboot.commandId, r.signer.last!.id);
    await r.until(() => restarts === 1, 'the restart request');
  });

  it('a boothd restart within the window cannot replay an accepted command', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'booth-'));
    const first = await running({ stateDir });
    const lock = first.signer.payload('door', [LOCK]);
    const id = first.signer.last!.id;
    const mark = first.f.audit().length;
    await first.send('door', lock);
    await first.audited('command.executed', mark, 'the signed lock');
    await first.until(() => first.bolt() === 'locked', 'the bolt locked');
    await first.observer.close();
    await first.f.clock.drive(first.f.booth.shutdown('restart'));
    cleanups = []; // the second booth cleans the shared state dir up

    const second = await running({ stateDir });
    assert.equal(second.bolt(), 'unlocked', 'released at start-up');
    const again = second.f.audit().length;
    await second.send('door', lock);
    const refused = await second.audited('command.rejected', again, 'the replay after the restart');
    assert.deepEqual([refused.reason, refused.commandId], ['replayed', id]);
    assert.equal(second.bolt(), 'unlocked');
  });

  it('without a command key every state-changing command is refused (no-key); unlock still works', async () => {
    const r = await running({ key: false });
    assert.ok(r.f.lines.some((line) => /no commands\.centralPublicKeyFile in the manifest/.test(line.msg)), 'no start-up warning');
    let mark = r.f.audit().length;
    await r.send('door', r.signer.metrics('door', [LOCK]));
    const refused = await r.audited('command.rejected', mark, 'the signed lock refused');
    assert.equal(refused.reason, 'no-key');
    assert.match(String(refused.detail), /manifest names no commands\.centralPublicKeyFile/);
    assert.equal(r.bolt(), 'unlocked');
    mark = r.f.audit().length;
    await r.send('door', [UNLOCK]);
    assert.equal((await r.audited('command.executed', mark, 'the unlock')).value, 'false');
  });
});
