import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { PayloadError, decodePayload, encodePayload, metricValueFromWire } from '../../protocols/sparkplug/payload.ts';
import type { MetricValue, SparkplugMetric, SparkplugPayload } from '../../protocols/sparkplug/payload.ts';
import { readSparkplugWire } from '../support/sparkplug-wire-reader.ts';

// --- a hand-written protobuf writer, so test inputs do not depend on the encoder under test ---
const varint = (value: number | bigint): number[] => {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return out;
};
const key = (field: number, wireType: number) => varint((field << 3) | wireType);
const u = (field: number, value: number | bigint) => [...key(field, 0), ...varint(value)];
const len = (field: number, bytes: number[] | Uint8Array) => [...key(field, 2), ...varint(bytes.length), ...bytes];
const str = (field: number, text: string) => len(field, new TextEncoder().encode(text));
const f32 = (field: number, value: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, value, true);
  return [...key(field, 5), ...b];
};
const bytesOf = (...parts: number[][]) => new Uint8Array(parts.flat());
const metricBytes = (...fields: number[][]) => len(2, fields.flat());
const U32 = 2 ** 32;
const U64_MAX = (1n << 64n) - 1n;

const roundTrip = (payload: SparkplugPayload) => decodePayload(encodePayload(payload));
const one = (metric: SparkplugMetric): SparkplugMetric => roundTrip({ metrics: [metric] }).metrics[0] as SparkplugMetric;

function rejects(run: () => unknown, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof PayloadError, `expected a PayloadError, got ${String(error)}`);
    assert.equal(error.code, 'EBADMSG');
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe('Sparkplug payload round trip', () => {
  const cases: Array<[keyof typeof DataType, MetricValue, MetricValue?]> = [
    ['Int8', -128], ['Int8', 127], ['Int8', 0], ['Int8', -1],
    ['Int16', -32768], ['Int16', 32767],
    ['Int32', -2147483648], ['Int32', 2147483647], ['Int32', -1], ['Int32', 7n, 7],
    ['UInt8', 255], ['UInt16', 65535], ['UInt32', U32 - 1], ['UInt32', 0],
    ['Int64', -(1n << 63n)], ['Int64', (1n << 63n) - 1n], ['Int64', -1n], ['Int64', -5, -5n],
    ['UInt64', U64_MAX], ['UInt64', 0n], ['UInt64', 42, 42n],
    ['DateTime', 1_700_000_000_123], ['DateTime', 0], ['DateTime', Number.MAX_SAFE_INTEGER],
    ['Float', Math.fround(3.14)], ['Float', NaN], ['Float', Infinity], ['Float', -Infinity], ['Float', -0],
    ['Float', 3.4028234663852886e38],
    ['Double', Math.PI], ['Double', NaN], ['Double', Infinity], ['Double', -Infinity], ['Double', -0],
    ['Double', Number.MIN_VALUE], ['Double', -Number.MAX_VALUE],
    ['Boolean', true], ['Boolean', false],
    ['String', ''], ['String', 'héllo ✓ 😀 /\u0000'], ['Text', 'line 1\nline 2'], ['UUID', '0b8e8f8a-2c4b-4c6e-9a55-3f2b1e0c9d7a'],
    ['Bytes', new Uint8Array()], ['Bytes', new Uint8Array([0, 1, 254, 255])], ['File', new Uint8Array([0x25, 0x50, 0x44, 0x46])],
    ['Int32Array', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xfa, 0xaf, 0xcb, 0x12])],
    ['BooleanArray', new Uint8Array([0x0c, 0, 0, 0, 0x34, 0xd0])],
    ['StringArray', new Uint8Array([0x41, 0x42, 0x43, 0, 0x68, 0x69, 0])],
  ];
  for (const [type, value, expected = value] of cases) {
    const label = value instanceof Uint8Array ? `[${String(value)}]` : typeof value === 'string' ? JSON.stringify(value) : String(value);
    it(`${type} ${label}`, () => {
      const metric = one({ name: `m/${type}`, datatype: DataType[type], value });
      assert.deepEqual(metric, { name: `m/${type}`, datatype: DataType[type], value: expected });
    });
  }

  it('keeps payload fields, aliases, timestamps and flags', () => {
    const payload: SparkplugPayload = {
      timestamp: 1_700_000_000_000,
      seq: 255,
      uuid: 'schema-1',
      body: new Uint8Array([9, 8, 7]),
      metrics: [
        { name: 'Door/Locked', alias: 12n, timestamp: 1_699_999_999_000, datatype: DataType.Boolean, isHistorical: true, value: true },
        { alias: U64_MAX, datatype: DataType.String, isTransient: true, value: 'x' },
        { name: 'Door/Error', datatype: DataType.Int32, isNull: true },
        { name: 'Scan', alias: 0n, datatype: DataType.String, isNull: true, isHistorical: true },
      ],
    };
    assert.deepEqual(roundTrip(payload), payload);
    assert.deepEqual(roundTrip({ metrics: [] }), { metrics: [] });
  });

  it('decodes a metric sent without datatype as Unknown with its raw wire value, retypable later', () => {
    const decoded = one({ alias: 3n, datatype: DataType.Int8, value: -3, omitDatatype: true });
    assert.deepEqual(decoded, { alias: 3n, datatype: DataType.Unknown, value: U32 - 3, wireField: 'int_value' });
    assert.equal(metricValueFromWire(DataType.Int8, decoded.wireField!, decoded.value as number), -3);
  });
});

