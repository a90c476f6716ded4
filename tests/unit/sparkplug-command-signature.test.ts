/**
 * Signed commands: the canonical bytes as docs/sparkplug.md defines them, the verifier's every
 * rejection, the authority's choice of which commands need a signature, and replay protection
 * that survives a restart of the store. Commands go through the real payload encoder and
 * decoder, as they do on the wire.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CommandAuthority, requiresSignature, type ReplayLedger } from '../../protocols/sparkplug/command-authority.ts';
import { decodeCommand, type CommandBatch } from '../../protocols/sparkplug/command-decoder.ts';
import {
  canonicalBytes,
  ENVELOPE,
  signCommand,
  signedCommandMetrics,
  verifyCommand,
  type CommandEnvelope,
  type SignableCommand,
  type Verification,
} from '../../protocols/sparkplug/command-signature.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { EdgeModel } from '../../protocols/sparkplug/metric-model.ts';
import { encodePayload, type SparkplugMetric } from '../../protocols/sparkplug/payload.ts';
import { SessionStore } from '../../protocols/sparkplug/session-store.ts';
import { loadPublicKey } from '../../protocols/capture/keys.ts';
import { Booth } from '../../runtime/booth.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';
import { runGenerateKeys } from '../../scripts/generate-keys.ts';
import { runSignCommand } from '../../scripts/sign-command.ts';
import { memoryLogger } from '../support/memory-logger.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { commandKeyPair, CommandSigner, writeCommandPrivateKey } from '../support/signed-commands.ts';

const GROUP = 'mmc';
const NODE = 'booth-07';
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const keys = commandKeyPair();
const otherKeys = commandKeyPair();

const model = new EdgeModel();
const door = model.defineDevice('door');
door.define('Door/Locked', DataType.Boolean, false, 1, { writable: true });
door.define('Device/Reset', DataType.Boolean, false, 1, { writable: true });
const lights = model.defineDevice('lights');
lights.define('Light/Scene', DataType.String, '', 1, { writable: true });
lights.define('Light/key', DataType.Double, 0, 1, { writable: true });
lights.define('Device/Reset', DataType.Boolean, false, 1, { writable: true });
const camera = model.defineDevice('camera');
camera.define('Capture/Self Test', DataType.Boolean, false, 1, { writable: true });

const LOCK: SignableCommand = { name: 'Door/Locked', datatype: DataType.Boolean, value: true };
const UNLOCK: SignableCommand = { name: 'Door/Locked', datatype: DataType.Boolean, value: false };
const REBOOT: SignableCommand = { name: 'Node Control/Reboot', datatype: DataType.Boolean, value: true };
const REBIRTH: SignableCommand = { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true };

const signer = new CommandSigner({ privateKey: keys.privateKey, group: GROUP, node: NODE, now: () => T0 });

/** Encodes, decodes as boothd does, and returns the batch. */
function decode(device: string | undefined, metrics: SparkplugMetric[]): CommandBatch {
  const decoded = decodeCommand(device === undefined ? 'NCMD' : 'DCMD', device, encodePayload({ timestamp: T0, metrics }), model, 65_536);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
  return decoded.batch;
}

function check(device: string | undefined, metrics: SparkplugMetric[], options: { now?: number; skewMs?: number; seen?: (id: string) => boolean; key?: 'none' } = {}): Verification {
  const batch = decode(device, metrics);
  return verifyCommand({
    envelope: batch.envelope ?? [],
    commands: batch.commands,
    expectedTarget: device === undefined ? `${GROUP}/${NODE}` : `${GROUP}/${NODE}/${device}`,
    now: options.now ?? T0 + 1000,
    skewMs: options.skewMs ?? 5000,
    publicKey: options.key === 'none' ? undefined : keys.publicKey,
    seen: options.seen ?? (() => false),
  });
}

