/**
 * Sparkplug B payload codec: plain objects <-> protobuf bytes (schema: ../proto/sparkplug_b.proto).
 *
 * Only scalar, Bytes/File and packed-array metrics are modelled; DataSet, Template, metadata and
 * property sets are not used by the booth, so decoding rejects the first two (their values would
 * otherwise be lost silently) and ignores the last two (annotations, not values).
 *
 * Signed integers: the spec carries Int8/Int16/Int32 in a uint32 field and Int64 in a uint64 field
 * without saying how negatives are mapped. The reference implementations (Eclipse Tahu Java, C and
 * JavaScript) sign-extend to the field width, i.e. two's complement in 32 or 64 bits, so -1 as Int8
 * is int_value 4294967295. We do the same, and reject anything else as out of range.
 *
 * Strings: encoding refuses ill-formed JS strings; decoding follows protobufjs's proto2 behaviour
 * and replaces invalid UTF-8 with U+FFFD rather than rejecting it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { DataType, VALUE_FIELDS, arrayBytesProblem, describeDataType, integerRangeOf, isDataType, valueFieldOf } from './datatypes.ts';
import type { ValueField } from './datatypes.ts';
import { writePayload } from './payload-writer.ts';

export type MetricValue = number | bigint | boolean | string | Uint8Array;

export interface SparkplugMetric {
  name?: string;
  alias?: bigint;
  /** Milliseconds since the epoch, UTC. */
  timestamp?: number;
  /** A DataType number. Decodes as DataType.Unknown (0) when the wire omits it, as DATA messages may. */
  datatype: number;
  isHistorical?: boolean;
  isTransient?: boolean;
  isNull?: boolean;
  value?: MetricValue;
  /**
   * Encode only: validate against `datatype` but leave it off the wire. The spec requires the
   * datatype in BIRTH messages only; DATA messages may omit it, the receiver knows it by alias.
   */
  omitDatatype?: boolean;
  /** Decoded DATA/CMD metrics without a datatype: which value field carried the raw value. */
  wireField?: ValueField;
}

export interface SparkplugPayload {
  /** Milliseconds since the epoch, UTC. */
  timestamp?: number;
  /** 0..255 when encoding. Decoding reports what was sent, read as signed 64-bit (see decodePayload). */
  seq?: number;
  uuid?: string;
  body?: Uint8Array;
  metrics: SparkplugMetric[];
}

export interface DecodeLimits {
  maxBytes?: number;
  maxMetrics?: number;
}

/** The value as it sits in its wire field: uint32 as number, uint64 as bigint. */
export type WireValue = number | bigint | boolean | string | Uint8Array;

/** A payload (or a value in it) that is not valid Sparkplug B; the only error this module throws. */
export class PayloadError extends Error {
  readonly code = 'EBADMSG';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PayloadError';
  }
}

/** 256 KiB: far above any booth BIRTH, small enough that a hostile publisher cannot balloon memory. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 262_144;
export const DEFAULT_MAX_METRICS = 4096;

const UINT64_MAX = (1n << 64n) - 1n;
const SCHEMA_PATH = join(import.meta.dirname, '..', 'proto', 'sparkplug_b.proto');
// Parsed once: the schema is an immutable constant, not state.
const PayloadType = protobuf
  .parse(readFileSync(SCHEMA_PATH, 'utf8'), { keepCase: true })
  .root.lookupType('org.eclipse.tahu.protobuf.Payload');

type WireObject = Record<string, unknown>;

const JS_TYPE_OF_FIELD: Partial<Record<ValueField, 'number' | 'boolean' | 'string'>> = {
  float_value: 'number',
  double_value: 'number',
  boolean_value: 'boolean',
  string_value: 'string',
};

/** Encodes (and validates) a payload. The bytes are a Node Buffer of its own, ready to publish. */
export function encodePayload(payload: SparkplugPayload): Uint8Array {
  return writePayload(toWire(payload));
}

/** protobufjs' own encoding of the same validated payload: the reference the writer is tested against. */
export function encodePayloadWithProtobufjs(payload: SparkplugPayload): Uint8Array {
  return new Uint8Array(PayloadType.encode(toWire(payload)).finish());
}

/** Validates a payload into the wire-shaped object both encoders serialise. */
function toWire(payload: SparkplugPayload): WireObject {
  if (typeof payload !== 'object' || payload === null) throw new PayloadError('payload must be an object');
  if (!Array.isArray(payload.metrics)) throw new PayloadError('payload.metrics must be an array');
  const wire: WireObject = { metrics: Array.from(payload.metrics, metricToWire) }; // holes become errors, not crashes
  if (payload.timestamp !== undefined) wire.timestamp = uint64(checkTimestamp(payload.timestamp, 'payload timestamp'));
  if (payload.seq !== undefined) wire.seq = checkSeq(payload.seq);
  if (payload.uuid !== undefined) wire.uuid = checkString(payload.uuid, 'payload uuid');
  if (payload.body !== undefined) {
    if (!(payload.body instanceof Uint8Array)) throw new PayloadError('payload body must be a Uint8Array');
    wire.body = payload.body;
  }
  return wire;
}

