/**
 * Golden bytes for a tiny synthetic booth session as an ANSI/NIST-ITL 1-2011 traditional-encoding
 * transaction: tests/golden/ansi-nist/tiny-session.an2, annotated and counted by hand in
 * tests/golden/ansi-nist/tiny-session.md (every record, every field, every LEN and the Type-8 header).
 *
 * Three checks:
 *  1. the encoder's bytes for the session below equal the golden file, byte for byte (a mismatch names
 *     the first differing offset and the record and field it falls in);
 *  2. our decoder reads the golden file back to the hand-annotated values (record LENs, CNT, IDC order,
 *     14.018 AMP, 14.021 SEG, 14.024 FQM, the Type-8 header numbers);
 *  3. a walker written without our decoder steps through the golden bytes by record lengths alone
 *     (`T.001:<digits>` for tagged records, a 4-byte big-endian length for Type-8) and must tile the
 *     file exactly.
 *
 * Regenerating the golden is deliberate and off by default:
 *   UPDATE_GOLDEN=1 node --test tests/unit/ansi-nist-golden.test.ts
 * then re-check tiny-session.md by hand: the annotation, not the encoder, is the reference.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Capture, CapturePackage } from '../../protocols/capture/package-codec.ts';
import { sessionToTransaction } from '../../protocols/ansi-nist/session-transaction.ts';
import type { SignatureRecord } from '../../protocols/ansi-nist/signature-record.ts';
import { decodeTaggedRecord, type TaggedRecord } from '../../protocols/ansi-nist/tagged-record.ts';
import { decodeTransaction, encodeTransaction } from '../../protocols/ansi-nist/transaction.ts';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden', 'ansi-nist', 'tiny-session.an2');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const FS = 0x1c;
const GS = 0x1d;
const RS = 0x1e;
const US = 0x1f;

/** 2026-01-02 03:04:05 UTC: DAT 20260102, GMT 20260102030405Z. */
const AT = Date.UTC(2026, 0, 2, 3, 4, 5);

function capture(id: string, kind: Capture['kind'], position: number, fields: Partial<Capture>): Capture {
  return {
    captureId: id, kind, position, format: 'GRAY8_RAW', width: 2, height: 2, ppi: 500, quality: 0, segments: [], attempt: 1,
    deviceId: 'dev', deviceSerial: 'SN', startedAtMs: AT, capturedAtMs: AT, image: new Uint8Array(0), penSamples: [], ...fields,
  };
}

/** The tiny session the golden file holds; every value is fixed so the bytes are deterministic. */
function tinySession(): CapturePackage {
  return {
    packageId: 'golden', sessionId: 'S-0001', boothId: 'BOOTH01', language: 'en',
    consent: { given: true, textVersion: 'v1', atMs: AT },
    missingFingers: [{ position: 5, reason: 'AMPUTATED' }],
    captures: [
      // Right four-finger slap, 4×4 8-bit uncompressed; pixel values 0x10..0x1F include FS/GS/RS/US.
      capture('c1', 'SLAP', 13, {
        width: 4, height: 4, image: Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i),
        segments: [
          { position: 2, quality: 80, x: 0, y: 1, width: 1, height: 2 },
          { position: 3, quality: 70, x: 1, y: 1, width: 1, height: 2 },
          { position: 4, quality: 60, x: 2, y: 1, width: 1, height: 2 },
        ],
      }),
      // Right full palm (FGP 21), 2×2.
      capture('c2', 'PALM', 21, { quality: 90, image: Uint8Array.of(0x00, 0x7f, 0x80, 0xff) }),
      // A "JPEG-ish" face: only SOI and EOI markers; Type-10 carries the bytes without decoding them.
      capture('c3', 'FACE', 0, { format: 'JPEG', ppi: 0, image: Uint8Array.of(0xff, 0xd8, 0xff, 0xd9) }),
      // A 4×2 raw 8-bit signature.
      capture('c4', 'SIGNATURE', 0, { width: 4, height: 2, ppi: 0, image: Uint8Array.of(0xff, 0x00, 0xff, 0x00, 0x00, 0xff, 0x00, 0xff) }),
    ],
    outcome: { result: 'COMPLETED', reason: '', endedAtMs: AT },
    createdAtMs: AT,
  };
}