function rejected(result: Verification, reason: string, detail?: RegExp): void {
  assert.equal(result.ok, false, `expected a rejection (${reason})`);
  if (result.ok) return;
  assert.equal(result.reason, reason, result.detail);
  if (detail) assert.match(result.detail, detail);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('canonical bytes', () => {
  it('are exactly what docs/sparkplug.md specifies', () => {
    const envelope: CommandEnvelope = { target: 'g/n/door', id: '00000000-0000-4000-8000-000000000001', issuedAt: 1000, notAfter: 31_000 };
    const expected = Buffer.concat([
      Buffer.from('booth-runtime/sparkplug-command/v1\u0000', 'ascii'),
      Buffer.from('00000008', 'hex'), Buffer.from('g/n/door'),
      Buffer.from('00000024', 'hex'), Buffer.from(envelope.id),
      Buffer.from('00000000000003e8', 'hex'),
      Buffer.from('0000000000007918', 'hex'),
      Buffer.from('00000001', 'hex'),
      Buffer.from('0000000b', 'hex'), Buffer.from('Door/Locked'), Buffer.from([DataType.Boolean]), Buffer.from('0000000101', 'hex'),
    ]);
    assert.equal(hex(canonicalBytes(envelope, [LOCK])), expected.toString('hex'));
  });

  it('encode each datatype at a fixed width, strings as UTF-8, NaN canonically', () => {
    const valueOf = (command: SignableCommand) => {
      const bytes = canonicalBytes({ target: 'g/n', id: '00000000-0000-4000-8000-000000000001', issuedAt: 0, notAfter: 1 }, [command]);
      const nameLength = Buffer.from(bytes).readUInt32BE(35 + 4 + 3 + 4 + 36 + 16 + 4);
      return hex(bytes.subarray(35 + 4 + 3 + 4 + 36 + 16 + 4 + 4 + nameLength + 1));
    };
    assert.equal(valueOf({ name: 'x', datatype: DataType.Double, value: 42.5 }), '00000008' + '4045400000000000');
    assert.equal(valueOf({ name: 'x', datatype: DataType.Double, value: Number.NaN }), '00000008' + '7ff8000000000000');
    assert.equal(valueOf({ name: 'x', datatype: DataType.Float, value: 1 }), '00000004' + '3f800000');
    assert.equal(valueOf({ name: 'x', datatype: DataType.Int8, value: -1 }), '00000008' + 'ffffffffffffffff');
    assert.equal(valueOf({ name: 'x', datatype: DataType.UInt64, value: 2n ** 64n - 1n }), '00000008' + 'ffffffffffffffff');
    assert.equal(valueOf({ name: 'x', datatype: DataType.DateTime, value: 1000 }), '00000008' + '00000000000003e8');
    assert.equal(valueOf({ name: 'x', datatype: DataType.String, value: 'Свет' }), '00000008' + Buffer.from('Свет').toString('hex'));
    assert.equal(valueOf({ name: 'x', datatype: DataType.Bytes, value: Uint8Array.of(1, 2) }), '00000002' + '0102');
    assert.throws(() => canonicalBytes({ target: 'g/n', id: 'x', issuedAt: 0, notAfter: 1 }, [{ name: 'x', datatype: DataType.Int8, value: 300 }]), /Int8 needs a value in -128\.\.127, got 300/);
    assert.throws(() => canonicalBytes({ target: 'g/n', id: 'x', issuedAt: 0, notAfter: 1 }, [{ name: 'x', datatype: DataType.Boolean, value: 'yes' }]), /Boolean needs a boolean, got "yes"/);
  });

  it('the production signer refuses an envelope the booth would refuse, naming what is wrong', () => {
    const good = { id: '00000000-0000-4000-8000-000000000001', target: 'g/n/door', issuedAt: T0, notAfter: T0 + 30_000 };
    assert.equal(signCommand(keys.privateKey, good, [LOCK]).length, 64);
    assert.throws(() => signCommand(keys.privateKey, { ...good, notAfter: T0 + 60_001 }, [LOCK]), /at most 60000 ms after issuedAt/);
    assert.throws(() => signCommand(keys.privateKey, { ...good, id: 'NOT-A-UUID' }, [LOCK]), /command id must be a lowercase UUID/);
    assert.throws(() => signCommand(keys.privateKey, { ...good, target: 'g' }, [LOCK]), /target must be "group\/node" or "group\/node\/device"/);
    assert.throws(() => signCommand(keys.privateKey, { ...good, notAfter: T0 }, [LOCK]), /notAfter must be later than issuedAt/);
  });
});

describe('verifyCommand', () => {
  it('accepts a good signature, also when the host sends the command by alias without a datatype', () => {
    const result = check('door', signer.metrics('door', [LOCK]));
    assert.equal(result.ok, true, result.ok ? '' : result.detail);
    assert.equal(result.ok && result.envelope.id, signer.last!.id);
    const signed = signer.metrics('lights', [{ name: 'Light/key', datatype: DataType.Double, value: 40 }]);
    const byAlias = [{ alias: lights.get('Light/key')!.alias, datatype: DataType.Double, value: 40, omitDatatype: true }, ...signed.slice(1)];
    assert.equal(check('lights', byAlias).ok, true, 'signed over the full name and BIRTH datatype, not the wire form');
  });

  it('rejects an unsigned command, and an envelope without a signature', () => {
    rejected(check('door', [LOCK]), 'unsigned', /needs a signature; no Command\/Signature$/);
    const withoutSignature = signer.metrics('door', [LOCK]).filter((metric) => metric.name !== ENVELOPE.signature);
    rejected(check('door', withoutSignature), 'unsigned', /carries only Command\/Id, Command\/Issued At, Command\/Not After, Command\/Target/);
  });

  it('rejects a signature by another key', () => {
    rejected(check('door', signer.metrics('door', [LOCK], {}, otherKeys.privateKey)), 'bad-signature', /does not verify with the central command key/);
  });

  it('rejects a value, name, order or envelope field altered after signing', () => {
    const base = () => signer.metrics('lights', [{ name: 'Light/Scene', datatype: DataType.String, value: 'idle' }, { name: 'Light/key', datatype: DataType.Double, value: 10 }]);
    const alter = (change: (metrics: SparkplugMetric[]) => void) => {
      const metrics = base();
      change(metrics);
      return check('lights', metrics);
    };
    rejected(alter((m) => void (m[1]!.value = 90)), 'bad-signature');
    rejected(alter((m) => void (m[0]!.value = 'off')), 'bad-signature');
    rejected(alter((m) => m.splice(0, 2, m[1]!, m[0]!)), 'bad-signature');
    rejected(alter((m) => m.splice(1, 1)), 'bad-signature');
    rejected(alter((m) => m.unshift({ name: 'Light/key', datatype: DataType.Double, value: 0 })), 'bad-signature');
    const field = (m: SparkplugMetric[], name: string) => m.find((metric) => metric.name === name)!;
    rejected(alter((m) => void (field(m, ENVELOPE.notAfter).value = T0 + 59_000)), 'bad-signature');
    rejected(alter((m) => void (field(m, ENVELOPE.issuedAt).value = T0 + 1)), 'bad-signature');
    rejected(alter((m) => void (field(m, ENVELOPE.id).value = '11111111-2222-4333-8444-555555555555')), 'bad-signature');
    rejected(alter((m) => void (field(m, ENVELOPE.target).value = `${GROUP}/${NODE}/door`)), 'bad-signature');
    rejected(alter((m) => void ((field(m, ENVELOPE.signature).value as Uint8Array)[10]! ^= 1)), 'bad-signature');
  });

  it('rejects a command signed for another booth or another device', () => {
    const otherBooth = new CommandSigner({ privateKey: keys.privateKey, group: GROUP, node: 'booth-08', now: () => T0 });
    rejected(check('door', otherBooth.metrics('door', [LOCK])), 'wrong-target', /signed for "mmc\/booth-08\/door", received as "mmc\/booth-07\/door"/);
    rejected(check('lights', signer.metrics('door', [{ name: 'Device/Reset', datatype: DataType.Boolean, value: true }])), 'wrong-target');
    rejected(check(undefined, signer.metrics('door', [REBOOT])), 'wrong-target', /received as "mmc\/booth-07"$/);
  });

  it('rejects a window longer than 60 s, a command not yet valid, and an expired one; the skew is allowed both ways', () => {
    rejected(check('door', signer.metrics('door', [LOCK], { notAfter: T0 + 60_001 })), 'validity-too-long', /valid for 60001 ms, more than the 60000 ms allowed/);
    assert.equal(check('door', signer.metrics('door', [LOCK], { notAfter: T0 + 60_000 })).ok, true);
    const metrics = signer.metrics('door', [LOCK]); // valid T0 .. T0 + 30 s
    rejected(check('door', metrics, { now: T0 - 5001, skewMs: 5000 }), 'not-yet-valid', /issued 5001 ms in the future \(clock skew allowed: 5000 ms\)/);
    assert.equal(check('door', metrics, { now: T0 - 5000, skewMs: 5000 }).ok, true);
    assert.equal(check('door', metrics, { now: T0 + 35_000, skewMs: 5000 }).ok, true);
    rejected(check('door', metrics, { now: T0 + 35_001, skewMs: 5000 }), 'expired', /expired 5001 ms ago/);
    rejected(check('door', metrics, { now: T0 + 31_000, skewMs: 0 }), 'expired');
  });

  it('rejects an id already accepted', () => {
    const metrics = signer.metrics('door', [LOCK]);
    const id = signer.last!.id;
    rejected(check('door', metrics, { seen: (seen) => seen === id }), 'replayed', new RegExp(`command ${id} was already accepted`));
  });

  it('refuses every signed command when no central key is configured', () => {
    rejected(check('door', signer.metrics('door', [LOCK]), { key: 'none' }), 'no-key', /manifest names no commands\.centralPublicKeyFile/);
  });

  it('names what is wrong with a malformed envelope', () => {
    const edit = (change: (metrics: SparkplugMetric[]) => SparkplugMetric[]) => check('door', change(signer.metrics('door', [LOCK])));
    const replace = (name: string, metric: Partial<SparkplugMetric>) => (m: SparkplugMetric[]) => m.map((x) => (x.name === name ? ({ name, ...metric } as SparkplugMetric) : x));
    rejected(edit((m) => m.filter((x) => x.name !== ENVELOPE.target)), 'malformed', /signed command lacks Command\/Target/);
    rejected(edit((m) => [...m, m.find((x) => x.name === ENVELOPE.id)!]), 'malformed', /Command\/Id appears more than once/);
    rejected(edit(replace(ENVELOPE.id, { datatype: DataType.String, value: signer.last!.id.toUpperCase() })), 'malformed', /Command\/Id must be a lowercase UUID/);
    rejected(edit(replace(ENVELOPE.issuedAt, { datatype: DataType.String, value: 'now' })), 'malformed', /Command\/Issued At must be DateTime, not String/);
    rejected(edit(replace(ENVELOPE.signature, { datatype: DataType.Bytes, value: new Uint8Array(63) })), 'malformed', /Command\/Signature must be 64 bytes \(Ed25519\), got 63 bytes/);
    rejected(edit(replace(ENVELOPE.target, { datatype: DataType.String, value: 'just-one-part' })), 'malformed', /Command\/Target must be "group\/node" or "group\/node\/device"/);
    rejected(edit(replace(ENVELOPE.notAfter, { datatype: DataType.DateTime, value: T0 })), 'malformed', /Command\/Not After must be later than Command\/Issued At/);
    rejected(edit(replace(ENVELOPE.target, { datatype: DataType.String, isNull: true })), 'malformed', /Command\/Target has no value/);
    // A well-formed id is reported with the rejection, for the audit record.
    const result = edit((m) => m.filter((x) => x.name !== ENVELOPE.target));
    assert.equal(!result.ok && result.id, undefined, 'the id of an incomplete envelope is not trusted');
    const late = check('door', signer.metrics('door', [LOCK]), { now: T0 + 100_000 });
    assert.equal(!late.ok && late.id, signer.last!.id);
  });
});

describe('command authority', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const tempStore = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmd-ledger-'));
    dirs.push(dir);
    return join(dir, 'sparkplug.db');
  };
  const authority = (ledger: ReplayLedger, clock: FakeClock, options: { key?: boolean; node?: string } = {}) =>
    new CommandAuthority({ group: GROUP, node: options.node ?? NODE, publicKey: options.key === false ? undefined : keys.publicKey, skewMs: 5000, clock, ledger });
  const openStore = (file: string) => new SessionStore(file, { maxBytes: 1 << 20, maxAgeMs: 3600_000 });

  it('lets unlock and rebirth run unsigned (also without a key); everything else needs a signature', () => {
    const clock = new FakeClock(T0);
    const store = openStore(':memory:');
    const unsignedAuthority = authority(store, clock, { key: false });
    assert.deepEqual(unsignedAuthority.authorize(decode('door', [UNLOCK])), { ok: true });
    assert.deepEqual(unsignedAuthority.authorize(decode(undefined, [REBIRTH])), { ok: true });
    const needs = (device: string | undefined, commands: SignableCommand[]) => requiresSignature(decode(device, commands));
    assert.equal(needs('door', [UNLOCK]), false);
    assert.equal(needs(undefined, [REBIRTH]), false);
    assert.equal(needs('door', [LOCK]), true);
    assert.equal(needs('door', [UNLOCK, LOCK]), true);
    assert.equal(needs('door', [{ name: 'Device/Reset', datatype: DataType.Boolean, value: true }]), true);
    assert.equal(needs(undefined, [REBOOT]), true);
    assert.equal(needs(undefined, [REBIRTH, REBOOT]), true);
    assert.equal(needs('lights', [{ name: 'Light/Scene', datatype: DataType.String, value: 'off' }]), true);
    assert.equal(needs('camera', [{ name: 'Capture/Self Test', datatype: DataType.Boolean, value: true }]), true);
    const refused = authority(store, clock).authorize(decode('door', [LOCK]));
    assert.equal(refused.ok === false && refused.reason, 'unsigned');
    store.close();
  });

  it('accepts a signed command once; its replay is refused, also after the store is reopened (boothd restarted)', () => {
    const file = tempStore();
    const clock = new FakeClock(T0 + 1000);
    let store = openStore(file);
    const batch = decode('door', signer.metrics('door', [LOCK]));
    const first = authority(store, clock).authorize(batch);
    assert.equal(first.ok, true);
    const again = authority(store, clock).authorize(batch);
    assert.equal(again.ok === false && again.reason, 'replayed');
    store.close();
    store = openStore(file);
    const afterRestart = authority(store, clock).authorize(batch);
    assert.equal(afterRestart.ok === false && afterRestart.reason, 'replayed', 'a restart forgot the accepted id');
    // Another booth's ledger knows nothing of it, yet refuses it: it is not its target.
    const elsewhere = authority(openStore(':memory:'), clock, { node: 'booth-08' }).authorize(batch);
    assert.equal(elsewhere.ok === false && elsewhere.reason, 'wrong-target');
    store.close();
  });

  it('forgets ids once their window (+ skew) has closed; the command is then refused as expired', async () => {
    const clock = new FakeClock(T0 + 1000);
    const store = openStore(':memory:');
    const batch = decode('door', signer.metrics('door', [LOCK])); // notAfter T0 + 30 s, kept until T0 + 35 s
    assert.equal(authority(store, clock).authorize(batch).ok, true);
    assert.equal(store.hasCommand(signer.last!.id, T0 + 35_000), true);
    assert.equal(store.hasCommand(signer.last!.id, T0 + 35_001), false);
    await clock.advance(40_000);
    const late = authority(store, clock).authorize(batch);
    assert.equal(late.ok === false && late.reason, 'expired');
    store.rememberCommand('11111111-2222-4333-8444-555555555555', T0 + 100_000, T0 + 41_000);
    assert.equal(store.hasCommand(signer.last!.id, 0), false, 'the expired id was not pruned');
    store.close();
  });

  it('refuses a command whose id cannot be recorded durably', () => {
    const clock = new FakeClock(T0 + 1000);
    const broken: ReplayLedger = {
      hasCommand: () => false,
      rememberCommand: () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
    };
    const result = authority(broken, clock).authorize(decode('door', signer.metrics('door', [LOCK])));
    assert.equal(result.ok === false && result.reason, 'unrecorded');
    assert.match(!result.ok ? result.detail : '', /could not be recorded: SQLITE_FULL/);
  });
});