export function decodePayload(bytes: Uint8Array, limits: DecodeLimits = {}): SparkplugPayload {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const maxMetrics = limits.maxMetrics ?? DEFAULT_MAX_METRICS;
  if (!(bytes instanceof Uint8Array)) throw new PayloadError(`not a Sparkplug payload: expected bytes, got ${typeof bytes}`);
  if (bytes.length > maxBytes) throw new PayloadError(`payload of ${bytes.length} bytes exceeds the ${maxBytes}-byte limit`);
  let message: WireObject;
  try {
    message = PayloadType.decode(bytes) as unknown as WireObject;
  } catch (error) {
    // protobufjs throws RangeError/Error for truncation, bad wire types, nesting beyond 100 levels.
    throw new PayloadError(`not a Sparkplug payload: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const metrics = (own(message, 'metrics') as WireObject[] | undefined) ?? [];
  if (metrics.length > maxMetrics) {
    throw new PayloadError(`payload carries ${metrics.length} metrics, more than the limit of ${maxMetrics}`);
  }
  const payload: SparkplugPayload = { metrics: metrics.map(metricFromWire) };
  const timestamp = own(message, 'timestamp');
  if (timestamp !== undefined) payload.timestamp = safeNumber(toBigInt(timestamp), 'payload timestamp');
  const seq = own(message, 'seq');
  // Read as a signed 64-bit number, as Tahu's Java `long` does: Java-based hosts write -1
  // (2^64-1 on the wire) for "no sequence" in NCMD, and rejecting that would drop a Rebirth.
  // Only encoding enforces the spec's 0..255; the session layer judges sequence numbers.
  if (seq !== undefined) payload.seq = safeNumber(BigInt.asIntN(64, toBigInt(seq)), 'seq');
  const uuid = own(message, 'uuid');
  if (uuid !== undefined) payload.uuid = uuid as string;
  const body = own(message, 'body');
  if (body !== undefined) payload.body = Uint8Array.from(body as Uint8Array); // detach from the input buffer
  return payload;
}

/**
 * Converts a JS value of a datatype into its wire field and wire value, validating JS type and range.
 * `where` prefixes error messages.
 */
export function metricValueToWire(datatype: number, value: MetricValue, where: Label = 'value'): { field: ValueField; value: WireValue } {
  const field = supportedField(datatype, where);
  const name = describeDataType(datatype);
  const range = integerRangeOf(datatype as DataType);
  if (range !== undefined) {
    if (!(typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value)))) {
      throw new PayloadError(`${where}: datatype ${name} needs a safe integer number or a bigint, got ${describeJs(value)}`);
    }
    const n = BigInt(value);
    if (n < range.min || n > range.max) throw new PayloadError(`${where}: ${name} value ${n} is outside ${range.min}..${range.max}`);
    const wire = BigInt.asUintN(range.wireBits, n); // two's complement at the field's width
    return { field, value: range.wireBits === 32 ? Number(wire) : wire };
  }
  const expected = JS_TYPE_OF_FIELD[field];
  if (expected !== undefined && typeof value !== expected) {
    throw new PayloadError(`${where}: datatype ${name} needs a ${expected}, got ${describeJs(value)}`);
  }
  if (field === 'float_value' && Number.isFinite(value) && !Number.isFinite(Math.fround(value as number))) {
    throw new PayloadError(`${where}: Float value ${value} is outside the 32-bit float range`);
  }
  if (field === 'string_value') checkString(value as string, `${where}: value`);
  if (field === 'bytes_value') {
    if (!(value instanceof Uint8Array)) throw new PayloadError(`${where}: datatype ${name} needs a Uint8Array, got ${describeJs(value)}`);
    const problem = arrayBytesProblem(datatype as DataType, value);
    if (problem !== undefined) throw new PayloadError(`${where}: ${name} ${problem}`);
  }
  return { field, value };
}

/**
 * Converts what a wire field carried back into the JS value of a datatype, validating that the
 * field is the datatype's and the value is in its range. DataType.Unknown (the wire omitted the
 * datatype) returns the raw wire value; re-run this with the real datatype (e.g. from the alias
 * table of the BIRTH) to get the typed value.
 */
export function metricValueFromWire(datatype: number, field: ValueField, raw: WireValue, where = 'value'): MetricValue {
  if (datatype === DataType.Unknown) {
    if (field === 'dataset_value' || field === 'template_value' || field === 'extension_value') {
      throw new PayloadError(`${where}: ${field} is not supported by this codec`);
    }
    return raw instanceof Uint8Array ? Uint8Array.from(raw) : raw;
  }
  const expected = supportedField(datatype, where);
  const name = describeDataType(datatype);
  if (field !== expected) throw new PayloadError(`${where}: datatype ${name} but carries ${field}`);
  const range = integerRangeOf(datatype as DataType);
  if (range !== undefined) {
    if (!(typeof raw === 'bigint' || (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0))) {
      throw new PayloadError(`${where}: ${field} must be an unsigned integer, got ${describeJs(raw)}`);
    }
    const unsigned = BigInt(raw);
    const n = range.signed ? BigInt.asIntN(range.wireBits, unsigned) : unsigned;
    if (n < range.min || n > range.max) {
      const encoding = range.signed ? `, two's complement in ${range.wireBits} bits` : '';
      throw new PayloadError(`${where}: ${field} ${unsigned} does not fit ${name} (${range.min}..${range.max}${encoding})`);
    }
    return range.wireBits === 64 && datatype !== DataType.DateTime ? n : Number(n);
  }
  if (raw instanceof Uint8Array) {
    const problem = arrayBytesProblem(datatype as DataType, raw);
    if (problem !== undefined) throw new PayloadError(`${where}: ${name} ${problem}`);
    return Uint8Array.from(raw); // protobufjs may return a view into the caller's buffer
  }
  return raw;
}

