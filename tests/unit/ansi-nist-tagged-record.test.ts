/**
 * Tagged records of ANSI/NIST-ITL 1-2011 traditional encoding: byte-exact output for records
 * small enough to check by hand, LEN as its own fixed point across a digit boundary, image data
 * that contains separator bytes, and a decoder that names record, field and byte for every fault
 * and never throws anything else on random or truncated input.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AnsiNistError } from '../../protocols/ansi-nist/errors.ts';
import { decodeTaggedRecord, encodeTaggedRecord, type TaggedRecord } from '../../protocols/ansi-nist/tagged-record.ts';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1').replace(/\x1c/g, '<FS>').replace(/\x1d/g, '<GS>').replace(/\x1e/g, '<RS>').replace(/\x1f/g, '<US>');
const record = (type: number, fields: Array<[number, string[][]]>, data?: Uint8Array): TaggedRecord => ({ type, fields: new Map(fields), ...(data ? { data } : {}) });

describe('ANSI/NIST tagged records', () => {
  it('writes the smallest Type-2 record byte for byte: 6 + 2 + 1 + 7 + 1 = 17 bytes', () => {
    const bytes = encodeTaggedRecord(record(2, [[2, [['0']]]]));
    assert.equal(text(bytes), '2.001:17<GS>2.002:0<FS>');
  });

  it('writes subfields and items with RS and US, fields in ascending order, DATA last', () => {
    const bytes = encodeTaggedRecord(record(14, [[13, [['13']]], [2, [['1']]], [18, [['4', 'XX'], ['5', 'UP']]]], Uint8Array.of(0x1c, 0x41, 0x1d)));
    // "14.001:57" 9, GS 10, "14.002:1" 18, GS 19, "14.013:13" 28, GS 29, "14.018:4␟XX␞5␟UP" 45,
    // GS 46, "14.999:" 53, three data bytes 56, FS 57.
    const expected = '14.001:57<GS>14.002:1<GS>14.013:13<GS>14.018:4<US>XX<RS>5<US>UP<GS>14.999:<FS>A<GS><FS>';
    assert.equal(text(bytes), expected);
    assert.equal(bytes.length, 57);
  });

  it('finds LEN as its own fixed point on both sides of 100 bytes', () => {
    assert.equal(encodeTaggedRecord(record(2, [[2, [['x'.repeat(83)]]]])).length, 99);
    const crossing = encodeTaggedRecord(record(2, [[2, [['x'.repeat(84)]]]]));
    assert.equal(crossing.length, 101, 'LEN 100 would not count its third digit');
    assert.match(text(crossing), /^2\.001:101<GS>/);
  });

  it('round-trips text in several subfields and image bytes holding every separator', () => {
    const data = Uint8Array.from({ length: 2000 }, (_, i) => (i * 7) % 256);
    const original = record(15, [[2, [['3']]], [3, [['10']]], [24, [['21', '80', '0', '0'], ['22', '254', '0', '0']]], [20, [['Ü-unicode comment', '']]]], data);
    const bytes = encodeTaggedRecord(original);
    const { record: decoded, end } = decodeTaggedRecord(bytes, 0, 15);
    assert.equal(end, bytes.length);
    assert.deepEqual([...decoded.fields.entries()].sort(([a], [b]) => a - b), [...original.fields.entries()].sort(([a], [b]) => a - b));
    assert.deepEqual(Buffer.from(decoded.data!), Buffer.from(data));
  });

  it('refuses to write what traditional encoding cannot carry', () => {
    assert.throws(() => encodeTaggedRecord(record(2, [[2, [['a\x1fb']]]])), /field 2\.002: an item contains a separator/);
    assert.throws(() => encodeTaggedRecord(record(1, [[4, [['Ö']]]])), /field 1\.004: Type-1 allows printable 7-bit ASCII only/);
    assert.throws(() => encodeTaggedRecord(record(2, [[999, [['x']]]])), /field number 999 is not 2\.\.998/);
    assert.throws(() => encodeTaggedRecord(record(2, [[5, []]])), /field 2\.005: a field needs at least one subfield/);
  });

  it('names record, field and byte offset for malformed input', () => {
    // "2.001:27" 8, GS 9, "2.002:0" 16, GS 17, "2.005:abc" 26, FS 27.
    const good = encodeTaggedRecord(record(2, [[2, [['0']]], [5, [['abc']]]]));
    assert.equal(good.length, 27);
    const at = (mutate: (bytes: Uint8Array) => Uint8Array, offset = 0) => {
      try {
        decodeTaggedRecord(mutate(Uint8Array.from(good)), offset, 2);
      } catch (error) {
        assert.ok(error instanceof AnsiNistError, `not an AnsiNistError: ${error}`);
        return error.message;
      }
      return 'no error';
    };
    assert.equal(at((b) => b.subarray(0, 20)), 'Type-2, field 2.001, byte 6: LEN 27 runs past the end of the transaction (20 bytes left)');
    assert.equal(at((b) => ((b[6] = 0x78), b)), 'Type-2, field 2.001, byte 6: LEN "x7" is not a byte count');
    assert.equal(at((b) => ((b[26] = 0x41), b)), 'Type-2, field 2.001, byte 26: the record does not end with FS at byte 26, where LEN 27 says it ends');
    assert.equal(at((b) => ((b[0] = 0x33), b)), 'Type-2, field 2.001, byte 0: the tag says record type 3');
    assert.equal(at((b) => ((b[23] = 0xff), b)), 'Type-2, field 2.005, byte 23: an information item is not UTF-8');
    const twice = encodeTaggedRecord(record(2, [[2, [['0']]], [5, [['abc']]]]));
    twice.set(Buffer.from('2.002'), 17); // 2.005 becomes a second 2.002
    assert.throws(() => decodeTaggedRecord(twice, 0, 2), /Type-2, field 2\.002, byte 17: field 2 appears twice/);
  });

  it('never throws anything but AnsiNistError on random, truncated or bit-flipped input', () => {
    const valid = encodeTaggedRecord(record(14, [[2, [['1']]], [13, [['1']]], [22, [['1', '3']]]], randomBytes(300)));
    let decoded = 0;
    for (let round = 0; round < 3000; round += 1) {
      let input: Uint8Array;
      if (round % 3 === 0) input = randomBytes(1 + (round % 200));
      else if (round % 3 === 1) input = valid.subarray(0, round % valid.length);
      else {
        input = Uint8Array.from(valid);
        input[round % input.length]! ^= 1 << (round % 8);
      }
      try {
        decodeTaggedRecord(input, 0, 14);
        decoded += 1;
      } catch (error) {
        if (!(error instanceof AnsiNistError)) throw new Error(`round ${round}: ${String(error)}`);
      }
    }
    assert.ok(decoded > 0, 'some flips (inside the image data) still decode');
  });
});
