/**
 * A whole booth session as an ANSI/NIST-ITL transaction: every capture in the right record type
 * with the right position code, declared missing fingers as AMP codes in their slap, slap
 * segmentation and qualities, image bytes unchanged, and a Type-2 without personal data — read
 * back through the decoder.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Capture, CapturePackage } from '../../protocols/capture/package-codec.ts';
import { sessionToTransaction } from '../../protocols/ansi-nist/session-transaction.ts';
import type { SignatureRecord } from '../../protocols/ansi-nist/signature-record.ts';
import type { TaggedRecord } from '../../protocols/ansi-nist/tagged-record.ts';
import { decodeTransaction, encodeTransaction } from '../../protocols/ansi-nist/transaction.ts';

const AT = Date.UTC(2026, 10, 27, 9, 30, 5);
let serial = 0;
function capture(kind: Capture['kind'], position: number, extra: Partial<Capture> = {}): Capture {
  serial += 1;
  return {
    captureId: `c${serial}`, kind, position, format: 'PNG', width: 1600, height: 1500, ppi: 500, quality: 40 + serial, segments: [], attempt: 1,
    deviceId: 'scanner', deviceSerial: 'SN1', startedAtMs: AT, capturedAtMs: AT, image: randomBytes(64 + serial), penSamples: [], ...extra,
  };
}

function session(): CapturePackage {
  const segments = [2, 3, 4].map((position, i) => ({ position, quality: 60 + i, x: 100 + 300 * i, y: 200, width: 250, height: 600 }));
  return {
    packageId: 'p1', sessionId: '01a21ecc-493f-774b-aab9-2a69d2359997', boothId: 'booth-07', language: 'tg',
    consent: { given: true, textVersion: 'v3', atMs: AT },
    missingFingers: [{ position: 5, reason: 'AMPUTATED' }, { position: 6, reason: 'BANDAGED' }],
    captures: [
      capture('SLAP', 13, { segments }),
      capture('SLAP', 14),
      capture('SLAP', 15),
      capture('FINGER_FLAT', 7),
      capture('PALM', 22),
      capture('FACE', 0, { format: 'JPEG', width: 1200, height: 1600, ppi: 0 }),
      capture('SIGNATURE', 0, { width: 800, height: 300, ppi: 0 }),
    ],
    outcome: { result: 'COMPLETED', reason: '', endedAtMs: AT },
    createdAtMs: AT,
  };
}

const field = (record: TaggedRecord, number: number) => record.fields.get(number);

describe('a session as an ANSI/NIST transaction', () => {
  const pkg = session();
  const decoded = decodeTransaction(encodeTransaction(sessionToTransaction(pkg, { transactionType: 'ENROL', destinationAgency: 'MIGRATION' })));
  const tagged = decoded.records.filter((record): record is TaggedRecord => record.type !== 8);

  it('fills Type-1 from the session: version, date, booth as ORI, session as TCN', () => {
    const info = decoded.transactionInformation;
    assert.deepEqual([2, 4, 5, 7, 8, 9, 14].map((number) => info.get(number)?.[0]?.[0]), ['0502', 'ENROL', '20261127', 'MIGRATION', 'booth-07', pkg.sessionId, '20261127093005Z']);
  });

  it('writes DAT fields as the local date of the booth, GMT as UTC', () => {
    // 09:30 UTC is 23:30 the day before ten hours west of Greenwich.
    const west = decodeTransaction(encodeTransaction(sessionToTransaction(pkg, { utcOffsetMinutes: -600 })));
    assert.equal(west.transactionInformation.get(5)?.[0]?.[0], '20261126');
    assert.equal(west.transactionInformation.get(14)?.[0]?.[0], '20261127093005Z');
    const face = west.records.find((record): record is TaggedRecord => record.type === 10);
    assert.equal(face?.fields.get(5)?.[0]?.[0], '20261126', 'each image record\'s date follows the same rule');
    assert.throws(() => sessionToTransaction(pkg, { utcOffsetMinutes: 15 * 60 }), /utcOffsetMinutes 900 is not a whole number of minutes within ±14 h/);
  });

  it('puts each capture in its record type, in order, with IDCs 1..n after Type-2', () => {
    assert.deepEqual(decoded.records.map((record) => record.type), [2, 14, 14, 14, 14, 15, 10, 8]);
    assert.deepEqual(tagged.map((record) => field(record, 2)?.[0]?.[0]), ['0', '1', '2', '3', '4', '5', '6']);
    assert.equal((decoded.records[7] as SignatureRecord).idc, 7);
  });

  it('keeps Type-2 to its IDC: no language, consent or other personal data', () => {
    assert.deepEqual([...tagged[0]!.fields.keys()], [2]);
  });

  it('codes fingers and palms, impressions, resolution and compression', () => {
    const [, right, left, thumbs, finger, palm] = tagged;
    assert.deepEqual([right, left, thumbs, finger].map((record) => field(record!, 13)?.[0]?.[0]), ['13', '14', '15', '7']);
    assert.deepEqual(field(palm!, 13), [['22']]);
    assert.deepEqual(field(palm!, 3), [['10']], 'live-scan palm');
    assert.deepEqual(field(right!, 3), [['0']], 'live-scan plain');
    assert.deepEqual([6, 7, 8, 9, 10, 11, 12].map((number) => field(right!, number)?.[0]?.[0]), ['1600', '1500', '1', '500', '500', 'PNG', '8']);
  });

  it('declares missing fingers in the slap that should hold them: XX amputated, UP bandaged', () => {
    assert.deepEqual(field(tagged[1]!, 18), [['5', 'XX']]);
    assert.deepEqual(field(tagged[3]!, 18), [['6', 'UP']]);
    assert.equal(field(tagged[2]!, 18), undefined, 'the left slap misses nothing');
  });

  it('writes slap segmentation as left, right, top, bottom and per-finger quality', () => {
    assert.deepEqual(field(tagged[1]!, 21), [['2', '100', '349', '200', '799'], ['3', '400', '649', '200', '799'], ['4', '700', '949', '200', '799']]);
    assert.deepEqual(field(tagged[1]!, 24), [['2', '60', '0000', '1'], ['3', '61', '0000', '1'], ['4', '62', '0000', '1']]);
    assert.equal(field(tagged[2]!, 24), undefined, 'an unsegmented slap has no per-finger quality to give');
    assert.deepEqual(field(tagged[4]!, 24), [['7', '44', '0000', '1']], 'a single finger carries its own');
  });

  it('marks the face as an ISO full-frontal JPEG and the signature as a compressed scan', () => {
    const face = tagged[6]!;
    assert.deepEqual([3, 8, 11, 12, 13, 20].map((number) => field(face, number)?.[0]?.[0]), ['FACE', '0', 'JPEGB', 'SRGB', '13', 'F']);
    const signature = decoded.records[7] as SignatureRecord;
    assert.deepEqual([signature.signatureType, signature.representation, signature.width, signature.height], [0, 1, 800, 300]);
  });

  it('carries every image byte for byte', () => {
    const images = decoded.records.slice(1).map((record) => Buffer.from((record as { data: Uint8Array }).data));
    assert.deepEqual(images, pkg.captures.map((c) => Buffer.from(c.image)));
  });
});