/** An error-message prefix built only when an error is thrown (DATA encoding is a hot path). */
type Label = string | { toString(): string };

const METRIC_FLAGS = [['isHistorical', 'is_historical'], ['isTransient', 'is_transient'], ['isNull', 'is_null'], ['omitDatatype', '']] as const;

/**
 * The label of the metric being encoded, described only if an error message needs it. One
 * shared object instead of a string (or closure) per metric: encoding is synchronous, so it
 * always describes the metric whose check is failing.
 */
const CURRENT_METRIC = {
  index: 0,
  metric: undefined as SparkplugMetric | undefined,
  toString(): string {
    return describeMetric(this.index, this.metric?.name, this.metric?.alias);
  },
};

function metricToWire(metric: SparkplugMetric, index: number): WireObject {
  if (typeof metric !== 'object' || metric === null) throw new PayloadError(`metric ${index}: must be an object`);
  CURRENT_METRIC.index = index;
  CURRENT_METRIC.metric = metric;
  const where: Label = CURRENT_METRIC;
  const wire: WireObject = {};
  if (metric.name !== undefined) wire.name = checkString(metric.name, `${where}: name`);
  if (metric.alias !== undefined) {
    if (typeof metric.alias !== 'bigint' || metric.alias < 0n || metric.alias > UINT64_MAX) {
      throw new PayloadError(`${where}: alias ${describeJs(metric.alias)} is out of range (a bigint in 0..2^64-1)`);
    }
    wire.alias = uint64OrNumber(metric.alias);
  }
  if (metric.name === undefined && metric.alias === undefined) throw new PayloadError(`${where}: has neither a name nor an alias`);
  if (metric.timestamp !== undefined) {
    if (!isTimestamp(metric.timestamp)) checkTimestamp(metric.timestamp, `${where}: timestamp`); // throws with the message
    wire.timestamp = metric.timestamp; // a safe integer: both encoders take it as a number
  }
  if (!isDataType(metric.datatype)) throw new PayloadError(`${where}: unknown datatype ${describeJs(metric.datatype, false)}`);
  supportedField(metric.datatype, where); // even a null metric must have a type we can carry
  if (metric.omitDatatype !== true) wire.datatype = metric.datatype;
  for (const [key, field] of METRIC_FLAGS) {
    const flag = metric[key];
    if (flag !== undefined && typeof flag !== 'boolean') throw new PayloadError(`${where}: ${key} must be a boolean`);
    if (flag === true && field !== '') wire[field] = true; // false is the default; leaving it out saves bytes
  }
  if (metric.isNull === true) {
    if (metric.value !== undefined) throw new PayloadError(`${where}: is null but has a value`);
  } else {
    if (metric.value === undefined) throw new PayloadError(`${where}: has no value and is not marked null`);
    const { field, value } = metricValueToWire(metric.datatype, metric.value, where);
    wire[field] = typeof value === 'bigint' ? uint64(value) : value;
  }
  return wire;
}