describe('Sparkplug payload bytes, read by the independent wire reader', () => {
  it('puts every field at its Sparkplug field number', () => {
    const wire = readSparkplugWire(encodePayload({
      timestamp: 1_700_000_000_000,
      seq: 7,
      uuid: 'u',
      body: new Uint8Array([1]),
      metrics: [{ name: 'a', alias: 5n, timestamp: 1_700_000_000_001, datatype: DataType.Int32, isHistorical: true, value: -1 }],
    }));
    assert.deepEqual(wire, {
      timestamp: 1_700_000_000_000n,
      seq: 7n,
      uuid: 'u',
      body: new Uint8Array([1]),
      metrics: [{ name: 'a', alias: 5n, timestamp: 1_700_000_000_001n, datatype: 3, is_historical: true, int_value: 4294967295 }],
    });
  });

  it('writes signed integers in two\'s complement at the field width', () => {
    const wire = readSparkplugWire(encodePayload({
      metrics: [
        { name: 'i8', datatype: DataType.Int8, value: -128 },
        { name: 'i16', datatype: DataType.Int16, value: -2 },
        { name: 'i64', datatype: DataType.Int64, value: -1n },
        { name: 'u32', datatype: DataType.UInt32, value: U32 - 1 },
        { name: 'dt', datatype: DataType.DateTime, value: 1_700_000_000_000 },
      ],
    }));
    assert.deepEqual(wire.metrics.map((m) => m.int_value ?? m.long_value), [0xffffff80, 0xfffffffe, U64_MAX, U32 - 1, 1_700_000_000_000n]);
  });

  it('uses the value field the spec assigns to each datatype, and writes false/empty values', () => {
    const wire = readSparkplugWire(encodePayload({
      metrics: [
        { name: 'f', datatype: DataType.Float, value: 1.5 },
        { name: 'd', datatype: DataType.Double, value: -2.25 },
        { name: 'b', datatype: DataType.Boolean, value: false },
        { name: 's', datatype: DataType.Text, value: '' },
        { name: 'y', datatype: DataType.File, value: new Uint8Array() },
        { name: 'n', datatype: DataType.UUID, isNull: true },
        { alias: 9n, datatype: DataType.UInt16, value: 9, omitDatatype: true },
      ],
    }));
    assert.deepEqual(wire.metrics, [
      { name: 'f', datatype: 9, float_value: 1.5 },
      { name: 'd', datatype: 10, double_value: -2.25 },
      { name: 'b', datatype: 11, boolean_value: false },
      { name: 's', datatype: 14, string_value: '' },
      { name: 'y', datatype: 18, bytes_value: new Uint8Array() },
      { name: 'n', datatype: 15, is_null: true },
      { alias: 9n, int_value: 9 },
    ]);
  });

  it('the wire reader rejects malformed input', () => {
    assert.throws(() => readSparkplugWire(new Uint8Array([0x12, 0x05, 0x0a])), /field 2 at offset 0 claims 5 bytes, only 1 left/);
    assert.throws(() => readSparkplugWire(new Uint8Array([0x0d, 1, 2])), /4 bytes needed at offset 1, only 2 left/);
    assert.throws(() => readSparkplugWire(bytesOf(metricBytes(u(10, 1), u(14, 1)))), /both field 10 and field 14/);
    assert.throws(() => readSparkplugWire(bytesOf(metricBytes(u(10, 2n ** 40n)))), /uint32 but carries/);
    assert.throws(() => readSparkplugWire(bytesOf(u(3, 1), u(3, 2))), /appears more than once/);
    assert.throws(() => readSparkplugWire(new Uint8Array([0x0b])), /wire type 3/);
  });
});

