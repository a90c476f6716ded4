/**
 * An independent, minimal protobuf wire decoder for Sparkplug B payloads, for tests only.
 *
 * It shares nothing with the production codec (no protobufjs, no import from protocols/): field
 * numbers and wire types are written out here from the Sparkplug 3.0 schema, so a test that reads
 * our encoder's bytes with it checks the bytes themselves, not the encoder against itself.
 *
 * It is strict where a lenient reader would hide encoder bugs: a singular field that appears
 * twice, two fields of the value oneof, a wire type that does not match the schema, a uint32 field
 * wider than 32 bits, a bool other than 0/1, invalid UTF-8 and truncation all throw. Unknown
 * fields and the fields it does not model (metadata, properties, dataset, template) are skipped.
 */

export interface WireMetric {
  name?: string;
  alias?: bigint;
  timestamp?: bigint;
  datatype?: number;
  is_historical?: boolean;
  is_transient?: boolean;
  is_null?: boolean;
  int_value?: number;
  long_value?: bigint;
  float_value?: number;
  double_value?: number;
  boolean_value?: boolean;
  string_value?: string;
  bytes_value?: Uint8Array;
}

export interface WirePayload {
  timestamp?: bigint;
  seq?: bigint;
  uuid?: string;
  body?: Uint8Array;
  metrics: WireMetric[];
}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** Metric fields 10..19 form the `value` oneof. */
const METRIC_VALUE_FIELDS = new Set([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

type Field = { number: number; wireType: number; varint?: bigint; bytes?: Uint8Array; start: number };

/** Splits a message into its fields (no interpretation beyond the wire format). */
function readFields(buf: Uint8Array, what: string): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let i = 0; i < 10; i += 1) {
      if (pos >= buf.length) throw new Error(`${what}: truncated varint at offset ${pos}`);
      const byte = buf[pos++] as number;
      if (i === 9 && byte > 1) throw new Error(`${what}: varint longer than 64 bits at offset ${pos - 1}`);
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return result;
    }
    throw new Error(`${what}: varint longer than 10 bytes at offset ${pos}`);
  };
  const take = (length: number): Uint8Array => {
    if (pos + length > buf.length) throw new Error(`${what}: ${length} bytes needed at offset ${pos}, only ${buf.length - pos} left`);
    const bytes = buf.subarray(pos, pos + length);
    pos += length;
    return bytes;
  };
  while (pos < buf.length) {
    const start = pos;
    const key = varint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (number === 0 || key >> 3n > 0x1fffffffn) throw new Error(`${what}: invalid field number ${key >> 3n} at offset ${start}`);
    if (wireType === VARINT) fields.push({ number, wireType, varint: varint(), start });
    else if (wireType === I64) fields.push({ number, wireType, bytes: take(8), start });
    else if (wireType === LEN) {
      const length = varint();
      if (length > BigInt(buf.length - pos)) {
        throw new Error(`${what}: field ${number} at offset ${start} claims ${length} bytes, only ${buf.length - pos} left`);
      }
      fields.push({ number, wireType, bytes: take(Number(length)), start });
    } else if (wireType === I32) fields.push({ number, wireType, bytes: take(4), start });
    else throw new Error(`${what}: unsupported wire type ${wireType} (field ${number}) at offset ${start}`);
  }
  return fields;
}

function expectWireType(field: Field, wireType: number, what: string): void {
  if (field.wireType !== wireType) {
    throw new Error(`${what}: field ${field.number} has wire type ${field.wireType}, the schema says ${wireType}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function asString(field: Field, what: string): string {
  expectWireType(field, LEN, what);
  try {
    return utf8.decode(field.bytes);
  } catch {
    throw new Error(`${what}: field ${field.number} is not valid UTF-8`);
  }
}

function asUint64(field: Field, what: string): bigint {
  expectWireType(field, VARINT, what);
  return field.varint as bigint;
}

function asUint32(field: Field, what: string): number {
  const value = asUint64(field, what);
  if (value > 0xffffffffn) throw new Error(`${what}: field ${field.number} is a uint32 but carries ${value}`);
  return Number(value);
}

function asBool(field: Field, what: string): boolean {
  const value = asUint64(field, what);
  if (value > 1n) throw new Error(`${what}: field ${field.number} is a bool but carries ${value}`);
  return value === 1n;
}

function asBytes(field: Field, what: string): Uint8Array {
  expectWireType(field, LEN, what);
  return Uint8Array.from(field.bytes as Uint8Array);
}

function view(field: Field): DataView {
  const bytes = field.bytes as Uint8Array;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Assigns a singular field once; a second occurrence is reported instead of silently winning. */
function setOnce<T extends object, K extends keyof T>(target: T, key: K, value: T[K], what: string): void {
  if (Object.hasOwn(target, key)) throw new Error(`${what}: field ${String(key)} appears more than once`);
  target[key] = value;
}

function readMetric(buf: Uint8Array, what: string): WireMetric {
  const metric: WireMetric = {};
  let valueField: number | undefined;
  for (const field of readFields(buf, what)) {
    if (METRIC_VALUE_FIELDS.has(field.number)) {
      if (valueField !== undefined) throw new Error(`${what}: value oneof carries both field ${valueField} and field ${field.number}`);
      valueField = field.number;
    }
    switch (field.number) {
      case 1: setOnce(metric, 'name', asString(field, what), what); break;
      case 2: setOnce(metric, 'alias', asUint64(field, what), what); break;
      case 3: setOnce(metric, 'timestamp', asUint64(field, what), what); break;
      case 4: setOnce(metric, 'datatype', asUint32(field, what), what); break;
      case 5: setOnce(metric, 'is_historical', asBool(field, what), what); break;
      case 6: setOnce(metric, 'is_transient', asBool(field, what), what); break;
      case 7: setOnce(metric, 'is_null', asBool(field, what), what); break;
      case 8: case 9: case 17: case 18: case 19: expectWireType(field, LEN, what); break; // not modelled
      case 10: metric.int_value = asUint32(field, what); break;
      case 11: metric.long_value = asUint64(field, what); break;
      case 12: expectWireType(field, I32, what); metric.float_value = view(field).getFloat32(0, true); break;
      case 13: expectWireType(field, I64, what); metric.double_value = view(field).getFloat64(0, true); break;
      case 14: metric.boolean_value = asBool(field, what); break;
      case 15: metric.string_value = asString(field, what); break;
      case 16: metric.bytes_value = asBytes(field, what); break;
      default: break; // unknown field: skipped, as protobuf requires
    }
  }
  return metric;
}

/** Decodes a Sparkplug B Payload by field number. Throws an Error naming the problem on bad input. */
export function readSparkplugWire(bytes: Uint8Array): WirePayload {
  const payload: WirePayload = { metrics: [] };
  const what = 'payload';
  for (const field of readFields(bytes, what)) {
    switch (field.number) {
      case 1: setOnce(payload, 'timestamp', asUint64(field, what), what); break;
      case 2: {
        const where = `metric ${payload.metrics.length}`;
        expectWireType(field, LEN, where);
        payload.metrics.push(readMetric(field.bytes as Uint8Array, where));
        break;
      }
      case 3: setOnce(payload, 'seq', asUint64(field, what), what); break;
      case 4: setOnce(payload, 'uuid', asString(field, what), what); break;
      case 5: setOnce(payload, 'body', asBytes(field, what), what); break;
      default: break;
    }
  }
  return payload;
}