/** The hand annotation of tiny-session.md, as numbers: where each record starts and its LEN. */
const HAND = {
  size: 812,
  records: [
    { type: 1, offset: 0, len: 182 },
    { type: 2, offset: 182, len: 17 },
    { type: 14, offset: 199, len: 256 },
    { type: 15, offset: 455, len: 173 },
    { type: 10, offset: 628, len: 164 },
    { type: 8, offset: 792, len: 20 },
  ],
  cnt: [['1', '5'], ['2', '0'], ['14', '1'], ['15', '2'], ['10', '3'], ['8', '4']],
};

// ---------------------------------------------------------------------------------------------
// An independent walker: knows only LEN, CNT and the Type-8 header, not our decoder.

interface WalkedRecord { type: number; offset: number; length: number }

const ascii = (bytes: Uint8Array, start: number, end: number) => Buffer.from(bytes.subarray(start, end)).toString('latin1');

/** Record types in file order, read from the Type-1 CNT text by splitting on separators (Type-1 is all ASCII). */
function cntTypes(bytes: Uint8Array, type1Length: number): number[] {
  const text = ascii(bytes, 0, type1Length - 1);
  const cnt = text.split(String.fromCharCode(GS)).find((field) => field.startsWith('1.003:'));
  assert.ok(cnt, 'Type-1 has a 1.003 field');
  const [, ...entries] = cnt.slice('1.003:'.length).split(String.fromCharCode(RS)).map((subfield) => subfield.split(String.fromCharCode(US)));
  return [1, ...entries.map(([type]) => Number(type))];
}

function taggedLength(bytes: Uint8Array, offset: number, type: number): number {
  const prefix = `${type}.001:`;
  assert.equal(ascii(bytes, offset, offset + prefix.length), prefix, `a Type-${type} record starts with "${prefix}" at byte ${offset}`);
  let end = offset + prefix.length;
  while (bytes[end] !== undefined && bytes[end]! >= 0x30 && bytes[end]! <= 0x39) end += 1;
  assert.equal(bytes[end], GS, `LEN digits end with GS at byte ${end}`);
  return Number(ascii(bytes, offset + prefix.length, end));
}

function walk(bytes: Uint8Array): WalkedRecord[] {
  const type1Length = taggedLength(bytes, 0, 1);
  const types = cntTypes(bytes, type1Length);
  const records: WalkedRecord[] = [];
  let offset = 0;
  for (const type of types) {
    assert.ok(offset < bytes.length, `CNT lists a Type-${type} record at byte ${offset}, past the end`);
    const length = type === 8 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32BE(offset) : taggedLength(bytes, offset, type);
    if (type !== 8) assert.equal(bytes[offset + length - 1], FS, `the Type-${type} record at byte ${offset} ends with FS at byte ${offset + length - 1}`);
    records.push({ type, offset, length });
    offset += length;
  }
  assert.equal(offset, bytes.length, 'the records tile the file exactly');
  return records;
}

const TYPE8_HEADER = [[0, 4, '8.001 LEN'], [4, 5, '8.002 IDC'], [5, 6, '8.003 SIG'], [6, 7, '8.004 SRT'], [7, 8, '8.005 ISR'], [8, 10, '8.006 HLL'], [10, 12, '8.007 VLL']] as const;