function metricFromWire(wire: WireObject, index: number): SparkplugMetric {
  const name = own(wire, 'name') as string | undefined;
  const aliasRaw = own(wire, 'alias');
  const alias = aliasRaw === undefined ? undefined : toBigInt(aliasRaw);
  const where = describeMetric(index, name, alias);
  if (name === undefined && alias === undefined) throw new PayloadError(`${where}: has neither a name nor an alias`);
  const datatype = (own(wire, 'datatype') as number | undefined) ?? DataType.Unknown;
  if (!isDataType(datatype)) throw new PayloadError(`${where}: unknown datatype ${datatype}`);
  const metric: SparkplugMetric = { datatype };
  if (name !== undefined) metric.name = name;
  if (alias !== undefined) metric.alias = alias;
  const timestamp = own(wire, 'timestamp');
  if (timestamp !== undefined) metric.timestamp = safeNumber(toBigInt(timestamp), `${where}: timestamp`);
  if (own(wire, 'is_historical') === true) metric.isHistorical = true;
  if (own(wire, 'is_transient') === true) metric.isTransient = true;
  if (own(wire, 'is_null') === true) metric.isNull = true;
  const field = VALUE_FIELDS.find((candidate) => own(wire, candidate) !== undefined);
  if (metric.isNull === true) {
    if (field !== undefined) throw new PayloadError(`${where}: is_null but carries ${field}`);
    if (datatype !== DataType.Unknown) supportedField(datatype, where);
    return metric;
  }
  if (field === undefined) throw new PayloadError(`${where}: carries no value and is not marked null`);
  const raw = own(wire, field);
  const value = field === 'long_value' ? toBigInt(raw) : (raw as WireValue);
  metric.value = metricValueFromWire(datatype, field, value, where);
  if (datatype === DataType.Unknown) metric.wireField = field;
  return metric;
}

/** The value field of a datatype this codec can carry, or a PayloadError saying why not. */
function supportedField(datatype: number, where: Label): ValueField {
  if (!isDataType(datatype)) throw new PayloadError(`${where}: unknown datatype ${describeJs(datatype, false)}`);
  const field = valueFieldOf(datatype);
  if (field === undefined || field === 'dataset_value' || field === 'template_value' || field === 'extension_value') {
    throw new PayloadError(`${where}: datatype ${describeDataType(datatype)} is not supported by this codec`);
  }
  return field;
}

function own(object: WireObject, key: string): unknown {
  // Decoded protobufjs messages inherit defaults from their prototype; only own keys were on the wire.
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** protobufjs yields uint64 as a long.js Long (or a number when long.js is absent). */
function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  const { low, high } = value as { low: number; high: number };
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

/** A Long-shaped value protobufjs writes exactly; decimal strings or numbers could lose bits. */
function uint64(value: number | bigint): { low: number; high: number; unsigned: true } {
  // Timestamps and aliases are non-negative and below 2^53: plain arithmetic, no BigInt work.
  const small = typeof value === 'number' ? value : value >= 0n && value <= MAX_SAFE_BIGINT ? Number(value) : -1;
  if (small >= 0) return { low: small % TWO_TO_32 | 0, high: Math.floor(small / TWO_TO_32) | 0, unsigned: true };
  const n = BigInt.asUintN(64, BigInt(value));
  return { low: Number(n & 0xffff_ffffn) | 0, high: Number(n >> 32n) | 0, unsigned: true };
}

/** A uint64 field value: the number itself below 2^53 (no allocation), else protobufjs' Long shape. */
function uint64OrNumber(value: bigint): number | { low: number; high: number; unsigned: true } {
  return value >= 0n && value <= MAX_SAFE_BIGINT ? Number(value) : uint64(value);
}

const TWO_TO_32 = 4_294_967_296;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new PayloadError(`${what} ${value} is beyond the safe integer range`);
  }
  return Number(value);
}

function checkTimestamp(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new PayloadError(`${what} must be a non-negative safe integer (ms since the epoch), got ${describeJs(value)}`);
  }
  return value;
}

function checkSeq(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
    throw new PayloadError(`seq must be an integer in 0..255, got ${describeJs(value)}`);
  }
  return value;
}

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new PayloadError(`${what} must be a string, got ${describeJs(value)}`);
  // A lone surrogate would be written as bytes that are not UTF-8, which the spec forbids.
  if (!value.isWellFormed()) throw new PayloadError(`${what} is not well-formed Unicode (lone surrogate)`);
  return value;
}

function describeMetric(index: number, name: unknown, alias: unknown): string {
  if (typeof name === 'string') return `metric ${index} (${JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name)})`;
  if (typeof alias === 'bigint') return `metric ${index} (alias ${alias})`;
  return `metric ${index}`;
}

function describeJs(value: unknown, withType = true): string {
  if (typeof value === 'number' && !withType) return String(value);
  if (value instanceof Uint8Array) return 'Uint8Array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return value === null ? 'null' : typeof value;
}