describe('decoding bytes assembled by hand', () => {
  it('reads a payload with fields out of order and an unknown field', () => {
    const payload = bytesOf(
      u(3, 3),
      metricBytes(str(1, 'Door/Locked'), u(2, 7), u(4, DataType.Boolean), u(14, 1)),
      u(99, 123), // unknown field: skipped
      metricBytes(u(2, 8), u(4, DataType.Int8), u(10, 0xffffff85)),
      metricBytes(str(1, 'temp'), u(3, 1_700_000_000_500), u(4, DataType.Float), f32(12, 21.5)),
      metricBytes(str(1, 'big'), u(4, DataType.Int64), u(11, 1n << 63n), u(5, 1)),
      u(1, 1_700_000_000_000),
    );
    assert.deepEqual(decodePayload(payload), {
      timestamp: 1_700_000_000_000,
      seq: 3,
      metrics: [
        { name: 'Door/Locked', alias: 7n, datatype: DataType.Boolean, value: true },
        { alias: 8n, datatype: DataType.Int8, value: -123 },
        { name: 'temp', timestamp: 1_700_000_000_500, datatype: DataType.Float, value: 21.5 },
        { name: 'big', datatype: DataType.Int64, isHistorical: true, value: -(1n << 63n) },
      ],
    });
  });

  it('accepts a Rebirth command whose host wrote seq -1 (2^64-1), as Java hosts do', () => {
    const rebirth = metricBytes(str(1, 'Node Control/Rebirth'), u(3, 1_687_369_422_751), u(4, 11), u(7, 0), u(14, 1));
    const ncmd = bytesOf(u(1, 1_687_369_422_751), rebirth, u(3, U64_MAX));
    assert.deepEqual(decodePayload(ncmd), {
      timestamp: 1_687_369_422_751,
      seq: -1,
      metrics: [{ name: 'Node Control/Rebirth', timestamp: 1_687_369_422_751, datatype: DataType.Boolean, value: true }],
    });
  });

  it('returns byte values that do not alias the input buffer', () => {
    const input = bytesOf(metricBytes(str(1, 'b'), u(4, DataType.Bytes), len(16, [1, 2, 3])));
    const value = decodePayload(Buffer.from(input)).metrics[0]?.value as Uint8Array;
    input.fill(0);
    assert.deepEqual(value, new Uint8Array([1, 2, 3]));
  });
});

