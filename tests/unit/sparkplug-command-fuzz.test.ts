/**
 * Fuzzing the signed-command verifier (seeded, so a failure replays): random envelopes, signed
 * commands altered one field at a time, and signed payloads mutated at the byte level and run
 * through the real decoder. The verifier must never throw, never reach its defensive catch-all,
 * always answer with one of its typed reasons, and never accept a command whose signed content
 * (target, id, times, command names, datatypes, values) differs from what was signed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { decodeCommand } from '../../protocols/sparkplug/command-decoder.ts';
import {
  canonicalBytes,
  ENVELOPE,
  verifyCommand,
  type RejectionReason,
  type SignableCommand,
  type Verification,
} from '../../protocols/sparkplug/command-signature.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { EdgeModel } from '../../protocols/sparkplug/metric-model.ts';
import { encodePayload, type MetricValue, type SparkplugMetric } from '../../protocols/sparkplug/payload.ts';
import { mulberry32 } from '../../simulator/imaging/random.ts';
import { commandKeyPair, CommandSigner } from '../support/signed-commands.ts';

const GROUP = 'fuzz';
const NODE = 'booth-01';
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const REASONS: ReadonlySet<RejectionReason> = new Set([
  'no-key', 'unsigned', 'malformed', 'bad-signature', 'wrong-target', 'validity-too-long', 'not-yet-valid', 'expired', 'replayed', 'unrecorded',
]);
const keys = commandKeyPair();
const otherKeys = commandKeyPair();
const signer = new CommandSigner({ privateKey: keys.privateKey, group: GROUP, node: NODE, now: () => T0 });

const model = new EdgeModel();
const WRITABLE: Record<string, Array<[string, number]>> = {
  door: [['Door/Locked', DataType.Boolean], ['Device/Reset', DataType.Boolean]],
  lights: [['Light/Scene', DataType.String], ['Light/key', DataType.Double], ['Light/fill', DataType.Double], ['Device/Reset', DataType.Boolean]],
  camera: [['Capture/Self Test', DataType.Boolean], ['Device/Reset', DataType.Boolean]],
};
for (const [device, metrics] of Object.entries(WRITABLE)) {
  const set = model.defineDevice(device);
  for (const [name, datatype] of metrics) set.define(name, datatype, datatype === DataType.String ? '' : datatype === DataType.Double ? 0 : false, 1, { writable: true });
}
const NODE_COMMANDS: Array<[string, number]> = [['Node Control/Reboot', DataType.Boolean], ['Node Control/Rebirth', DataType.Boolean]];

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, n: number) => Math.floor(random() * n);

function valueFor(random: Random, datatype: number): MetricValue {
  if (datatype === DataType.Boolean) return random() < 0.5;
  if (datatype === DataType.Double) return Math.round(random() * 10_000) / 100;
  return pick(random, ['off', 'idle', 'welcome', 'portrait', 'Свет', '']);
}

function randomCommands(random: Random, device: string | undefined): SignableCommand[] {
  const table = device === undefined ? NODE_COMMANDS : WRITABLE[device]!;
  return Array.from({ length: 1 + int(random, 3) }, () => {
    const [name, datatype] = pick(random, table);
    return { name, datatype, value: valueFor(random, datatype) };
  });
}

const targetOf = (device: string | undefined) => (device === undefined ? `${GROUP}/${NODE}` : `${GROUP}/${NODE}/${device}`);

function verify(device: string | undefined, envelope: SparkplugMetric[], commands: readonly SignableCommand[], now = T0 + 1000): Verification {
  return verifyCommand({ envelope, commands, expectedTarget: targetOf(device), now, skewMs: 5000, publicKey: keys.publicKey, seen: () => false });
}

function assertTypedRejection(result: Verification, context: string): asserts result is Extract<Verification, { ok: false }> {
  assert.equal(result.ok, false, `${context}: accepted`);
  if (result.ok) return;
  assert.ok(REASONS.has(result.reason), `${context}: untyped reason ${String(result.reason)}`);
  assert.equal(typeof result.detail, 'string');
  assert.ok(result.detail.length > 0, `${context}: empty detail`);
  assert.ok(!result.detail.startsWith('could not be checked'), `${context}: the verifier threw: ${result.detail}`);
  assert.ok(result.detail.isWellFormed(), `${context}: the detail is not well-formed Unicode`);
}

describe('signed-command verifier fuzz', () => {
  it('random envelopes: never throws, always a typed rejection', (t) => {
    const random = mulberry32(9001);
    const started = performance.now();
    const iterations = 4000;
    const datatypes = [DataType.String, DataType.UUID, DataType.DateTime, DataType.Bytes, DataType.Int64, DataType.Boolean, DataType.Double, DataType.Unknown];
    const randomValue = (datatype: number): { value?: MetricValue; isNull?: boolean; wireField?: SparkplugMetric['wireField'] } => {
      const r = random();
      if (r < 0.05) return { isNull: true };
      if (datatype === DataType.Unknown) return { value: pick(random, [BigInt(T0), 'x', true, new Uint8Array(64)]), wireField: pick(random, ['long_value', 'string_value', 'boolean_value', 'bytes_value', 'int_value'] as const) };
      if (r < 0.15) return { value: pick(random, [randomUUID(), randomUUID().toUpperCase(), 'g/n', `${GROUP}/${NODE}/door`, '\uD800', ''] as MetricValue[]) };
      if (r < 0.3) return { value: pick(random, [T0, -1, 2 ** 53, 1.5, Number.NaN, 0] as MetricValue[]) };
      if (r < 0.4) return { value: pick(random, [0n, -1n, 2n ** 64n] as MetricValue[]) };
      if (r < 0.5) return { value: random() < 0.5 };
      return { value: Uint8Array.from({ length: pick(random, [0, 1, 63, 64, 65, int(random, 128)]) }, () => int(random, 256)) };
    };
    const reasons = new Map<string, number>();
    for (let i = 0; i < iterations; i += 1) {
      const device = pick(random, ['door', 'lights', 'camera', undefined]);
      // A third are well-formed envelopes with random contents, so the checks past parsing run too.
      const envelope: SparkplugMetric[] =
        random() < 0.33
          ? [
              { name: ENVELOPE.id, datatype: DataType.String, value: randomUUID() },
              { name: ENVELOPE.issuedAt, datatype: DataType.DateTime, value: T0 + int(random, 120_000) - 60_000 },
              { name: ENVELOPE.notAfter, datatype: DataType.DateTime, value: T0 + int(random, 240_000) - 60_000 },
              { name: ENVELOPE.target, datatype: DataType.String, value: pick(random, [targetOf(device), targetOf('door'), `${GROUP}/x`]) },
              { name: ENVELOPE.signature, datatype: DataType.Bytes, value: Uint8Array.from({ length: 64 }, () => int(random, 256)) },
            ].sort(() => random() - 0.5)
          : Array.from({ length: int(random, 8) }, () => {
              const datatype = pick(random, datatypes);
              return { name: pick(random, [...Object.values(ENVELOPE), 'Command/Other']), datatype, ...randomValue(datatype) } as SparkplugMetric;
            });
      const commands = random() < 0.9 ? randomCommands(random, device) : [{ name: 'Door/Locked', datatype: pick(random, [0, 99, DataType.Int8]), value: 'x' as MetricValue }];
      const now = pick(random, [T0, T0 + int(random, 200_000) - 100_000, 0, Number.MAX_SAFE_INTEGER]);
      const result = verify(device, envelope, commands, now);
      assertTypedRejection(result, `random envelope #${i}`);
      reasons.set(result.reason, (reasons.get(result.reason) ?? 0) + 1);
    }
    t.diagnostic(`${iterations} random envelopes in ${Math.round(performance.now() - started)} ms: ${[...reasons].map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
    for (const reason of ['unsigned', 'malformed', 'bad-signature']) assert.ok(reasons.has(reason), `no random envelope reached "${reason}"`);
  });

  it('a signed command altered in any signed field is never accepted', (t) => {
    const random = mulberry32(1234);
    const started = performance.now();
    const iterations = 4000;
    const mutations = new Map<string, number>();
    for (let i = 0; i < iterations; i += 1) {
      const device = pick(random, ['door', 'lights', 'camera', undefined]);
      const commands = randomCommands(random, device);
      const metrics = signer.metrics(device, commands);
      const envelopeOf = (list: SparkplugMetric[]) => list.filter((metric) => Object.values(ENVELOPE).includes(metric.name as never));
      const commandsOf = (list: SparkplugMetric[]) => list.filter((metric) => !Object.values(ENVELOPE).includes(metric.name as never)) as SignableCommand[];
      assert.equal(verify(device, envelopeOf(metrics), commandsOf(metrics)).ok, true, `the unaltered command #${i} was refused`);
      const altered = structuredClone(metrics);
      const envelope = envelopeOf(altered);
      const cmds = commandsOf(altered);
      const field = (name: string) => envelope.find((metric) => metric.name === name)!;
      const kind = pick(random, ['value', 'name', 'datatype', 'drop', 'add', 'swap', 'id', 'issuedAt', 'notAfter', 'target', 'signature', 'dropEnvelope', 'duplicateEnvelope', 'otherKey']);
      let changed = true;
      switch (kind) {
        case 'value': {
          const command = pick(random, cmds);
          const before = command.value;
          command.value = typeof before === 'boolean' ? !before : typeof before === 'number' ? before + 0.01 : `${String(before)}!`;
          break;
        }
        case 'name': {
          const command = pick(random, cmds);
          const others = (device === undefined ? NODE_COMMANDS : WRITABLE[device]!).filter(([name, datatype]) => name !== command.name && datatype === command.datatype);
          if (others.length === 0) changed = false;
          else command.name = pick(random, others)[0];
          break;
        }
        case 'datatype': {
          const command = pick(random, cmds);
          if (command.datatype === DataType.Double) command.datatype = DataType.Float;
          else if (command.datatype === DataType.String) command.datatype = DataType.Text;
          else {
            command.datatype = DataType.Int8;
            command.value = command.value === true ? 1 : 0;
          }
          break;
        }
        case 'drop':
          if (cmds.length < 2) changed = false;
          else cmds.splice(int(random, cmds.length), 1);
          break;
        case 'add':
          cmds.splice(int(random, cmds.length + 1), 0, ...randomCommands(random, device).slice(0, 1));
          break;
        case 'swap': {
          const [a, b] = [int(random, cmds.length), int(random, cmds.length)];
          if (JSON.stringify(cmds[a]) === JSON.stringify(cmds[b])) changed = false;
          else [cmds[a], cmds[b]] = [cmds[b]!, cmds[a]!];
          break;
        }
        case 'id': {
          const id = field(ENVELOPE.id).value as string;
          const at = pick(random, [...id.matchAll(/[0-9a-f]/g)].map((match) => match.index));
          field(ENVELOPE.id).value = id.slice(0, at) + (id[at] === 'a' ? 'b' : 'a') + id.slice(at + 1);
          break;
        }
        case 'issuedAt':
        case 'notAfter': {
          const metric = field(kind === 'issuedAt' ? ENVELOPE.issuedAt : ENVELOPE.notAfter);
          metric.value = (metric.value as number) + pick(random, [-1000, -1, 1, 1000]);
          break;
        }
        case 'target':
          field(ENVELOPE.target).value = pick(random, [`${GROUP}/${NODE}`, `${GROUP}/${NODE}/door`, `${GROUP}/${NODE}/lights`, `${GROUP}/booth-02/door`, `other/${NODE}`].filter((t2) => t2 !== field(ENVELOPE.target).value));
          break;
        case 'signature': {
          const signature = field(ENVELOPE.signature).value as Uint8Array;
          signature[int(random, 64)]! ^= 1 << int(random, 8);
          break;
        }
        case 'dropEnvelope':
          envelope.splice(int(random, envelope.length), 1);
          break;
        case 'duplicateEnvelope':
          envelope.push(structuredClone(pick(random, envelope)));
          break;
        case 'otherKey': {
          const resigned = signer.metrics(device, commands, { ...signer.last! }, otherKeys.privateKey);
          envelope.splice(0, envelope.length, ...envelopeOf(resigned));
          break;
        }
      }
      if (!changed) continue;
      mutations.set(kind, (mutations.get(kind) ?? 0) + 1);
      assertTypedRejection(verify(device, envelope, cmds), `#${i} altered ${kind}`);
    }
    t.diagnostic(`${iterations} altered commands in ${Math.round(performance.now() - started)} ms: ${[...mutations].map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
    assert.ok(mutations.size >= 14, 'not every kind of alteration was tried');
  });

  it('signed payloads mutated at the byte level: accepted only when the signed content is unchanged', (t) => {
    const random = mulberry32(77);
    const started = performance.now();
    const iterations = 6000;
    let decoded = 0;
    let accepted = 0;
    for (let i = 0; i < iterations; i += 1) {
      const device = pick(random, ['door', 'lights', 'camera', undefined]);
      const commands = randomCommands(random, device);
      const original = signer.payload(device, commands);
      const signedBytes = canonicalBytes(signer.last!, commands);
      let bytes = Uint8Array.from(original);
      const operation = random();
      if (operation < 0.6) {
        for (let f = 1 + int(random, 3); f > 0; f -= 1) bytes[int(random, bytes.length)]! ^= 1 << int(random, 8);
      } else if (operation < 0.75) {
        bytes = bytes.subarray(0, int(random, bytes.length));
      } else if (operation < 0.9) {
        const at = int(random, bytes.length);
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...Array.from({ length: 1 + int(random, 8) }, () => int(random, 256)), ...bytes.subarray(at)]);
      } else {
        bytes[int(random, bytes.length)] = int(random, 256);
      }
      const result = decodeCommand(device === undefined ? 'NCMD' : 'DCMD', device, bytes, model, 65_536);
      if (!result.ok) continue;
      decoded += 1;
      const verdict = verify(device, result.batch.envelope ?? [], result.batch.commands);
      if (!verdict.ok) {
        assertTypedRejection(verdict, `#${i}`);
        continue;
      }
      accepted += 1;
      // Only fields outside the signature (payload/metric timestamps, seq) may have changed.
      assert.deepEqual(canonicalBytes(verdict.envelope, result.batch.commands), signedBytes, `#${i}: accepted with different signed content`);
    }
    t.diagnostic(`${iterations} mutated payloads in ${Math.round(performance.now() - started)} ms: ${decoded} decoded, ${accepted} accepted with unchanged signed content`);
    assert.ok(decoded > iterations / 10, 'the mutations hardly ever produced a decodable payload: the fuzz tests nothing');
  });
});
