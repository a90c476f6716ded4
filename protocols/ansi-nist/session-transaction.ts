/**
 * A booth session (the capture package of protocols/proto/capture.proto) as an ANSI/NIST-ITL
 * 1-2011 transaction, so an AFIS takes it without a custom converter:
 * Type-1 (VER 0502, ORI = booth id, TCN = session id), a minimal Type-2 without personal data,
 * Type-14 for each slap (FGP 13/14/15, with segmentation) and each single finger, Type-15 for each
 * palm, Type-10 for the face (SAP 13, ISO full frontal; POS F) and Type-8 for the signature.
 * Declared missing fingers go into the AMP field of the slap that should have held them
 * (XX amputated, UP unable to print). Qualities go into FQM/PQM on the 0–100 scale as the
 * scanner reported them.
 */
import type { Capture, CapturePackage, ImageFormat, MissingReason } from '../capture/package-codec.ts';
import { AnsiNistError } from './errors.ts';
import type { SignatureRecord } from './signature-record.ts';
import type { FieldValue } from './tagged-record.ts';
import type { AnRecord, Transaction } from './transaction.ts';

export interface SessionTransactionOptions {
  /** 1.004 TOT, the transaction type the receiving system expects (1–16 characters). */
  transactionType?: string;
  /** 1.007 DAI, the destination agency. */
  destinationAgency?: string;
  /** Quality algorithm vendor (4 hex digits, IBIA) and product code for FQM/PQM. */
  qualityVendor?: string;
  qualityProduct?: number;
  /**
   * The booth's offset from UTC in minutes. DAT fields (1.005, xx.005) are the *local* date of
   * the place of capture; 1.014 GMT stays UTC. The package carries UTC only, so the receiver
   * passes each booth's offset (Moscow +180); default 0.
   */
  utcOffsetMinutes?: number;
  /** 1.002 VER; default 0502 (ANSI/NIST-ITL 1-2011 with the 2013 and 2015 updates). */
  version?: '0500' | '0501' | '0502';
}

/** Compression codes (CGA) of traditional encoding for our image formats. */
const COMPRESSION: Record<ImageFormat, string> = { GRAY8_RAW: 'NONE', PNG: 'PNG', JPEG: 'JPEGB' };
const AMPUTATION: Record<MissingReason, 'XX' | 'UP'> = { AMPUTATED: 'XX', BANDAGED: 'UP', UNABLE_TO_PRINT: 'UP', OTHER: 'UP' };
/** Which fingers each slap position holds. */
const SLAP_FINGERS: Record<number, number[]> = { 13: [2, 3, 4, 5], 14: [7, 8, 9, 10], 15: [1, 6] };
const IMP_LIVE_PLAIN = '0';
const IMP_LIVE_ROLLED = '1';
const IMP_LIVE_PALM = '10';
const SAP_ISO_FULL_FRONTAL = '13';

const one = (value: string | number): FieldValue => [[String(value)]];
const localDate = (ms: number, offsetMinutes: number) => new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 10).replace(/-/g, '');
const gmt = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;

export function sessionToTransaction(pkg: CapturePackage, options: SessionTransactionOptions = {}): Transaction {
  const tot = options.transactionType ?? 'BOOTH';
  if (!/^[A-Za-z0-9 ]{1,16}$/.test(tot)) throw new AnsiNistError(`TOT ${JSON.stringify(tot)} is not 1–16 letters, digits or spaces`, { recordType: 1, field: 4 });
  const quality = (position: number, score: number): string[] => [String(position), String(score), options.qualityVendor ?? '0000', String(options.qualityProduct ?? 1)];
  const offset = options.utcOffsetMinutes ?? 0;
  if (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60) throw new AnsiNistError(`utcOffsetMinutes ${offset} is not a whole number of minutes within ±14 h`, { recordType: 1, field: 5 });
  const date = (ms: number) => localDate(ms, offset);
  const records: AnRecord[] = [{ type: 2, fields: new Map([[2, one(0)]]) }];
  let idc = 1;
  for (const capture of pkg.captures) {
    const record = recordFor(capture, idc, pkg, quality, date);
    if (record) {
      records.push(record);
      idc += 1;
    }
  }
  if (idc > 99) throw new AnsiNistError(`a transaction holds at most 99 image records; this session has ${idc - 1}`);
  return {
    transactionInformation: new Map<number, FieldValue>([
      [2, one(options.version ?? '0502')],
      [4, one(tot)],
      [5, one(date(pkg.createdAtMs))],
      [7, one(options.destinationAgency ?? 'CENTRAL')],
      [8, one(pkg.boothId)],
      [9, one(pkg.sessionId)],
      [11, one('00.00')], // no Type-4 records
      [12, one('00.00')],
      [14, one(gmt(pkg.createdAtMs))],
      [15, [['3', 'UTF-8']]],
    ]),
    records,
  };
}