describe('rejections', () => {
  // Three valid metrics first, so the bad one is metric 3 and the index in messages is tested too.
  const three = [
    metricBytes(str(1, 'a'), u(4, 11), u(14, 1)),
    metricBytes(str(1, 'b'), u(4, 11), u(14, 0)),
    metricBytes(u(2, 1), u(4, 12), str(15, '')),
  ];
  const decodeWith = (...metric: number[][]) => () => decodePayload(bytesOf(...three, metricBytes(...metric)));
  const encodeOne = (metric: Partial<SparkplugMetric>) => () => encodePayload({ metrics: [metric as SparkplugMetric] });

  it('a value in the wrong field for its datatype', () => {
    rejects(
      decodeWith(str(1, 'Door/Locked'), u(4, DataType.Boolean), str(15, 'true')),
      'metric 3 ("Door/Locked"): datatype Boolean but carries string_value',
    );
  });

  it('bytes that are not a protobuf message', () => {
    rejects(() => decodePayload(new Uint8Array([0x0f])), /^not a Sparkplug payload: invalid wire type 7/);
    rejects(() => decodePayload(new Uint8Array([0x12, 0x05, 0x0a])), /^not a Sparkplug payload: index out of range/);
    rejects(() => decodePayload('hello' as unknown as Uint8Array), 'not a Sparkplug payload: expected bytes, got string');
  });

  it('payloads over the size and metric-count limits', () => {
    rejects(() => decodePayload(new Uint8Array(300_000)), 'payload of 300000 bytes exceeds the 262144-byte limit');
    rejects(() => decodePayload(bytesOf(...three), { maxMetrics: 2 }), 'payload carries 3 metrics, more than the limit of 2');
    rejects(() => decodePayload(bytesOf(...three), { maxBytes: 10 }), /^payload of \d+ bytes exceeds the 10-byte limit$/);
  });

  it('unknown and unsupported datatypes', () => {
    rejects(decodeWith(str(1, 'x'), u(4, 99), u(10, 1)), 'metric 3 ("x"): unknown datatype 99');
    rejects(decodeWith(str(1, 'x'), u(4, DataType.DataSet), len(17, [])), 'metric 3 ("x"): datatype DataSet is not supported by this codec');
    rejects(decodeWith(str(1, 'x'), u(4, DataType.PropertySet), u(10, 1)), /datatype PropertySet is not supported by this codec/);
    rejects(encodeOne({ name: 'x', datatype: 35, value: 1 }), 'metric 0 ("x"): unknown datatype 35');
    rejects(encodeOne({ name: 'x', datatype: DataType.Template, isNull: true }), 'metric 0 ("x"): datatype Template is not supported by this codec');
  });

  it('values outside their datatype range on the wire', () => {
    rejects(
      decodeWith(str(1, 'x'), u(4, DataType.Int8), u(10, 300)),
      'metric 3 ("x"): int_value 300 does not fit Int8 (-128..127, two\'s complement in 32 bits)',
    );
    rejects(decodeWith(str(1, 'x'), u(4, DataType.Int8), u(10, 0xff)), /int_value 255 does not fit Int8/);
    rejects(decodeWith(str(1, 'x'), u(4, DataType.UInt8), u(10, 256)), 'metric 3 ("x"): int_value 256 does not fit UInt8 (0..255)');
    rejects(decodeWith(u(2, 4), u(4, DataType.Int16), u(10, 0x8000)), /^metric 3 \(alias 4\): int_value 32768 does not fit Int16/);
    rejects(decodeWith(str(1, 'x'), u(4, DataType.DateTime), u(11, U64_MAX)), /long_value 18446744073709551615 does not fit DateTime/);
    rejects(decodeWith(str(1, 'x'), u(3, U64_MAX), u(4, 11), u(14, 1)), /"x"\): timestamp 18446744073709551615 is beyond the safe integer range$/);
    rejects(decodeWith(str(1, 'x'), u(4, DataType.Int32Array), len(16, [1, 2, 3])), /"x"\): Int32Array 3 bytes is not a whole number of 4-byte elements$/);
  });

  it('null, missing and contradictory values, and metrics with no identity', () => {
    rejects(decodeWith(str(1, 'x'), u(4, 3), u(7, 1), u(10, 1)), 'metric 3 ("x"): is_null but carries int_value');
    rejects(decodeWith(str(1, 'x'), u(4, 3)), 'metric 3 ("x"): carries no value and is not marked null');
    rejects(decodeWith(u(4, 3), u(10, 1)), 'metric 3: has neither a name nor an alias');
    rejects(encodeOne({ name: 'x', datatype: 3, isNull: true, value: 1 }), 'metric 0 ("x"): is null but has a value');
    rejects(encodeOne({ name: 'x', datatype: 3 }), 'metric 0 ("x"): has no value and is not marked null');
    rejects(encodeOne({ datatype: 3, value: 1 }), 'metric 0: has neither a name nor an alias');
  });

  it('aliases out of range', () => {
    rejects(encodeOne({ alias: -1n, datatype: 11, value: true }), 'metric 0 (alias -1): alias bigint -1 is out of range (a bigint in 0..2^64-1)');
    rejects(encodeOne({ alias: 1n << 64n, datatype: 11, value: true }), /alias bigint 18446744073709551616 is out of range/);
    rejects(encodeOne({ name: 'x', alias: 5 as unknown as bigint, datatype: 11, value: true }), /alias number 5 is out of range/);
  });

  it('encoding values of the wrong JS type or out of range', () => {
    const enc = (datatype: number, value: unknown) => encodeOne({ name: 'v', datatype, value: value as MetricValue });
    rejects(enc(DataType.Boolean, 'true'), 'metric 0 ("v"): datatype Boolean needs a boolean, got string "true"');
    rejects(enc(DataType.Int8, 128), 'metric 0 ("v"): Int8 value 128 is outside -128..127');
    rejects(enc(DataType.Int8, 300), 'metric 0 ("v"): Int8 value 300 is outside -128..127');
    rejects(enc(DataType.UInt32, -1), 'metric 0 ("v"): UInt32 value -1 is outside 0..4294967295');
    rejects(enc(DataType.Int32, 1.5), 'metric 0 ("v"): datatype Int32 needs a safe integer number or a bigint, got number 1.5');
    rejects(enc(DataType.Int64, 2 ** 60), /datatype Int64 needs a safe integer number or a bigint, got number 1152921504606847000/);
    rejects(enc(DataType.UInt64, -1n), 'metric 0 ("v"): UInt64 value -1 is outside 0..18446744073709551615');
    rejects(enc(DataType.DateTime, -1), /DateTime value -1 is outside 0\.\.9007199254740991/);
    rejects(enc(DataType.Float, 1e39), 'metric 0 ("v"): Float value 1e+39 is outside the 32-bit float range');
    rejects(enc(DataType.Double, 1n), 'metric 0 ("v"): datatype Double needs a number, got bigint 1');
    rejects(enc(DataType.String, 'a\ud800'), 'metric 0 ("v"): value is not well-formed Unicode (lone surrogate)');
    rejects(enc(DataType.Bytes, [1, 2]), 'metric 0 ("v"): datatype Bytes needs a Uint8Array, got object');
    rejects(enc(DataType.BooleanArray, new Uint8Array([3, 0, 0, 0])), 'metric 0 ("v"): BooleanArray 3 booleans need 5 bytes, found 4');
    rejects(() => encodePayload({ seq: 256, metrics: [] }), 'seq must be an integer in 0..255, got number 256');
    rejects(() => encodePayload({ timestamp: -1, metrics: [] }), /^payload timestamp must be a non-negative safe integer/);
    rejects(encodeOne({ name: 'a\udc00', datatype: 11, value: true }), /^metric 0 \("a\\udc00"\): name is not well-formed Unicode/);
    rejects(encodeOne({ name: 'x', datatype: 11, value: true, omitDatatype: 1 as unknown as boolean }), 'metric 0 ("x"): omitDatatype must be a boolean');
    rejects(() => encodePayload({ metrics: [, { name: 'x', datatype: 11, value: true }] as SparkplugMetric[] }), 'metric 0: must be an object');
  });

  it('nesting deeper than protobufjs allows is a PayloadError, not a stack overflow', () => {
    let metric = [...str(1, 'leaf'), ...u(4, DataType.Boolean), ...u(14, 1)];
    for (let depth = 0; depth < 300; depth += 1) metric = [...u(4, DataType.Template), ...len(18, len(2, metric))];
    rejects(() => decodePayload(bytesOf(len(2, metric))), /^not a Sparkplug payload: max depth exceeded/);
  });
});

