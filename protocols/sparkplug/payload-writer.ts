/**
 * Serialises a validated Sparkplug payload (the wire-shaped object payload.ts builds) straight
 * into protobuf bytes, in field-number order exactly as protobufjs would, without protobufjs'
 * reflection. DATA messages are the hot path of the edge node; this writer makes encoding
 * several times cheaper (bench/RESULTS.md). tests/unit/sparkplug-writer.test.ts checks that its
 * bytes equal protobufjs' for the same input.
 */

/** A uint64 as protobufjs' Long shape (two 32-bit halves), or a non-negative safe integer. */
type Uint64 = { low: number; high: number } | number;

const TWO_TO_32 = 4_294_967_296;

const lowHalf = (value: Uint64): number => (typeof value === 'number' ? value % TWO_TO_32 : value.low) >>> 0;
const highHalf = (value: Uint64): number => (typeof value === 'number' ? Math.floor(value / TWO_TO_32) : value.high) >>> 0;

type Wire = Record<string, unknown>;

// Field tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
const TAG = {
  payloadTimestamp: 0x08,
  payloadMetric: 0x12,
  payloadSeq: 0x18,
  payloadUuid: 0x22,
  payloadBody: 0x2a,
  name: 0x0a,
  alias: 0x10,
  timestamp: 0x18,
  datatype: 0x20,
  isHistorical: 0x28,
  isTransient: 0x30,
  isNull: 0x38,
  intValue: 0x50,
  longValue: 0x58,
  floatValue: 0x65,
  doubleValue: 0x69,
  booleanValue: 0x70,
  stringValue: 0x7a,
  bytesValue: 0x82, // field 16 needs a two-byte tag: 0x82 0x01
} as const;

/** What the DATA fast path needs of a metric: already validated when its value was set. */
export interface DataMetricState {
  alias: bigint;
  /** The alias as a number when the caller has it ready (saves a BigInt conversion per message). */
  aliasWire?: number;
  timestamp: number;
  datatype: number;
  field: string | undefined;
  /** The wire value; undefined with `field` undefined means a null metric. */
  wire: number | bigint | boolean | string | Uint8Array | undefined;
}

const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A DATA payload straight from metric states, without building intermediate objects: the
 * same bytes encodePayload gives for `{ timestamp, seq, metrics: [{ alias, timestamp,
 * datatype (when withDatatype), value | isNull }] }` (tested).
 */
export function writeDataPayload(timestamp: number, seq: number | undefined, states: Iterable<DataMetricState>, withDatatype: boolean): Buffer {
  const list = [...states];
  const sizes = list.map((state) => dataMetricSize(state, withDatatype));
  let size = 1 + varint64Size(timestamp);
  for (const metricSizeBytes of sizes) size += 1 + varint32Size(metricSizeBytes) + metricSizeBytes;
  if (seq !== undefined) size += 1 + varint32Size(seq);
  const out = new Writer(size);
  out.byte(TAG.payloadTimestamp).varint64(timestamp);
  list.forEach((state, index) => {
    out.byte(TAG.payloadMetric).varint32(sizes[index]!);
    out.byte(TAG.alias).varint64(state.aliasWire ?? uint64Of(state.alias));
    out.byte(TAG.timestamp).varint64(state.timestamp);
    if (withDatatype) out.byte(TAG.datatype).varint32(state.datatype);
    if (state.field === undefined) out.byte(TAG.isNull).byte(1);
    else writeValue(out, state.field, wireOf(state));
  });
  if (seq !== undefined) out.byte(TAG.payloadSeq).varint32(seq);
  if (out.position !== size) throw new Error(`DATA writer sized ${size} bytes but wrote ${out.position}`);
  return out.buffer;
}

function dataMetricSize(state: DataMetricState, withDatatype: boolean): number {
  let size = 1 + varint64Size(state.aliasWire ?? uint64Of(state.alias)) + 1 + varint64Size(state.timestamp);
  if (withDatatype) size += 1 + varint32Size(state.datatype);
  size += state.field === undefined ? 2 : valueSize(state.field, wireOf(state));
  return size;
}

function wireOf(state: DataMetricState): unknown {
  return typeof state.wire === 'bigint' ? uint64Of(state.wire) : state.wire;
}

/** Bytes of one value field, tag included. */
function valueSize(field: string, value: unknown): number {
  switch (field) {
    case 'int_value':
      return 1 + varint32Size(value as number);
    case 'long_value':
      return 1 + varint64Size(value as Uint64);
    case 'float_value':
      return 5;
    case 'double_value':
      return 9;
    case 'boolean_value':
      return 2;
    case 'string_value':
      return 1 + lengthDelimitedSize(Buffer.byteLength(value as string));
    case 'bytes_value':
      return 2 + lengthDelimitedSize((value as Uint8Array).byteLength);
    default:
      throw new Error(`the payload writer cannot write ${field}`);
  }
}

function writeValue(out: Writer, field: string, value: unknown): void {
  switch (field) {
    case 'int_value':
      out.byte(TAG.intValue).varint32(value as number);
      return;
    case 'long_value':
      out.byte(TAG.longValue).varint64(value as Uint64);
      return;
    case 'float_value':
      out.byte(TAG.floatValue).float(value as number);
      return;
    case 'double_value':
      out.byte(TAG.doubleValue).double(value as number);
      return;
    case 'boolean_value':
      out.byte(TAG.booleanValue).byte(value ? 1 : 0);
      return;
    case 'string_value':
      out.byte(TAG.stringValue).string(value as string);
      return;
    case 'bytes_value':
      out.byte(TAG.bytesValue).byte(0x01).bytes(value as Uint8Array);
      return;
    default:
      throw new Error(`the payload writer cannot write ${field}`);
  }
}

