/**
 * Signed Sparkplug commands (docs/sparkplug.md, "Signed commands"). A state-changing NCMD/DCMD
 * carries, next to its command metrics, five envelope metrics: `Command/Id` (a UUID),
 * `Command/Issued At` and `Command/Not After` (DateTime), `Command/Target` (`group/node[/device]`)
 * and `Command/Signature` (Bytes): an Ed25519 signature by the central command key over the
 * canonical bytes below. This module builds those bytes, signs (for the central side and tests)
 * and verifies, returning a typed rejection. Pure: no I/O, no clock, no state — the caller gives
 * the time and says which ids were already accepted — so it can be fuzzed; it never throws on
 * any input.
 *
 * Canonical bytes (all integers big-endian, all strings UTF-8):
 *   "booth-runtime/sparkplug-command/v1" 0x00
 *   str(target) str(id) u64(issuedAt) u64(notAfter) u32(number of commands)
 *   then for each command metric, in payload order (the order they are carried out):
 *   str(name) u8(datatype) bytes(value)
 * where str(s) = u32(byte length) + bytes of s, bytes(b) = u32(length) + b; `name` is the
 * metric's full name and `datatype` its datatype from the BIRTH (also when the command used the
 * alias or left the datatype out). Values: Boolean 1 byte (0/1); Int*, UInt*, DateTime 8 bytes
 * (two's complement); Float 4 and Double 8 bytes IEEE 754 (NaN as 0x7fc00000 / 0x7ff8000000000000);
 * String, Text, UUID their UTF-8; Bytes, File and arrays their bytes.
 */
import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { DataType, describeDataType, integerRangeOf, isDataType, valueFieldOf } from './datatypes.ts';
import { metricValueFromWire, type MetricValue, type SparkplugMetric } from './payload.ts';

/** The envelope metrics, by name (no alias: they are not in any BIRTH). */
export const ENVELOPE = {
  id: 'Command/Id',
  issuedAt: 'Command/Issued At',
  notAfter: 'Command/Not After',
  target: 'Command/Target',
  signature: 'Command/Signature',
} as const;

const ENVELOPE_NAMES: ReadonlySet<string> = new Set(Object.values(ENVELOPE));

export function isEnvelopeMetric(name: string | undefined): boolean {
  return name !== undefined && ENVELOPE_NAMES.has(name);
}

/** Domain separation: these bytes can never be mistaken for any other signed message. */
export const SIGNATURE_DOMAIN = 'booth-runtime/sparkplug-command/v1';
/** The longest validity a command may claim: notAfter − issuedAt. */
export const MAX_VALIDITY_MS = 60_000;
export const SIGNATURE_BYTES = 64;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CommandEnvelope {
  /** Lowercase UUID, unique per command. */
  id: string;
  /** Milliseconds since the epoch, UTC. */
  issuedAt: number;
  notAfter: number;
  /** `group/node` for NCMD, `group/node/device` for DCMD. */
  target: string;
}

export interface SignedEnvelope extends CommandEnvelope {
  signature: Uint8Array;
}

/** A command metric as signed: full name, the metric's datatype, the typed value. */
export interface SignableCommand {
  name: string;
  datatype: number;
  value: MetricValue;
}

export type RejectionReason =
  | 'no-key'
  | 'unsigned'
  | 'malformed'
  | 'bad-signature'
  | 'wrong-target'
  | 'validity-too-long'
  | 'not-yet-valid'
  | 'expired'
  | 'replayed'
  | 'unrecorded';

export interface CommandRejection {
  ok: false;
  reason: RejectionReason;
  /** What exactly was wrong, for the log, the audit record and `Command/Last Result`. */
  detail: string;
  /** The command id, when the envelope carried a well-formed one. */
  id?: string;
}

export type Verification = { ok: true; envelope: SignedEnvelope } | CommandRejection;

export interface VerifyInput {
  /** The envelope metrics the payload carried (every metric named like one). */
  envelope: readonly SparkplugMetric[];
  commands: readonly SignableCommand[];
  /** `group/node[/device]` of the topic the command arrived on. */
  expectedTarget: string;
  now: number;
  /** Clock difference tolerated between the central side and the booth. */
  skewMs: number;
  /** The central command key; undefined refuses everything with 'no-key'. */
  publicKey: KeyObject | undefined;
  /** Whether a command with this id was already accepted and is still within its window. */
  seen(id: string): boolean;
}

