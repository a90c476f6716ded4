/**
 * Sparkplug B datatypes (Sparkplug 3.0.0, "Data Types" / "Datatype Details") and the
 * facts the payload codec needs about each: which field of the Metric `value` oneof
 * carries it, and what range an integer type allows. Pure tables, no I/O.
 */

/** Datatype numbers exactly as the specification's DataType enum assigns them. */
export const DataType = {
  Unknown: 0,
  Int8: 1,
  Int16: 2,
  Int32: 3,
  Int64: 4,
  UInt8: 5,
  UInt16: 6,
  UInt32: 7,
  UInt64: 8,
  Float: 9,
  Double: 10,
  Boolean: 11,
  String: 12,
  DateTime: 13,
  Text: 14,
  UUID: 15,
  DataSet: 16,
  Bytes: 17,
  File: 18,
  Template: 19,
  PropertySet: 20,
  PropertySetList: 21,
  Int8Array: 22,
  Int16Array: 23,
  Int32Array: 24,
  Int64Array: 25,
  UInt8Array: 26,
  UInt16Array: 27,
  UInt32Array: 28,
  UInt64Array: 29,
  FloatArray: 30,
  DoubleArray: 31,
  BooleanArray: 32,
  StringArray: 33,
  DateTimeArray: 34,
} as const;

export type DataTypeName = keyof typeof DataType;
export type DataType = (typeof DataType)[DataTypeName];

/** Fields of the Metric `value` oneof, named as in the .proto (keepCase). */
export type ValueField =
  | 'int_value'
  | 'long_value'
  | 'float_value'
  | 'double_value'
  | 'boolean_value'
  | 'string_value'
  | 'bytes_value'
  | 'dataset_value'
  | 'template_value'
  | 'extension_value';

export const VALUE_FIELDS: readonly ValueField[] = [
  'int_value',
  'long_value',
  'float_value',
  'double_value',
  'boolean_value',
  'string_value',
  'bytes_value',
  'dataset_value',
  'template_value',
  'extension_value',
];

const NAMES: readonly DataTypeName[] = (Object.keys(DataType) as DataTypeName[]).sort((a, b) => DataType[a] - DataType[b]);

export function isDataType(value: unknown): value is DataType {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < NAMES.length;
}

/** The enum name of a datatype number, or undefined for a number the spec does not define. */
export function dataTypeName(datatype: number): DataTypeName | undefined {
  return isDataType(datatype) ? NAMES[datatype] : undefined;
}

/** For messages: the name when the number is defined, else the bare number. */
export function describeDataType(datatype: number): string {
  return dataTypeName(datatype) ?? String(datatype);
}

/**
 * Which Metric value field carries a datatype ("Google Protocol Buffer Type" in the spec).
 * Undefined for Unknown (no value type is implied) and for PropertySet / PropertySetList,
 * which the spec defines only as PropertyValue types, never as metric values.
 */
export function valueFieldOf(datatype: DataType): ValueField | undefined {
  if (datatype >= DataType.Int8Array) return 'bytes_value'; // spec: every array type uses bytes_value
  switch (datatype) {
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.UInt8:
    case DataType.UInt16:
    case DataType.UInt32:
      return 'int_value';
    case DataType.Int64:
    case DataType.UInt64:
    case DataType.DateTime:
      return 'long_value';
    case DataType.Float:
      return 'float_value';
    case DataType.Double:
      return 'double_value';
    case DataType.Boolean:
      return 'boolean_value';
    case DataType.String:
    case DataType.Text:
    case DataType.UUID:
      return 'string_value';
    case DataType.Bytes:
    case DataType.File:
      return 'bytes_value';
    case DataType.DataSet:
      return 'dataset_value';
    case DataType.Template:
      return 'template_value';
    default:
      return undefined;
  }
}

/** The inclusive value range of an integer datatype. */
export interface IntegerRange {
  readonly min: bigint;
  readonly max: bigint;
  /** Width of the wire field (uint32 or uint64) that carries the value in two's complement. */
  readonly wireBits: 32 | 64;
  readonly signed: boolean;
}

const range = (bits: number, signed: boolean, wireBits: 32 | 64): IntegerRange => ({
  min: signed ? -(1n << BigInt(bits - 1)) : 0n,
  max: signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n,
  wireBits,
  signed,
});

const INTEGER_RANGES: ReadonlyMap<number, IntegerRange> = new Map([
  [DataType.Int8, range(8, true, 32)],
  [DataType.Int16, range(16, true, 32)],
  [DataType.Int32, range(32, true, 32)],
  [DataType.UInt8, range(8, false, 32)],
  [DataType.UInt16, range(16, false, 32)],
  [DataType.UInt32, range(32, false, 32)],
  [DataType.Int64, range(64, true, 64)],
  [DataType.UInt64, range(64, false, 64)],
  // Milliseconds since the epoch, unsigned per the spec. Capped at the safe-integer limit
  // because DateTime values are JS numbers (Date and Date.now() never exceed it anyway).
  [DataType.DateTime, { min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER), wireBits: 64, signed: false }],
]);

/** Range of an integer datatype (Int*, UInt*, DateTime); undefined for the others. */
export function integerRangeOf(datatype: DataType): IntegerRange | undefined {
  return INTEGER_RANGES.get(datatype);
}

/** Bytes per element of the fixed-width array types; undefined for other types. */
export function arrayElementSize(datatype: DataType): number | undefined {
  switch (datatype) {
    case DataType.Int8Array:
    case DataType.UInt8Array:
      return 1;
    case DataType.Int16Array:
    case DataType.UInt16Array:
      return 2;
    case DataType.Int32Array:
    case DataType.UInt32Array:
    case DataType.FloatArray:
      return 4;
    case DataType.Int64Array:
    case DataType.UInt64Array:
    case DataType.DoubleArray:
    case DataType.DateTimeArray:
      return 8;
    default:
      return undefined;
  }
}

/**
 * Why packed array bytes cannot be of the given array datatype, or undefined when they can.
 * Checks only the framing the spec defines: whole elements for fixed-width types, the 4-byte
 * little-endian count plus bit-packed bytes for BooleanArray, NUL-terminated strings for
 * StringArray.
 */
export function arrayBytesProblem(datatype: DataType, bytes: Uint8Array): string | undefined {
  const size = arrayElementSize(datatype);
  if (size !== undefined) {
    return bytes.length % size === 0 ? undefined : `${bytes.length} bytes is not a whole number of ${size}-byte elements`;
  }
  if (datatype === DataType.BooleanArray) {
    if (bytes.length < 4) return `${bytes.length} bytes is too short for the 4-byte element count`;
    const count = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
    const expected = 4 + Math.ceil(count / 8);
    return bytes.length === expected ? undefined : `${count} booleans need ${expected} bytes, found ${bytes.length}`;
  }
  if (datatype === DataType.StringArray && bytes.length > 0 && bytes[bytes.length - 1] !== 0) {
    return 'the last string is not NUL-terminated';
  }
  return undefined;
}