const VALUE_FIELD_NAMES = ['int_value', 'long_value', 'float_value', 'double_value', 'boolean_value', 'string_value', 'bytes_value'] as const;

function uint64Of(value: bigint): Uint64 {
  if (value >= 0n && value <= MAX_SAFE_BIGINT) return Number(value);
  const n = BigInt.asUintN(64, value);
  return { low: Number(n & 0xffff_ffffn) | 0, high: Number(n >> 32n) | 0 };
}

export function writePayload(payload: Wire): Buffer {
  const metrics = (payload.metrics as Wire[] | undefined) ?? [];
  const metricSizes = metrics.map(metricSize);
  let size = 0;
  if (payload.timestamp !== undefined) size += 1 + varint64Size(payload.timestamp as Uint64);
  for (const metricSizeBytes of metricSizes) size += 1 + varint32Size(metricSizeBytes) + metricSizeBytes;
  if (payload.seq !== undefined) size += 1 + varint32Size(payload.seq as number);
  if (payload.uuid !== undefined) size += 1 + lengthDelimitedSize(Buffer.byteLength(payload.uuid as string));
  if (payload.body !== undefined) size += 1 + lengthDelimitedSize((payload.body as Uint8Array).byteLength);

  const out = new Writer(size);
  if (payload.timestamp !== undefined) out.byte(TAG.payloadTimestamp).varint64(payload.timestamp as Uint64);
  metrics.forEach((metric, index) => {
    out.byte(TAG.payloadMetric).varint32(metricSizes[index]!);
    writeMetric(out, metric);
  });
  if (payload.seq !== undefined) out.byte(TAG.payloadSeq).varint32(payload.seq as number);
  if (payload.uuid !== undefined) out.byte(TAG.payloadUuid).string(payload.uuid as string);
  if (payload.body !== undefined) out.byte(TAG.payloadBody).bytes(payload.body as Uint8Array);
  if (out.position !== size) throw new Error(`payload writer sized ${size} bytes but wrote ${out.position}`);
  return out.buffer;
}

function metricSize(metric: Wire): number {
  let size = 0;
  if (metric.name !== undefined) size += 1 + lengthDelimitedSize(Buffer.byteLength(metric.name as string));
  if (metric.alias !== undefined) size += 1 + varint64Size(metric.alias as Uint64);
  if (metric.timestamp !== undefined) size += 1 + varint64Size(metric.timestamp as Uint64);
  if (metric.datatype !== undefined) size += 1 + varint32Size(metric.datatype as number);
  for (const flag of ['is_historical', 'is_transient', 'is_null']) if (metric[flag] === true) size += 2;
  for (const field of VALUE_FIELD_NAMES) if (metric[field] !== undefined) size += valueSize(field, metric[field]);
  return size;
}

function writeMetric(out: Writer, metric: Wire): void {
  if (metric.name !== undefined) out.byte(TAG.name).string(metric.name as string);
  if (metric.alias !== undefined) out.byte(TAG.alias).varint64(metric.alias as Uint64);
  if (metric.timestamp !== undefined) out.byte(TAG.timestamp).varint64(metric.timestamp as Uint64);
  if (metric.datatype !== undefined) out.byte(TAG.datatype).varint32(metric.datatype as number);
  if (metric.is_historical === true) out.byte(TAG.isHistorical).byte(1);
  if (metric.is_transient === true) out.byte(TAG.isTransient).byte(1);
  if (metric.is_null === true) out.byte(TAG.isNull).byte(1);
  for (const field of VALUE_FIELD_NAMES) if (metric[field] !== undefined) writeValue(out, field, metric[field]);
}

function varint32Size(value: number): number {
  const v = value >>> 0;
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function varint64Size(value: Uint64): number {
  if (typeof value === 'number' && value < 0x80000000) return varint32Size(value);
  let lo = lowHalf(value);
  let hi = highHalf(value);
  let size = 1;
  while (hi !== 0 || lo > 0x7f) {
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
    size += 1;
  }
  return size;
}

function lengthDelimitedSize(length: number): number {
  return varint32Size(length) + length;
}

class Writer {
  readonly buffer: Buffer;
  position = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  byte(value: number): this {
    this.buffer[this.position++] = value;
    return this;
  }

  varint32(value: number): this {
    let v = value >>> 0;
    while (v > 0x7f) {
      this.buffer[this.position++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[this.position++] = v;
    return this;
  }

  varint64(value: Uint64): this {
    if (typeof value === 'number' && value < 0x80000000) return this.varint32(value);
    let lo = lowHalf(value);
    let hi = highHalf(value);
    while (hi !== 0 || lo > 0x7f) {
      this.buffer[this.position++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buffer[this.position++] = lo;
    return this;
  }

  float(value: number): this {
    this.buffer.writeFloatLE(value, this.position);
    this.position += 4;
    return this;
  }

  double(value: number): this {
    this.buffer.writeDoubleLE(value, this.position);
    this.position += 8;
    return this;
  }

  string(value: string): this {
    const length = Buffer.byteLength(value);
    this.varint32(length);
    this.buffer.write(value, this.position, length, 'utf8');
    this.position += length;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.varint32(value.byteLength);
    this.buffer.set(value, this.position);
    this.position += value.byteLength;
    return this;
  }
}
