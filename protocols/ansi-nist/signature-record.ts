/**
 * The Type-8 signature record: still a binary record in ANSI/NIST-ITL 1-2011 traditional
 * encoding — a 12-byte big-endian header (LEN 4, IDC 1, SIG 1, SRT 1, ISR 1, HLL 2, VLL 2)
 * followed by the image or vector data. LEN counts the header too.
 */
import { AnsiNistError } from './errors.ts';

export const SIGNATURE_HEADER_BYTES = 12;

export interface SignatureRecord {
  type: 8;
  idc: number;
  /** 0: the subject's signature, 1: an official's. */
  signatureType: 0 | 1;
  /** 0: scanned, uncompressed; 1: scanned, compressed; 2: vector data. */
  representation: 0 | 1 | 2;
  /** Image scanning resolution code: 0 the minimum scanning resolution (19.69 px/mm, 500 ppi),
   * 1 the native resolution given in Type-1 NSR/NTR (1.011/1.012). */
  isr: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export function encodeSignatureRecord(record: SignatureRecord): Uint8Array {
  const fail = (message: string): never => {
    throw new AnsiNistError(message, { recordType: 8 });
  };
  const byte = (name: string, value: number) => (Number.isInteger(value) && value >= 0 && value <= 255 ? value : fail(`${name} ${value} is not 0..255`));
  const short = (name: string, value: number) => (Number.isInteger(value) && value >= 0 && value <= 0xffff ? value : fail(`${name} ${value} is not 0..65535`));
  const length = SIGNATURE_HEADER_BYTES + record.data.length;
  if (length > 0xffff_ffff) fail(`${record.data.length} data bytes do not fit a 4-byte LEN`);
  const out = Buffer.alloc(length);
  out.writeUInt32BE(length, 0);
  out[4] = byte('IDC', record.idc);
  out[5] = byte('SIG', record.signatureType);
  out[6] = byte('SRT', record.representation);
  out[7] = byte('ISR', record.isr);
  out.writeUInt16BE(short('HLL', record.width), 8);
  out.writeUInt16BE(short('VLL', record.height), 10);
  out.set(record.data, SIGNATURE_HEADER_BYTES);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export function decodeSignatureRecord(bytes: Uint8Array, start: number): { record: SignatureRecord; end: number } {
  const fail = (message: string, offset: number): never => {
    throw new AnsiNistError(message, { recordType: 8, offset });
  };
  if (bytes.length - start < SIGNATURE_HEADER_BYTES) fail(`${bytes.length - start} bytes left, the header alone is ${SIGNATURE_HEADER_BYTES}`, start);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.readUInt32BE(start);
  if (length < SIGNATURE_HEADER_BYTES) fail(`LEN ${length} is shorter than the ${SIGNATURE_HEADER_BYTES}-byte header`, start);
  if (start + length > bytes.length) fail(`LEN ${length} runs past the end of the transaction (${bytes.length - start} bytes left)`, start);
  const signatureType = view[start + 5]!;
  const representation = view[start + 6]!;
  if (signatureType > 1) fail(`SIG ${signatureType} is not 0 (subject) or 1 (official)`, start + 5);
  if (representation > 2) fail(`SRT ${representation} is not 0, 1 or 2`, start + 6);
  return {
    record: {
      type: 8,
      idc: view[start + 4]!,
      signatureType: signatureType as 0 | 1,
      representation: representation as 0 | 1 | 2,
      isr: view[start + 7]!,
      width: view.readUInt16BE(start + 8),
      height: view.readUInt16BE(start + 10),
      data: bytes.slice(start + SIGNATURE_HEADER_BYTES, start + length),
    },
    end: start + length,
  };
}