/** "record 3 (Type-14 at byte 199, LEN 256), field 14.021 (from byte 351)" for a byte offset, using the walker. */
function locate(bytes: Uint8Array, at: number): string {
  let records: WalkedRecord[];
  try {
    records = walk(bytes);
  } catch (error) {
    return `(the file does not walk: ${(error as Error).message})`;
  }
  const index = records.findIndex((record) => at >= record.offset && at < record.offset + record.length);
  if (index < 0) return 'past the last record';
  const { type, offset, length } = records[index]!;
  const where = `record ${index + 1} (Type-${type} at byte ${offset}, LEN ${length})`;
  if (type === 8) {
    const field = TYPE8_HEADER.find(([from, to]) => at - offset >= from && at - offset < to);
    return `${where}, ${field ? field[2] : '8.999 DATA'}`;
  }
  let start = offset;
  while (start < offset + length) {
    const colon = bytes.indexOf(0x3a, start);
    const tag = ascii(bytes, start, colon);
    let end = tag.endsWith('.999') ? offset + length - 1 : start;
    if (!tag.endsWith('.999')) while (end < offset + length - 1 && bytes[end] !== GS) end += 1;
    if (at <= end) return `${where}, field ${tag} (from byte ${start})${at === end ? `, at its closing ${end === offset + length - 1 ? 'FS' : 'GS'}` : ''}`;
    start = end + 1;
  }
  return where;
}

function goldenBytes(): Uint8Array {
  assert.ok(existsSync(GOLDEN), `${GOLDEN} is missing; create it deliberately with UPDATE_GOLDEN=1`);
  return new Uint8Array(readFileSync(GOLDEN));
}