function recordFor(
  capture: Capture,
  idc: number,
  pkg: CapturePackage,
  quality: (position: number, score: number) => string[],
  date: (ms: number) => string,
): AnRecord | undefined {
  const image = (type: number): Array<[number, FieldValue]> => [
    [6, one(capture.width)],
    [7, one(capture.height)],
    [8, one(type === 10 ? 0 : 1)], // faces: no scale, pixel aspect 1:1; friction ridges: pixels per inch
    [9, one(type === 10 ? 1 : capture.ppi)],
    [10, one(type === 10 ? 1 : capture.ppi)],
    [11, one(COMPRESSION[capture.format])],
  ];
  const common = (): Array<[number, FieldValue]> => [[2, one(idc)], [4, one(pkg.boothId)], [5, one(date(capture.capturedAtMs))]];
  switch (capture.kind) {
    case 'SLAP':
    case 'FINGER_FLAT':
    case 'FINGER_ROLLED': {
      const fields = new Map<number, FieldValue>([...common(), [3, one(capture.kind === 'FINGER_ROLLED' ? IMP_LIVE_ROLLED : IMP_LIVE_PLAIN)], ...image(14), [12, one(8)], [13, one(capture.position)]]);
      const fingers = SLAP_FINGERS[capture.position] ?? [capture.position];
      const missing = pkg.missingFingers.filter((finger) => fingers.includes(finger.position));
      if (missing.length > 0) fields.set(18, missing.map((finger) => [String(finger.position), AMPUTATION[finger.reason]]));
      if (capture.kind === 'SLAP' && capture.segments.length > 0) {
        // Right and bottom name the box's last pixel (0-based), so a box touching the image edge
        // still lies within 0..HLL-1 / 0..VLL-1 as pixel coordinates must.
        fields.set(21, capture.segments.map((s) => [s.position, s.x, s.x + Math.max(1, s.width) - 1, s.y, s.y + Math.max(1, s.height) - 1].map(String)));
        fields.set(24, capture.segments.map((s) => quality(s.position, s.quality)));
      } else if (capture.kind !== 'SLAP') {
        fields.set(24, [quality(capture.position, capture.quality)]); // FQM names single fingers only, never a slap code
      }
      return { type: 14, fields, data: capture.image };
    }
    case 'PALM':
      return {
        type: 15,
        fields: new Map<number, FieldValue>([...common(), [3, one(IMP_LIVE_PALM)], ...image(15), [12, one(8)], [13, one(String(capture.position).padStart(2, '0'))], [24, [quality(capture.position, capture.quality)]]]),
        data: capture.image,
      };
    case 'FACE':
      return {
        type: 10,
        fields: new Map<number, FieldValue>([...common(), [3, one('FACE')], ...image(10), [12, one(capture.format === 'GRAY8_RAW' ? 'GRAY' : 'SRGB')], [13, one(SAP_ISO_FULL_FRONTAL)], [20, one('F')]]),
        data: capture.image,
      };
    case 'SIGNATURE': {
      const record: SignatureRecord = {
        type: 8,
        idc,
        signatureType: 0,
        representation: capture.format === 'GRAY8_RAW' ? 0 : 1,
        isr: 0,
        width: capture.width,
        height: capture.height,
        data: capture.image,
      };
      return record;
    }
    default:
      return undefined;
  }
}