describe('scripts/sign-command.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sign-command-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = writeCommandPrivateKey(dir, keys);
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSignCommand(argv, { stdout: (line) => out.push(line), stderr: (line) => err.push(line) }, { now: () => T0, newId: () => '00000000-0000-4000-8000-00000000000a' });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('writes a signed DCMD the booth accepts, with datatypes inferred or given', async () => {
    const file = join(dir, 'cmd.bin');
    const result = await run(['--key', keyFile, '--target', `${GROUP}/${NODE}/lights`, '--out', file, 'Light/Scene=welcome', 'Light/key=Double:40.5']);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(JSON.parse(result.out), {
      topic: `spBv1.0/${GROUP}/DCMD/${NODE}/lights`,
      id: '00000000-0000-4000-8000-00000000000a',
      issuedAt: T0,
      notAfter: T0 + 30_000,
      commands: ['Light/Scene', 'Light/key'],
    });
    const decoded = decodeCommand('DCMD', 'lights', readFileSync(file), model, 65_536);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.batch.commands, [
      { name: 'Light/Scene', datatype: DataType.String, value: 'welcome' },
      { name: 'Light/key', datatype: DataType.Double, value: 40.5 },
    ]);
    const verdict = verifyCommand({ envelope: decoded.batch.envelope!, commands: decoded.batch.commands, expectedTarget: `${GROUP}/${NODE}/lights`, now: T0, skewMs: 0, publicKey: keys.publicKey, seen: () => false });
    assert.equal(verdict.ok, true);
  });

  it('rejects bad usage and bad input with a message naming what was wrong', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['--target', 'g/n/door', '--out', 'x', 'Door/Locked=true'], 64, /--key FILE .* is required/],
      [['--key', keyFile, '--out', 'x', 'Door/Locked=true'], 64, /--target GROUP\/NODE\[\/DEVICE\] is required/],
      [['--key', keyFile, '--target', 'g', '--out', 'x', 'Door/Locked=true'], 64, /--target "g": expected GROUP\/NODE/],
      [['--key', keyFile, '--target', 'g/n/door', 'Door/Locked=true'], 64, /exactly one of --broker URL and --out FILE/],
      [['--key', keyFile, '--target', 'g/n/door', '--out', 'x'], 64, /no command given/],
      [['--key', keyFile, '--target', 'g/n/door', '--out', 'x', 'Door/Locked=yes'], 64, /"Door\/Locked": Boolean needs true or false, got "yes"/],
      [['--key', keyFile, '--target', 'g/n/door', '--out', 'x', 'Door/Explode=1'], 64, /"Door\/Explode": unknown metric, give its datatype/],
      [['--key', keyFile, '--target', 'g/n/door', '--out', 'x', '--valid-seconds', '61', 'Door/Locked=true'], 64, /--valid-seconds 61: expected a number of seconds in \(0, 60\]/],
      [['--key', keyFile, '--target', 'g/n/door', '--out', 'x', '--id', 'abc', 'Door/Locked=true'], 64, /command id must be a lowercase UUID/],
      [['--key', keyFile, '--target', 'g/n/door', '--out', 'x', 'Light/key=Int8:300'], 64, /Int8 value 300 is outside -128\.\.127|Int8 needs a value in -128\.\.127/],
      [['--key', join(dir, 'missing.key'), '--target', 'g/n/door', '--out', 'x', 'Door/Locked=true'], 66, /cannot read key file .*missing\.key/],
      [['--bogus'], 64, /Unknown option '--bogus'/],
    ];
    for (const [argv, code, message] of cases) {
      const result = await run(argv);
      assert.equal(result.code, code, `${argv.join(' ')}: ${result.err}`);
      assert.match(result.err, message);
    }
  });

  it('refuses a capture key in place of the command key', async () => {
    const x25519 = join(dir, 'x25519.key');
    writeFileSync(x25519, generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const result = await run(['--key', x25519, '--target', 'g/n/door', '--out', join(dir, 'y'), 'Door/Locked=true']);
    assert.equal(result.code, 66);
    assert.match(result.err, /expected an ed25519 private key \(central command-signing key\), found x25519/);
  });

  it('a signature made with node:crypto over the documented bytes is what the signer makes (Ed25519 is deterministic)', () => {
    const envelope = signer.envelope('door');
    const ours = signedCommandMetrics(keys.privateKey, envelope, [LOCK]).find((metric) => metric.name === ENVELOPE.signature)!.value as Uint8Array;
    assert.equal(hex(ours), hex(sign(null, canonicalBytes(envelope, [LOCK]), keys.privateKey)));
  });
});