describe('fuzzing decodePayload', () => {
  // mulberry32: small, fast and deterministic, so a failure reproduces from the seed.
  const prng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / U32;
  };
  const corpus = [
    encodePayload({
      timestamp: 1_700_000_000_000,
      seq: 4,
      metrics: [
        { name: 'Door/Locked', alias: 1n, timestamp: 1_700_000_000_000, datatype: DataType.Boolean, value: true },
        { name: 'Temp', alias: 2n, datatype: DataType.Float, value: 21.5 },
        { name: 'Count', datatype: DataType.Int64, value: -9n, isHistorical: true },
        { name: 'Blob', datatype: DataType.Bytes, value: new Uint8Array([1, 2, 3, 4]) },
        { name: 'Err', datatype: DataType.Int16, isNull: true },
      ],
    }),
    encodePayload({
      metrics: [
        { alias: 7n, datatype: DataType.Int8, value: -7, omitDatatype: true },
        { name: 'when', datatype: DataType.DateTime, value: 5 },
      ],
    }),
    bytesOf(metricBytes(u(4, DataType.Template), len(18, len(2, [...str(1, 'x'), ...u(4, 11), ...u(14, 1)])))),
    bytesOf(metricBytes(str(1, 'p'), u(4, 12), str(15, 'v'), len(9, [...str(1, 'Quality'), ...len(2, [...u(1, 3), ...u(3, 192)])]))),
  ];

  function check(input: Uint8Array, label: string): void {
    let decoded: SparkplugPayload;
    try {
      decoded = decodePayload(input);
    } catch (error) {
      assert.ok(error instanceof PayloadError, `${label}: threw ${String(error)}`);
      return;
    }
    // Whatever decodes must survive re-encoding unchanged, unless it holds untyped values
    // or a host's seq sentinel, which the encoder rightly refuses.
    if (decoded.metrics.every((m) => m.datatype !== DataType.Unknown) && (decoded.seq ?? 0) >= 0 && (decoded.seq ?? 0) <= 255) {
      assert.deepEqual(roundTrip(decoded), decoded, label);
    }
  }

  it('random byte strings and mutated payloads decode or throw PayloadError, quickly', { timeout: 15_000 }, () => {
    const random = prng(0x5eed);
    const int = (n: number) => Math.floor(random() * n);
    const started = performance.now();
    let slowest = 0;
    const timed = (input: Uint8Array, label: string) => {
      const t0 = performance.now();
      check(input, label);
      slowest = Math.max(slowest, performance.now() - t0);
    };
    for (let i = 0; i < 5000; i += 1) {
      const input = new Uint8Array(int(96));
      for (let j = 0; j < input.length; j += 1) input[j] = int(256);
      timed(input, `random #${i}`);
    }
    for (let i = 0; i < 5000; i += 1) {
      const base = corpus[i % corpus.length] as Uint8Array;
      let bytes = Array.from(base);
      const edits = 1 + int(3);
      for (let e = 0; e < edits; e += 1) {
        const at = int(bytes.length + 1);
        const kind = int(4);
        if (kind === 0 && bytes.length > 0) bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ (1 << int(8));
        else if (kind === 1) bytes = bytes.slice(0, at);
        else if (kind === 2) bytes.splice(at, 0, ...Array.from({ length: 1 + int(4) }, () => int(256)));
        else bytes.splice(at, 1 + int(4));
      }
      timed(new Uint8Array(bytes), `mutation #${i}`);
    }
    const total = performance.now() - started;
    assert.ok(slowest < 250, `slowest decode took ${slowest.toFixed(1)} ms`);
    assert.ok(total < 10_000, `fuzzing took ${total.toFixed(0)} ms`);
  });
});