describe('ANSI/NIST golden transaction for a tiny session', () => {
  const encoded = encodeTransaction(sessionToTransaction(tinySession()));
  if (UPDATE) {
    mkdirSync(dirname(GOLDEN), { recursive: true });
    writeFileSync(GOLDEN, encoded);
  }

  it('encodes the tiny session to the golden bytes, byte for byte', () => {
    const golden = goldenBytes();
    const length = Math.min(golden.length, encoded.length);
    let first = 0;
    while (first < length && golden[first] === encoded[first]) first += 1;
    if (first === length && golden.length === encoded.length) return;
    const hex = (bytes: Uint8Array) => Buffer.from(bytes.subarray(first, first + 16)).toString('hex');
    assert.fail(
      `the encoder differs from ${GOLDEN} first at byte ${first} (golden ${golden.length} bytes, encoder ${encoded.length}):\n` +
        `  golden:  ${locate(golden, first)}: ${hex(golden)}\n` +
        `  encoder: ${locate(encoded, first)}: ${hex(encoded)}\n` +
        'If the change is intended, regenerate with UPDATE_GOLDEN=1 and re-check tiny-session.md by hand.',
    );
  });

  it('walks by record lengths alone and the records tile the file exactly (no decoder used)', () => {
    const golden = goldenBytes();
    assert.equal(golden.length, HAND.size);
    assert.deepEqual(walk(golden), HAND.records.map(({ type, offset, len }) => ({ type, offset, length: len })));
  });

  it('decodes to the hand-annotated values', () => {
    const golden = goldenBytes();
    const decoded = decodeTransaction(golden);
    const info = decoded.transactionInformation;
    const first = (record: { fields: Map<number, string[][]> }, field: number) => record.fields.get(field)?.[0]?.[0];

    // LEN of each tagged record, read with the record decoder at the hand-counted offsets.
    for (const { type, offset, len } of HAND.records.filter((record) => record.type !== 8)) {
      assert.equal(decodeTaggedRecord(golden, offset, type).end - offset, len, `LEN of the Type-${type} record at byte ${offset}`);
    }

    // Type-1: CNT, in the raw Type-1 record (the transaction decoder hands CNT back as records).
    const type1 = decodeTaggedRecord(golden, 0, 1).record;
    assert.deepEqual(type1.fields.get(3), HAND.cnt);
    assert.deepEqual(
      [2, 4, 5, 7, 8, 9, 11, 12, 14].map((field) => info.get(field)?.[0]?.[0]),
      ['0502', 'BOOTH', '20260102', 'CENTRAL', 'BOOTH01', 'S-0001', '00.00', '00.00', '20260102030405Z'],
    );
    assert.deepEqual(info.get(15), [['3', 'UTF-8']]);

    // IDC order: file order equals CNT order, IDCs 0..4.
    assert.deepEqual(decoded.records.map((record) => record.type), [2, 14, 15, 10, 8]);
    const tagged = decoded.records.filter((record): record is TaggedRecord => record.type !== 8);
    assert.deepEqual(tagged.map((record) => first(record, 2)), ['0', '1', '2', '3']);

    const [type2, slap, palm, face] = tagged;
    assert.deepEqual([...type2!.fields.keys()], [2]);

    // Type-14: the right slap.
    assert.deepEqual([...slap!.fields.keys()], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18, 21, 24]);
    assert.deepEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((field) => first(slap!, field)), ['0', 'BOOTH01', '20260102', '4', '4', '1', '500', '500', 'NONE', '8', '13']);
    assert.deepEqual(slap!.fields.get(18), [['5', 'XX']], '14.018 AMP: finger 5 amputated');
    assert.deepEqual(slap!.fields.get(21), [['2', '0', '0', '1', '2'], ['3', '1', '1', '1', '2'], ['4', '2', '2', '1', '2']], '14.021 SEG');
    assert.deepEqual(slap!.fields.get(24), [['2', '80', '0000', '1'], ['3', '70', '0000', '1'], ['4', '60', '0000', '1']], '14.024 FQM');
    assert.deepEqual([...slap!.data!], Array.from({ length: 16 }, (_, i) => 0x10 + i));

    // Type-15: the palm.
    assert.deepEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((field) => first(palm!, field)), ['10', 'BOOTH01', '20260102', '2', '2', '1', '500', '500', 'NONE', '8', '21']);
    assert.deepEqual(palm!.fields.get(24), [['21', '90', '0000', '1']], '15.024 PQM');
    assert.deepEqual([...palm!.data!], [0x00, 0x7f, 0x80, 0xff]);

    // Type-10: the face.
    assert.deepEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 20].map((field) => first(face!, field)), ['FACE', 'BOOTH01', '20260102', '2', '2', '0', '1', '1', 'JPEGB', 'SRGB', '13', 'F']);
    assert.deepEqual([...face!.data!], [0xff, 0xd8, 0xff, 0xd9]);

    // Type-8: the binary header numbers.
    const signature = decoded.records[4] as SignatureRecord;
    const { data, ...header } = signature;
    assert.deepEqual(header, { type: 8, idc: 4, signatureType: 0, representation: 0, isr: 0, width: 4, height: 2 });
    assert.deepEqual([...golden.subarray(792, 804)], [0x00, 0x00, 0x00, 0x14, 0x04, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02]);
    assert.deepEqual([...data], [0xff, 0x00, 0xff, 0x00, 0x00, 0xff, 0x00, 0xff]);
  });

  it('names the record and field of the first differing byte', () => {
    // A self-check of the mismatch report, on the golden file itself.
    const golden = goldenBytes();
    assert.match(locate(golden, 0), /^record 1 \(Type-1 at byte 0, LEN 182\), field 1\.001 \(from byte 0\)$/);
    assert.equal(locate(golden, 360), 'record 3 (Type-14 at byte 199, LEN 256), field 14.021 (from byte 351)');
    assert.equal(locate(golden, 454), 'record 3 (Type-14 at byte 199, LEN 256), field 14.999 (from byte 431), at its closing FS');
    assert.match(locate(golden, 792 + 4), /^record 6 \(Type-8 at byte 792, LEN 20\), 8\.002 IDC$/);
    assert.match(locate(golden, 811), /^record 6 .*8\.999 DATA$/);
  });
});
