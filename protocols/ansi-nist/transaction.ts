/**
 * A whole ANSI/NIST-ITL 1-2011 transaction in traditional encoding: the Type-1 record, whose
 * CNT field (1.003) lists every other record's type and IDC in file order, then those records.
 * Binary records carry no type of their own, so the reader needs CNT to know what comes next.
 */
import { AnsiNistError } from './errors.ts';
import { decodeSignatureRecord, encodeSignatureRecord, type SignatureRecord } from './signature-record.ts';
import { decodeTaggedRecord, encodeTaggedRecord, type FieldValue, type TaggedRecord } from './tagged-record.ts';

export const CNT_FIELD = 3;
export const IDC_FIELD = 2;
/** Record types this codec reads and writes; 3–7 are deprecated binary fingerprint records. */
const TAGGED_TYPES = new Set([2, 9, 10, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 98, 99]);

export type AnRecord = TaggedRecord | SignatureRecord;

export interface Transaction {
  /** Type-1 fields other than LEN and CNT (both written by the encoder). */
  transactionInformation: Map<number, FieldValue>;
  /** In file order. */
  records: AnRecord[];
}

export function encodeTransaction(transaction: Transaction): Uint8Array {
  const cnt: FieldValue = [['1', String(transaction.records.length)]];
  for (const [index, record] of transaction.records.entries()) {
    if (record.type !== 8 && !TAGGED_TYPES.has(record.type)) throw new AnsiNistError(`record ${index + 1}: type ${record.type} is not supported`, { recordType: record.type });
    cnt.push([String(record.type), String(idcOf(record, index))]);
  }
  if (transaction.transactionInformation.has(CNT_FIELD)) throw new AnsiNistError('CNT is written by the encoder, from the records', { recordType: 1, field: CNT_FIELD });
  const type1 = encodeTaggedRecord({ type: 1, fields: new Map([...transaction.transactionInformation, [CNT_FIELD, cnt]]) });
  const parts = [type1, ...transaction.records.map((record) => (record.type === 8 ? encodeSignatureRecord(record as SignatureRecord) : encodeTaggedRecord(record as TaggedRecord)))];
  return Buffer.concat(parts);
}

export function decodeTransaction(bytes: Uint8Array): Transaction {
  const { record: type1, end: afterType1 } = decodeTaggedRecord(bytes, 0, 1);
  const cnt = type1.fields.get(CNT_FIELD);
  if (!cnt) throw new AnsiNistError('CNT (1.003) is missing', { recordType: 1, field: CNT_FIELD });
  const [first, ...entries] = cnt;
  if (first?.[0] !== '1' || first.length !== 2 || !/^\d{1,3}$/.test(first[1]!) || Number(first[1]) !== entries.length) {
    throw new AnsiNistError(`CNT's first subfield must be "1" and the count of the ${entries.length} records listed after it`, { recordType: 1, field: CNT_FIELD });
  }
  const records: AnRecord[] = [];
  let cursor = afterType1;
  for (const [index, entry] of entries.entries()) {
    const [typeText = '', idcText = ''] = entry;
    if (entry.length !== 2 || !/^\d{1,2}$/.test(typeText) || !/^\d{1,2}$/.test(idcText)) {
      throw new AnsiNistError(`CNT entry ${index + 1} is not "<record type><US><IDC>"`, { recordType: 1, field: CNT_FIELD });
    }
    const type = Number(typeText);
    if (cursor >= bytes.length) throw new AnsiNistError(`CNT lists ${entries.length} records, the transaction ends after ${index}`, { recordType: type, offset: cursor });
    if (type !== 8 && !TAGGED_TYPES.has(type)) throw new AnsiNistError(`CNT entry ${index + 1}: record type ${type} is not supported`, { recordType: type, offset: cursor });
    const { record, end } = type === 8 ? decodeSignatureRecord(bytes, cursor) : decodeTaggedRecord(bytes, cursor, type);
    if (idcOf(record, index) !== Number(idcText)) {
      throw new AnsiNistError(`IDC ${idcOf(record, index)} disagrees with CNT entry ${index + 1} (IDC ${idcText})`, { recordType: type, field: IDC_FIELD, offset: cursor });
    }
    records.push(record);
    cursor = end;
  }
  if (cursor !== bytes.length) throw new AnsiNistError(`${bytes.length - cursor} bytes after the last record CNT lists`, { offset: cursor });
  const transactionInformation = new Map(type1.fields);
  transactionInformation.delete(CNT_FIELD);
  return { transactionInformation, records };
}

function idcOf(record: AnRecord, index: number): number {
  if (record.type === 8) return (record as SignatureRecord).idc;
  const idc = (record as TaggedRecord).fields.get(IDC_FIELD)?.[0]?.[0] ?? '';
  if (!/^\d{1,2}$/.test(idc)) throw new AnsiNistError(`record ${index + 1}: IDC ${JSON.stringify(idc)} is not 0..99`, { recordType: record.type, field: IDC_FIELD });
  return Number(idc);
}
