/** The hand-written payload writer produces exactly protobufjs' bytes for the same payload. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodePayload, encodePayloadWithProtobufjs, type SparkplugMetric } from '../../protocols/sparkplug/payload.ts';
import { mulberry32 } from '../../simulator/imaging/random.ts';

const random = mulberry32(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (min: number, max: number) => Math.floor(min + random() * (max - min + 1));

function randomMetric(): SparkplugMetric {
  const datatype = pick([DataType.Int8, DataType.Int32, DataType.UInt32, DataType.Int64, DataType.UInt64, DataType.Float, DataType.Double, DataType.Boolean, DataType.String, DataType.DateTime, DataType.Bytes]);
  const value = (() => {
    switch (datatype) {
      case DataType.Int8:
        return int(-128, 127);
      case DataType.Int32:
        return int(-2_147_483_648, 2_147_483_647);
      case DataType.UInt32:
        return int(0, 4_294_967_295);
      case DataType.Int64:
        return BigInt.asIntN(64, BigInt(int(0, 2 ** 31)) * BigInt(int(-(2 ** 31), 2 ** 31)) * 3n);
      case DataType.UInt64:
        return BigInt.asUintN(64, BigInt(int(0, 2 ** 31)) ** 2n * BigInt(int(1, 4)));
      case DataType.Float:
        return Math.fround((random() - 0.5) * 1e6);
      case DataType.Double:
        return (random() - 0.5) * 10 ** int(-5, 300);
      case DataType.Boolean:
        return random() < 0.5;
      case DataType.String:
        return pick(['', 'door', 'Дверь заперта', '门', '🔒 locked', 'x'.repeat(int(0, 300))]);
      case DataType.DateTime:
        return int(0, Number.MAX_SAFE_INTEGER);
      default:
        return Uint8Array.from({ length: int(0, 200) }, () => int(0, 255));
    }
  })();
  const metric: SparkplugMetric = { datatype, ...(random() < 0.2 ? { isNull: true } : { value }) };
  if (random() < 0.7) metric.name = pick(['Door/Locked', 'Light/key', 'Очень длинное имя метрики', 'm']);
  if (!metric.name || random() < 0.5) metric.alias = BigInt(int(0, 2 ** 31)) * BigInt(int(1, 2 ** 20));
  if (random() < 0.8) metric.timestamp = int(0, Number.MAX_SAFE_INTEGER);
  if (random() < 0.2) metric.isHistorical = true;
  if (random() < 0.1) metric.isTransient = true;
  if (random() < 0.3) metric.omitDatatype = true;
  return metric;
}

describe('payload writer', () => {
  it('writes the same bytes as protobufjs for 2,000 random payloads', () => {
    for (let i = 0; i < 2000; i += 1) {
      const payload = {
        metrics: Array.from({ length: int(0, 12) }, randomMetric),
        ...(random() < 0.9 ? { timestamp: int(0, Number.MAX_SAFE_INTEGER) } : {}),
        ...(random() < 0.8 ? { seq: int(0, 255) } : {}),
        ...(random() < 0.1 ? { uuid: 'booth-capture-1' } : {}),
        ...(random() < 0.1 ? { body: Uint8Array.from({ length: int(0, 500) }, () => int(0, 255)) } : {}),
      };
      const ours = encodePayload(payload);
      const reference = encodePayloadWithProtobufjs(payload);
      assert.deepEqual(Buffer.from(ours), Buffer.from(reference), `payload ${i}`);
    }
  });
});

describe('DATA fast path', () => {
  it('encodes metric states exactly as encodePayload encodes the same DATA message, with and without datatypes', async () => {
    const { EdgeModel } = await import('../../protocols/sparkplug/metric-model.ts');
    const specs: Array<[string, number, unknown]> = [
      ['i8', DataType.Int8, -5],
      ['u32', DataType.UInt32, 4_000_000_000],
      ['i64', DataType.Int64, -(2n ** 62n)],
      ['u64', DataType.UInt64, 2n ** 63n + 5n],
      ['f', DataType.Float, 1.5],
      ['d', DataType.Double, -0.125],
      ['b', DataType.Boolean, true],
      ['s', DataType.String, 'Дверь'],
      ['t', DataType.DateTime, 1_795_770_000_000],
      ['bytes', DataType.Bytes, new Uint8Array([1, 2, 3])],
      ['to-null', DataType.Double, null],
    ];
    // Two models fed the same changes: one through takeChanges + encodePayload, one through the fast path.
    const changed = () => {
      const set = new EdgeModel().defineDevice('d');
      for (const [name, datatype] of specs) set.define(name, datatype, name === 'to-null' ? 3 : null, 1);
      specs.forEach(([name, , value], index) => set.set(name, value as never, 1_795_770_000_000 + index));
      return set;
    };
    for (const withDatatype of [false, true]) {
      const reference = changed()
        .takeChanges()
        .map(({ omitDatatype: _, ...metric }) => (withDatatype ? metric : { ...metric, omitDatatype: true }));
      assert.equal(reference.length, specs.length);
      const fast = changed().takeChangesEncoded(1_795_770_000_999, withDatatype ? undefined : 42, withDatatype)!;
      const expected = encodePayload({ timestamp: 1_795_770_000_999, ...(withDatatype ? {} : { seq: 42 }), metrics: reference });
      assert.deepEqual(Buffer.from(fast), Buffer.from(expected), withDatatype ? 'stored form' : 'wire form');
    }
  });

  it('refuses a value that does not fit the metric, changing nothing', async () => {
    const { EdgeModel } = await import('../../protocols/sparkplug/metric-model.ts');
    const set = new EdgeModel().defineDevice('d');
    set.define('u8', DataType.UInt8, 1, 1);
    assert.throws(() => set.set('u8', 300, 2), /metric "u8": UInt8 value 300 is outside 0..255/);
    assert.equal(set.get('u8')?.value, 1);
    assert.equal(set.pendingChanges, 0);
  });
});
