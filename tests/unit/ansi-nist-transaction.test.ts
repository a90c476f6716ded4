/**
 * Whole ANSI/NIST-ITL transactions: the Type-1 CNT field written from the records, a tiny
 * transaction checked byte for byte against hand-counted lengths, the binary Type-8 record,
 * round trips, and a reader that rejects inconsistent files with record, field and offset.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AnsiNistError } from '../../protocols/ansi-nist/errors.ts';
import { decodeSignatureRecord, encodeSignatureRecord, type SignatureRecord } from '../../protocols/ansi-nist/signature-record.ts';
import type { FieldValue } from '../../protocols/ansi-nist/tagged-record.ts';
import { decodeTransaction, encodeTransaction, type Transaction } from '../../protocols/ansi-nist/transaction.ts';

const show = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1').replace(/\x1c/g, '<FS>').replace(/\x1d/g, '<GS>').replace(/\x1e/g, '<RS>').replace(/\x1f/g, '<US>');
const one = (value: string): FieldValue => [[value]];
const type1 = () =>
  new Map<number, FieldValue>([
    [2, one('0500')],
    [4, one('CAR')],
    [5, one('20261127')],
    [7, one('DAI0')],
    [8, one('BOOTH1')],
    [9, one('S1')],
    [11, one('00.00')],
    [12, one('00.00')],
  ]);
const signature = (data = Uint8Array.of(1, 2, 0x1c, 0x1d)): SignatureRecord => ({ type: 8, idc: 3, signatureType: 0, representation: 0, isr: 0, width: 2, height: 2, data });

describe('ANSI/NIST transactions', () => {
  it('writes a Type-1 + Type-2 transaction byte for byte, CNT included', () => {
    const bytes = encodeTransaction({ transactionInformation: type1(), records: [{ type: 2, fields: new Map([[2, one('0')]]) }] });
    // Type-1: "1.001:" 6 + LEN digits 3 + nine fields of 10+13+9+14+10+12+8+11+11 = 98 bytes + 9 GS + FS = 117.
    assert.equal(
      show(bytes),
      '1.001:117<GS>1.002:0500<GS>1.003:1<US>1<RS>2<US>0<GS>1.004:CAR<GS>1.005:20261127<GS>1.007:DAI0<GS>1.008:BOOTH1<GS>1.009:S1<GS>1.011:00.00<GS>1.012:00.00<FS>' +
        '2.001:17<GS>2.002:0<FS>',
    );
    assert.equal(bytes.length, 117 + 17);
  });

  it('writes the Type-8 header big-endian, LEN counting the 12 header bytes', () => {
    const bytes = encodeSignatureRecord({ ...signature(), width: 0x0102, height: 0x0304 });
    assert.deepEqual([...bytes], [0, 0, 0, 16, 3, 0, 0, 0, 1, 2, 3, 4, 1, 2, 0x1c, 0x1d]);
    assert.deepEqual(decodeSignatureRecord(bytes, 0).record, { ...signature(), width: 0x0102, height: 0x0304 });
  });

  it('round-trips tagged and binary records in file order', () => {
    const original: Transaction = {
      transactionInformation: type1(),
      records: [
        { type: 2, fields: new Map([[2, one('0')], [5, [['a', 'b'], ['c']]]]) },
        { type: 14, fields: new Map([[2, one('1')], [13, one('13')]]), data: randomBytes(5000) },
        signature(randomBytes(300)),
        { type: 10, fields: new Map([[2, one('2')], [3, one('FACE')]]), data: randomBytes(1000) },
      ],
    };
    const decoded = decodeTransaction(encodeTransaction(original));
    assert.deepEqual(decoded.transactionInformation, original.transactionInformation);
    assert.equal(decoded.records.length, 4);
    assert.deepEqual(
      decoded.records.map((record) => record.type),
      [2, 14, 8, 10],
    );
    assert.deepEqual(Buffer.from((decoded.records[1] as { data: Uint8Array }).data), Buffer.from((original.records[1] as { data: Uint8Array }).data));
    const { data: decodedData, ...decodedHeader } = decoded.records[2] as SignatureRecord;
    const { data: originalData, ...originalHeader } = original.records[2] as SignatureRecord;
    assert.deepEqual(decodedHeader, originalHeader);
    assert.deepEqual(Buffer.from(decodedData), Buffer.from(originalData));
  });

  it('rejects a file whose records disagree with CNT, naming where', () => {
    const good = encodeTransaction({ transactionInformation: type1(), records: [{ type: 2, fields: new Map([[2, one('0')]]) }] });
    assert.throws(() => decodeTransaction(Buffer.concat([good, Buffer.from('x')])), /byte 134: 1 bytes after the last record CNT lists/);
    assert.throws(() => decodeTransaction(good.subarray(0, 117)), /Type-2, byte 117: CNT lists 1 records, the transaction ends after 0/);
    const wrongIdc = Buffer.from(good);
    wrongIdc[117 + 15] = 0x35; // 2.002:0 → 2.002:5
    assert.throws(() => decodeTransaction(wrongIdc), /Type-2, field 2\.002, byte 117: IDC 5 disagrees with CNT entry 1 \(IDC 0\)/);
  });

  it('never throws anything but AnsiNistError on truncated or bit-flipped transactions', () => {
    const valid = encodeTransaction({ transactionInformation: type1(), records: [{ type: 14, fields: new Map([[2, one('1')]]), data: randomBytes(200) }, signature()] });
    for (let round = 0; round < 3000; round += 1) {
      const input = round % 2 === 0 ? valid.subarray(0, round % valid.length) : Uint8Array.from(valid);
      if (round % 2 === 1) input[round % input.length]! ^= 1 << (round % 8);
      try {
        decodeTransaction(input);
      } catch (error) {
        if (!(error instanceof AnsiNistError)) throw new Error(`round ${round}: ${String(error)}`);
      }
    }
  });
});