/** `group/node` or `group/node/device`. */
export function commandTarget(group: string, node: string, device?: string): string {
  return device === undefined ? `${group}/${node}` : `${group}/${node}/${device}`;
}

/** Thrown only by the signing side (canonicalBytes/signCommand) for a command it cannot encode. */
export class CommandSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandSignatureError';
  }
}

export function canonicalBytes(envelope: CommandEnvelope, commands: readonly SignableCommand[]): Uint8Array {
  const parts: Uint8Array[] = [ascii(`${SIGNATURE_DOMAIN}\u0000`), str(envelope.target), str(envelope.id), u64(envelope.issuedAt), u64(envelope.notAfter), u32(commands.length)];
  commands.forEach((command, index) => {
    if (typeof command.name !== 'string' || command.name === '') throw new CommandSignatureError(`command ${index}: needs a name`);
    if (!isDataType(command.datatype) || command.datatype === DataType.Unknown) {
      throw new CommandSignatureError(`command ${index} ("${command.name}"): unknown datatype ${String(command.datatype)}`);
    }
    parts.push(str(command.name), Uint8Array.of(command.datatype), bytes(canonicalValue(command.datatype, command.value, `command ${index} ("${command.name}")`)));
  });
  return Buffer.concat(parts);
}

/** The Ed25519 signature of the central command key over the canonical bytes. */
export function signCommand(privateKey: KeyObject, envelope: CommandEnvelope, commands: readonly SignableCommand[]): Uint8Array {
  checkEnvelope(envelope);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new CommandSignatureError(`the command-signing key must be Ed25519, not ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  return new Uint8Array(cryptoSign(null, canonicalBytes(envelope, commands), privateKey));
}

/**
 * The metrics of a signed NCMD/DCMD payload: the commands (by name, with their datatype) and the
 * five envelope metrics. What the central side (scripts/sign-command.ts) and tests publish.
 */
export function signedCommandMetrics(privateKey: KeyObject, envelope: CommandEnvelope, commands: readonly SignableCommand[]): SparkplugMetric[] {
  const signature = signCommand(privateKey, envelope, commands);
  return [
    ...commands.map((command) => ({ name: command.name, datatype: command.datatype, value: command.value })),
    ...envelopeMetrics({ ...envelope, signature }),
  ];
}

export function envelopeMetrics(envelope: SignedEnvelope): SparkplugMetric[] {
  return [
    { name: ENVELOPE.id, datatype: DataType.String, value: envelope.id },
    { name: ENVELOPE.issuedAt, datatype: DataType.DateTime, value: envelope.issuedAt },
    { name: ENVELOPE.notAfter, datatype: DataType.DateTime, value: envelope.notAfter },
    { name: ENVELOPE.target, datatype: DataType.String, value: envelope.target },
    { name: ENVELOPE.signature, datatype: DataType.Bytes, value: envelope.signature },
  ];
}

/**
 * Checks a signed command: envelope well-formed, key configured, signature valid, aimed at this
 * booth (and device), at most MAX_VALIDITY_MS long, within its window (± skew), not seen before.
 * The signature is checked before target, times and replay, so those reasons are only ever
 * given for commands the central key really signed.
 */
export function verifyCommand(input: VerifyInput): Verification {
  try {
    return verify(input);
  } catch (error) {
    // Defensive: a bug here must refuse the command, never execute it or take the daemon down.
    return { ok: false, reason: 'malformed', detail: `could not be checked: ${(error as Error)?.message ?? String(error)}` };
  }
}

function verify(input: VerifyInput): Verification {
  const { now, skewMs } = input;
  if (!input.publicKey) {
    return { ok: false, reason: 'no-key', detail: 'state-changing commands are refused: the manifest names no commands.centralPublicKeyFile' };
  }
  const parsed = parseEnvelope(input.envelope);
  if (!parsed.ok) return parsed;
  const envelope = parsed.envelope;
  const { id } = envelope;
  let message: Uint8Array;
  try {
    message = canonicalBytes(envelope, input.commands);
  } catch (error) {
    if (error instanceof CommandSignatureError) return { ok: false, reason: 'malformed', detail: error.message, id };
    throw error;
  }
  if (!cryptoVerify(null, message, input.publicKey, envelope.signature)) {
    return { ok: false, reason: 'bad-signature', detail: 'Command/Signature does not verify with the central command key', id };
  }
  if (envelope.target !== input.expectedTarget) {
    return { ok: false, reason: 'wrong-target', detail: `signed for "${envelope.target}", received as "${input.expectedTarget}"`, id };
  }
  const validity = envelope.notAfter - envelope.issuedAt;
  if (validity > MAX_VALIDITY_MS) {
    return { ok: false, reason: 'validity-too-long', detail: `valid for ${validity} ms, more than the ${MAX_VALIDITY_MS} ms allowed`, id };
  }
  if (now + skewMs < envelope.issuedAt) {
    return { ok: false, reason: 'not-yet-valid', detail: `issued ${envelope.issuedAt - now} ms in the future (clock skew allowed: ${skewMs} ms)`, id };
  }
  if (now - skewMs > envelope.notAfter) {
    return { ok: false, reason: 'expired', detail: `expired ${now - envelope.notAfter} ms ago (clock skew allowed: ${skewMs} ms)`, id };
  }
  if (input.seen(id)) return { ok: false, reason: 'replayed', detail: `command ${id} was already accepted`, id };
  return { ok: true, envelope };
}

/** Reads the five envelope metrics: 'unsigned' without a signature, 'malformed' for anything else wrong. */
export function parseEnvelope(metrics: readonly SparkplugMetric[]): { ok: true; envelope: SignedEnvelope } | CommandRejection {
  const byName = new Map<string, SparkplugMetric>();
  for (const metric of metrics) {
    const name = metric.name ?? '';
    if (!ENVELOPE_NAMES.has(name)) return { ok: false, reason: 'malformed', detail: `"${name}" is not an envelope metric` };
    if (byName.has(name)) return { ok: false, reason: 'malformed', detail: `${name} appears more than once` };
    byName.set(name, metric);
  }
  if (!byName.has(ENVELOPE.signature)) {
    const present = [...byName.keys()];
    return {
      ok: false,
      reason: 'unsigned',
      detail: `a state-changing command needs a signature; no ${ENVELOPE.signature}${present.length > 0 ? ` (carries only ${present.join(', ')})` : ''}`,
    };
  }
  const missing = Object.values(ENVELOPE).filter((name) => !byName.has(name));
  if (missing.length > 0) return { ok: false, reason: 'malformed', detail: `signed command lacks ${missing.join(', ')}` };
  const field = <T>(name: string, datatypes: readonly number[], read: (value: MetricValue) => T | string): T | CommandRejection => {
    const metric = byName.get(name)!;
    const datatype = metric.datatype === DataType.Unknown ? datatypes[0]! : metric.datatype;
    if (!datatypes.includes(datatype)) {
      return { ok: false, reason: 'malformed', detail: `${name} must be ${datatypes.map(describeDataType).join(' or ')}, not ${describeDataType(metric.datatype)}` };
    }
    if (metric.isNull === true || metric.value === undefined) return { ok: false, reason: 'malformed', detail: `${name} has no value` };
    let value: MetricValue = metric.value;
    if (metric.datatype === DataType.Unknown) {
      if (!metric.wireField) return { ok: false, reason: 'malformed', detail: `${name}: value field unknown` };
      try {
        value = metricValueFromWire(datatype, metric.wireField, metric.value, name);
      } catch (error) {
        return { ok: false, reason: 'malformed', detail: (error as Error).message };
      }
    }
    const result = read(value);
    return typeof result === 'string' ? { ok: false, reason: 'malformed', detail: `${name} ${result}` } : result;
  };
  const id = field(ENVELOPE.id, [DataType.String, DataType.UUID], (value) =>
    typeof value === 'string' && UUID.test(value) ? { value } : `must be a lowercase UUID (8-4-4-4-12 hex digits), got ${describe(value)}`,
  );
  if ('ok' in id) return id;
  const time = (value: MetricValue) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? { value } : `must be ms since the epoch, got ${describe(value)}`);
  const issuedAt = field(ENVELOPE.issuedAt, [DataType.DateTime], time);
  if ('ok' in issuedAt) return { ...issuedAt, id: id.value };
  const notAfter = field(ENVELOPE.notAfter, [DataType.DateTime], time);
  if ('ok' in notAfter) return { ...notAfter, id: id.value };
  const target = field(ENVELOPE.target, [DataType.String], (value) =>
    typeof value === 'string' && /^[^/+#]+\/[^/+#]+(\/[^/+#]+)?$/.test(value) ? { value } : `must be "group/node" or "group/node/device", got ${describe(value)}`,
  );
  if ('ok' in target) return { ...target, id: id.value };
  const signature = field(ENVELOPE.signature, [DataType.Bytes], (value) =>
    value instanceof Uint8Array && value.length === SIGNATURE_BYTES ? { value } : `must be ${SIGNATURE_BYTES} bytes (Ed25519), got ${describe(value)}`,
  );
  if ('ok' in signature) return { ...signature, id: id.value };
  if (notAfter.value <= issuedAt.value) {
    return { ok: false, reason: 'malformed', detail: `${ENVELOPE.notAfter} must be later than ${ENVELOPE.issuedAt}`, id: id.value };
  }
  return { ok: true, envelope: { id: id.value, issuedAt: issuedAt.value, notAfter: notAfter.value, target: target.value, signature: signature.value } };
}

function checkEnvelope(envelope: CommandEnvelope): void {
  if (typeof envelope.id !== 'string' || !UUID.test(envelope.id)) throw new CommandSignatureError(`command id must be a lowercase UUID, got ${describe(envelope.id)}`);
  for (const key of ['issuedAt', 'notAfter'] as const) {
    const value = envelope[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new CommandSignatureError(`${key} must be ms since the epoch, got ${describe(value)}`);
  }
  if (envelope.notAfter <= envelope.issuedAt) throw new CommandSignatureError('notAfter must be later than issuedAt');
  if (envelope.notAfter - envelope.issuedAt > MAX_VALIDITY_MS) throw new CommandSignatureError(`notAfter may be at most ${MAX_VALIDITY_MS} ms after issuedAt`);
  if (typeof envelope.target !== 'string' || !/^[^/+#]+\/[^/+#]+(\/[^/+#]+)?$/.test(envelope.target)) {
    throw new CommandSignatureError(`target must be "group/node" or "group/node/device", got ${describe(envelope.target)}`);
  }
}

/** The canonical bytes of a value of `datatype`; CommandSignatureError when it is not one. */
export function canonicalValue(datatype: number, value: unknown, where: string): Uint8Array {
  const fail = (expected: string) => new CommandSignatureError(`${where}: ${describeDataType(datatype)} needs ${expected}, got ${describe(value)}`);
  const range = integerRangeOf(datatype as DataType);
  if (range !== undefined) {
    if (!(typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value)))) throw fail('an integer');
    const n = BigInt(value);
    if (n < range.min || n > range.max) throw fail(`a value in ${range.min}..${range.max}`);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, n));
    return out;
  }
  switch (valueFieldOf(datatype as DataType)) {
    case 'boolean_value':
      if (typeof value !== 'boolean') throw fail('a boolean');
      return Uint8Array.of(value ? 1 : 0);
    case 'float_value': {
      if (typeof value !== 'number') throw fail('a number');
      const out = new Uint8Array(4);
      if (Number.isNaN(value)) new DataView(out.buffer).setUint32(0, 0x7fc0_0000);
      else new DataView(out.buffer).setFloat32(0, value);
      return out;
    }
    case 'double_value': {
      if (typeof value !== 'number') throw fail('a number');
      const out = new Uint8Array(8);
      if (Number.isNaN(value)) new DataView(out.buffer).setBigUint64(0, 0x7ff8_0000_0000_0000n);
      else new DataView(out.buffer).setFloat64(0, value);
      return out;
    }
    case 'string_value':
      if (typeof value !== 'string' || !value.isWellFormed()) throw fail('a well-formed string');
      return new TextEncoder().encode(value);
    case 'bytes_value':
      if (!(value instanceof Uint8Array)) throw fail('bytes');
      return value;
    default:
      throw new CommandSignatureError(`${where}: datatype ${describeDataType(datatype)} cannot be signed`);
  }
}

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function u64(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new CommandSignatureError(`time ${describe(n)} is not ms since the epoch`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

function str(text: string): Uint8Array {
  if (typeof text !== 'string' || !text.isWellFormed()) throw new CommandSignatureError(`${describe(text)} is not a well-formed string`);
  return bytes(new TextEncoder().encode(text));
}

function bytes(value: Uint8Array): Uint8Array {
  return Buffer.concat([u32(value.length), value]);
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  // Well-formed even when the cut splits a surrogate pair: this text goes into a String metric.
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57).toWellFormed()}...` : value.toWellFormed());
  if (typeof value === 'bigint') return `${value}n`;
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