describe('the decoder and signed commands', () => {
  it('sets the envelope metrics aside for the authority, and refuses an envelope with no command in it', () => {
    const batch = decode('door', signer.metrics('door', [LOCK]));
    assert.deepEqual(batch.commands, [{ name: 'Door/Locked', datatype: DataType.Boolean, value: true }]);
    assert.deepEqual(batch.envelope?.map((metric) => metric.name), Object.values(ENVELOPE));
    assert.equal(decode('door', [LOCK]).envelope, undefined);
    const onlyEnvelope = signer.metrics('door', [LOCK]).slice(1);
    const decoded = decodeCommand('DCMD', 'door', encodePayload({ timestamp: T0, metrics: onlyEnvelope }), model, 65_536);
    assert.deepEqual(decoded, { ok: false, reason: 'command carries no command metrics, only its envelope' });
  });
});

describe('command keys and the manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'command-manifest-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = (commands: string) => `
booth: { id: booth-7, group: mmc }
stateDir: state
${commands}
devices:
  - { id: door, compatible: "sim,door-lock" }
`;
  const load = (commands: string, file = join(dir, 'booth.yaml')) => parseConfig(manifest(commands), file, { registry: builtinDrivers(), env: {} });

  it('generate-keys --commands writes an Ed25519 pair the booth loads as its command key', () => {
    const lines: string[] = [];
    const code = runGenerateKeys(['--out', dir, '--commands', 'central-commands'], { stdout: (line) => lines.push(line), stderr: (line) => lines.push(line) });
    assert.equal(code, 0, lines.join('\n'));
    assert.match(lines[0] ?? '', /^commands ed25519 command-signing key pair:/);
    assert.equal(loadPublicKey(join(dir, 'central-commands.pub'), 'commands').asymmetricKeyType, 'ed25519');
    assert.equal(runGenerateKeys(['--out', dir, '--booth', 'same', '--commands', 'same'], { stdout: () => undefined, stderr: () => undefined }), 64);
  });

  it('resolves the key file next to the manifest, defaults the skew to 10 s, and names a bad skew', () => {
    const loaded = load('commands: { centralPublicKeyFile: keys/commands.pub }', '/etc/booth/booth.yaml');
    assert.equal(loaded.config.commands.centralPublicKeyFile, '/etc/booth/keys/commands.pub');
    assert.equal(loaded.config.commands.clockSkewSeconds, 10);
    assert.deepEqual(load('').config.commands, { clockSkewSeconds: 10 });
    assert.throws(() => load('commands: { clockSkewSeconds: 120 }'), (error: Error) => /commands\.clockSkewSeconds: Too big: expected number to be <=60/.test(error.message));
    assert.throws(() => load('commands: { centralPublicKey: x }'), (error: Error) => /commands: Unrecognized key: "centralPublicKey"/.test(error.message));
  });

  it('refuses to build a booth on a missing command key or a capture key in its place, naming the file', () => {
    const booth = (file: string) => {
      const loaded = load(`commands: { centralPublicKeyFile: ${file} }`);
      return () => new Booth(loaded, { clock: new FakeClock(T0), logger: memoryLogger().logger });
    };
    assert.throws(booth(join(dir, 'absent.pub')), /cannot read key file .*absent\.pub/);
    const x25519 = join(dir, 'x25519.pub');
    writeFileSync(x25519, generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }));
    assert.throws(booth(x25519), /x25519\.pub: expected an ed25519 public key \(central command-signing key\), found x25519 key/);
  });
});
