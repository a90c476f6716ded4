// Capture package codec (protobuf) and chunked transfer messages: round trips at real sizes,
// every validation rule with its exact message, seeded fuzzing of both decoders.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { CapturePackageError, captureId, decodeCapturePackage, encodeCapturePackage, isUuidV7, newUuidV7 } from '../../protocols/capture/package-codec.ts';
import type { Capture, CapturePackage } from '../../protocols/capture/package-codec.ts';
import {
  ChunkError, Reassembly, ackTopic, chunkHeaderBytes, chunkTopic, decodeChunk, encodeAck, encodeChunk, encodeResume,
  parseAck, parseCaptureTopic, parseResume, resumeTopic, splitIntoChunks,
} from '../../protocols/capture/transfer-codec.ts';
import type { Chunk } from '../../protocols/capture/transfer-codec.ts';
import { mulberry32 } from '../../simulator/imaging/random.ts';

const PID = '0190f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6';
const JPEG = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i < 3 ? [0xff, 0xd8, 0xff][i]! : (i * 31) & 0xff));
const PNG = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i < 8 ? [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a][i]! : i & 0xff));
const gray = (w: number, h: number) => Uint8Array.from({ length: w * h }, (_, i) => (i * 7) & 0xff);

function capture(kind: Capture['kind'], position: number, format: Capture['format'], width: number, height: number, image: Uint8Array, extra: Partial<Capture> = {}): Capture {
  return {
    captureId: captureId(PID, kind, position, 1), kind, position, format, width, height, ppi: ['FACE', 'SIGNATURE'].includes(kind) ? 0 : 500,
    quality: 77, segments: [], attempt: 1, deviceId: kind === 'SIGNATURE' ? 'pad' : kind === 'FACE' ? 'cam' : 'scanner', deviceSerial: 'SN-1',
    startedAtMs: 1_790_000_001_000, capturedAtMs: 1_790_000_002_500, image, penSamples: [], ...extra,
  };
}
/** captures: 0 face, 1 signature, 2 flat finger, 3 slap (right four), 4 palm. `big` uses real image sizes. */
function makePackage(big = false): CapturePackage {
  const [sw, sh] = big ? [1600, 1500] : [40, 30];
  return {
    packageId: PID, sessionId: PID, boothId: 'msk-mmc-01', language: 'uz-Cyrl',
    consent: { given: true, textVersion: 'consent-2026-10', atMs: 1_790_000_000_000 },
    missingFingers: [{ position: 7, reason: 'BANDAGED' }, { position: 10, reason: 'AMPUTATED' }],
    captures: [
      capture('FACE', 0, 'JPEG', 600, 800, JPEG(big ? 180_000 : 50), { quality: 91 }),
      capture('SIGNATURE', 0, 'PNG', 320, 160, PNG(big ? 9_000 : 40), {
        penSamples: Array.from({ length: big ? 1500 : 3 }, (_, i) => ({ x: i % 320, y: (i * 3) % 160, pressure: (i * 13) % 1024, t: i * 5 })),
      }),
      capture('FINGER_FLAT', 6, 'PNG', 400, 500, PNG(60), { segments: [{ position: 6, quality: 60, x: 0, y: 0, width: 400, height: 500 }] }),
      capture('SLAP', 13, 'GRAY8_RAW', sw, sh, gray(sw, sh), {
        attempt: 2, captureId: captureId(PID, 'SLAP', 13, 2),
        segments: [2, 3, 4, 5].map((position, i) => ({ position, quality: 50 + i, x: i * (sw / 4), y: 1, width: sw / 4, height: sh - 1 })),
      }),
      capture('PALM', 21, 'GRAY8_RAW', 20, 25, gray(20, 25)),
    ],
    outcome: { result: 'ESCALATED', reason: 'fingers 7, 10 missing', endedAtMs: 1_790_000_100_000 },
    createdAtMs: 1_790_000_100_001,
  };
}

function throwsExactly(run: () => unknown, type: typeof CapturePackageError | typeof ChunkError, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.equal((error as { code: string }).code, 'EBADMSG');
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe('capture package codec', () => {
  it('round-trips a full session at real sizes (2.4 MB slap, JPEG face, signature with pen samples)', () => {
    const pkg = makePackage(true);
    const bytes = encodeCapturePackage(pkg);
    assert.ok(bytes.length > 2_400_000 && bytes.length < 2_700_000, `${bytes.length}`);
    const decoded = decodeCapturePackage(bytes);
    assert.deepEqual(decoded, pkg);
    bytes.fill(0); // the decoded images are copies, not views into the message
    assert.deepEqual(decoded.captures[3]!.image, gray(1600, 1500));
    assert.equal(decoded.captures[3]!.captureId, `${PID}/SLAP-13-a2`);
  });

  it('round-trips a refused session without captures and without consent', () => {
    const pkg: CapturePackage = { ...makePackage(), consent: { given: false, textVersion: 'v3', atMs: 5 }, captures: [], missingFingers: [], outcome: { result: 'REFUSED', reason: '', endedAtMs: 0 } };
    assert.deepEqual(decodeCapturePackage(encodeCapturePackage(pkg)), pkg);
  });

  const c3 = (p: CapturePackage) => p.captures[3] as unknown as Record<string, unknown>;
  const cases: Array<[string, (p: CapturePackage) => void, string]> = [
    ['package', (p) => Object.assign(p, { packageId: 'abc' }), 'packageId: "abc" is not a lowercase UUIDv7'],
    ['upper-case id', (p) => { p.packageId = PID.toUpperCase(); }, `packageId: "${PID.toUpperCase()}" is not a lowercase UUIDv7`],
    ['v4 id', (p) => { p.packageId = '0190f3c4-5a6b-4c8d-9e0f-a1b2c3d4e5f6'; }, 'packageId: "0190f3c4-5a6b-4c8d-9e0f-a1b2c3d4e5f6" is not a lowercase UUIDv7'],
    ['session', (p) => { p.sessionId = ''; }, 'sessionId: is empty'],
    ['booth /', (p) => { p.boothId = 'a/b'; }, 'boothId: "a/b" contains "/", "+" or "#" (it is an MQTT topic level)'],
    ['booth control', (p) => { p.boothId = 'a\nb'; }, 'boothId: "a\\nb" has a control character or a lone surrogate'],
    ['language', (p) => { p.language = 'not a tag!'; }, 'language: "not a tag!" is not a BCP-47 language tag'],
    ['consent missing', (p) => { delete (p as Partial<CapturePackage>).consent; }, 'consent: missing'],
    ['consent.given', (p) => { (p.consent as unknown as Record<string, unknown>).given = 'yes'; }, 'consent.given: "yes" is not a boolean'],
    ['consent text', (p) => { p.consent.textVersion = ''; }, 'consent.textVersion: is empty'],
    ['consent time', (p) => { p.consent.atMs = -1; }, 'consent.atMs: -1 is not a time in ms (a safe integer ≥ 0)'],
    ['no consent', (p) => { p.consent.given = false; }, 'consent.given: false, but the package holds 5 captures'],
    ['missing position', (p) => { p.missingFingers[0]!.position = 11; }, 'missingFingers[0].position: 11 is not an integer in 1..10'],
    ['missing twice', (p) => { p.missingFingers[1]!.position = 7; }, 'missingFingers[1].position: finger 7 is listed twice'],
    ['missing reason', (p) => { (p.missingFingers[0] as unknown as Record<string, unknown>).reason = 'LOST'; }, 'missingFingers[0].reason: "LOST" is not one of AMPUTATED, BANDAGED, UNABLE_TO_PRINT, OTHER'],
    ['captures', (p) => { (p as unknown as Record<string, unknown>).captures = {}; }, 'captures: object is not an array'],
    ['too many', (p) => { p.captures = Array.from({ length: 257 }, () => p.captures[0]!); }, 'captures: 257 entries, more than the limit of 256'],
    ['capture id', (p) => { c3(p).captureId = ''; }, 'captures[3].captureId: is empty'],
    ['kind', (p) => { c3(p).kind = 'IRIS'; }, 'captures[3].kind: "IRIS" is not one of SLAP, FINGER_FLAT, FINGER_ROLLED, PALM, FACE, SIGNATURE'],
    ['slap position', (p) => { c3(p).position = 16; }, 'captures[3].position: 16 is not a valid position for a SLAP'],
    ['face position', (p) => { p.captures[0]!.position = 1; }, 'captures[0].position: 1 is not a valid position for a FACE'],
    ['palm position', (p) => { p.captures[4]!.position = 20; }, 'captures[4].position: 20 is not a valid position for a PALM'],
    ['flat position', (p) => { p.captures[2]!.position = 13; }, 'captures[2].position: 13 is not a valid position for a FINGER_FLAT'],
    ['format', (p) => { c3(p).format = 'WSQ'; }, 'captures[3].format: "WSQ" is not one of GRAY8_RAW, PNG, JPEG'],
    ['width', (p) => { c3(p).width = 0; }, 'captures[3].width: 0 is not an integer in 1..65535'],
    ['height', (p) => { c3(p).height = 1.5; }, 'captures[3].height: 1.5 is not an integer in 1..65535'],
    ['ppi', (p) => { c3(p).ppi = 0; }, 'captures[3].ppi: 0 is not an integer in 1..10000'],
    ['quality', (p) => { c3(p).quality = 101; }, 'captures[3].quality: 101 is not an integer in 0..100'],
    ['attempt', (p) => { c3(p).attempt = 0; }, 'captures[3].attempt: 0 is not an integer in 1..1000'],
    ['device', (p) => { c3(p).deviceId = ''; }, 'captures[3].deviceId: is empty'],
    ['time', (p) => { c3(p).startedAtMs = 2 ** 53; }, 'captures[3].startedAtMs: 9007199254740992 is not a time in ms (a safe integer ≥ 0)'],
    ['raw size', (p) => { c3(p).image = gray(40, 30).subarray(1); }, 'captures[3].image: GRAY8_RAW 40×30 needs 1200 bytes, got 1199'],
    ['empty image', (p) => { p.captures[0]!.image = new Uint8Array(0); }, 'captures[0].image: is empty'],
    ['image type', (p) => { (p.captures[0] as unknown as Record<string, unknown>).image = [1]; }, 'captures[0].image: an array is not a Uint8Array'],
    ['duplicate id', (p) => { c3(p).captureId = 'x'; p.captures[4]!.captureId = 'x'; }, 'captures[4].captureId: "x" repeats captures[3]'],
    ['face segments', (p) => { p.captures[0]!.segments = [{ position: 1, quality: 1, x: 0, y: 0, width: 1, height: 1 }]; }, 'captures[0].segments: a FACE has no segmented fingers'],
    ['slap finger', (p) => { p.captures[3]!.segments[0]!.position = 6; }, 'captures[3].segments[0].position: finger 6 is not in a SLAP at position 13'],
    ['flat finger', (p) => { p.captures[2]!.segments[0]!.position = 1; }, 'captures[2].segments[0].position: finger 1 is not in a FINGER_FLAT at position 6'],
    ['segment twice', (p) => { p.captures[3]!.segments[1]!.position = 2; }, 'captures[3].segments[1].position: finger 2 is segmented twice'],
    ['segment box', (p) => { p.captures[3]!.segments[3]!.width = 11; }, 'captures[3].segments[3].width: 11 is not an integer in 1..10'],
    ['segment x', (p) => { p.captures[3]!.segments[0]!.x = 40; }, 'captures[3].segments[0].x: 40 is not an integer in 0..39'],
    ['segments', (p) => { p.captures[3]!.segments.push(p.captures[3]!.segments[0]!); }, 'captures[3].segments: 5 entries, more than the limit of 4'],
    ['pen on slap', (p) => { p.captures[3]!.penSamples = [{ x: 0, y: 0, pressure: 0, t: 0 }]; }, 'captures[3].penSamples: a SLAP has no pen samples'],
    ['pressure', (p) => { p.captures[1]!.penSamples[2]!.pressure = 1024; }, 'captures[1].penSamples[2].pressure: 1024 is not an integer in 0..1023'],
    ['pen t', (p) => { p.captures[1]!.penSamples[0]!.t = -1; }, 'captures[1].penSamples[0].t: -1 is not an integer in 0..4294967295'],
    ['outcome', (p) => { delete (p as Partial<CapturePackage>).outcome; }, 'outcome: missing'],
    ['result', (p) => { (p.outcome as unknown as Record<string, unknown>).result = 'DONE'; }, 'outcome.result: "DONE" is not one of COMPLETED, ESCALATED, ABANDONED, REFUSED'],
    ['reason', (p) => { p.outcome.reason = 'x'.repeat(501); }, 'outcome.reason: is 501 characters long, more than 500'],
    ['created', (p) => { (p as unknown as Record<string, unknown>).createdAtMs = '1'; }, 'createdAtMs: "1" is not a time in ms (a safe integer ≥ 0)'],
  ];
  for (const [name, mutate, message] of cases) {
    it(`rejects ${name}: ${message.slice(0, 60)}`, () => {
      const pkg = makePackage();
      mutate(pkg);
      throwsExactly(() => encodeCapturePackage(pkg), CapturePackageError, message);
    });
  }
  it('rejects a non-object package', () => throwsExactly(() => encodeCapturePackage(null as never), CapturePackageError, 'package: null is not an object'));

  // The wire is edited with protobufjs directly, so the decoder sees what an encoder would refuse to write.
  const Type = protobuf.parse(readFileSync(join(import.meta.dirname, '../../protocols/proto/capture.proto'), 'utf8'), { keepCase: true }).root.lookupType('booth.capture.v1.CapturePackage');
  const edited = (edit: (m: Record<string, any>) => void): Uint8Array => {
    const message = Type.toObject(Type.decode(encodeCapturePackage(makePackage())), { defaults: false });
    edit(message);
    return Type.encode(Type.fromObject(message)).finish();
  };
  it('decode rejects what the wire can say but the rules forbid', () => {
    throwsExactly(() => decodeCapturePackage(edited((m) => { m.captures[2].kind = 9; })), CapturePackageError, 'captures[2].kind: 9 is not one of SLAP, FINGER_FLAT, FINGER_ROLLED, PALM, FACE, SIGNATURE');
    throwsExactly(() => decodeCapturePackage(edited((m) => { m.captures[0].format = 0; })), CapturePackageError, 'captures[0].format: 0 is not one of GRAY8_RAW, PNG, JPEG');
    throwsExactly(() => decodeCapturePackage(edited((m) => { delete m.outcome; })), CapturePackageError, 'outcome: missing');
    throwsExactly(() => decodeCapturePackage(edited((m) => { m.created_at_ms = '18446744073709551615'; })), CapturePackageError, 'createdAtMs: 18446744073709551615 is not a time in ms (a safe integer ≥ 0)');
    throwsExactly(() => decodeCapturePackage(new Uint8Array(0)), CapturePackageError, 'packageId: "" is not a lowercase UUIDv7');
    const good = encodeCapturePackage(makePackage());
    throwsExactly(() => decodeCapturePackage(good.subarray(0, good.length - 3)), CapturePackageError, /^not a capture package: /);
    throwsExactly(() => decodeCapturePackage(good, { maxBytes: 100 }), CapturePackageError, `package of ${good.length} bytes exceeds the 100-byte limit`);
    throwsExactly(() => decodeCapturePackage('x' as never), CapturePackageError, 'not a capture package: expected bytes, got "x"');
  });

  it('decoding 3,000 seeded random and mutated inputs throws nothing but CapturePackageError', () => {
    const rng = mulberry32(0xc0ffee);
    const int = (n: number) => Math.floor(rng() * n);
    const good = encodeCapturePackage(makePackage());
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      let input: Uint8Array;
      if (i % 4 === 0) input = Uint8Array.from({ length: int(300) }, () => int(256));
      else {
        input = Uint8Array.from(good);
        for (let k = 1 + int(4); k > 0; k--) input[int(input.length)] = int(256);
        if (i % 3 === 0) input = input.subarray(0, int(input.length));
        if (i % 5 === 0) input = Uint8Array.from([...input.subarray(0, 40), ...Array.from({ length: int(20) }, () => int(256)), ...input.subarray(40)]);
      }
      try {
        const pkg = decodeCapturePackage(input);
        encodeCapturePackage(pkg); // whatever decodes is a valid package
        accepted++;
      } catch (error) {
        assert.ok(error instanceof CapturePackageError, `input ${i}: ${String(error)}`);
      }
    }
    assert.ok(accepted < 3000);
  });

  it('captureId is deterministic and validates its parts', () => {
    assert.equal(captureId(PID, 'PALM', 23, 3), `${PID}/PALM-23-a3`);
    assert.equal(captureId(PID, 'FACE', 0, 1), captureId(PID, 'FACE', 0, 1));
    throwsExactly(() => captureId(PID, 'SLAP', 16, 1), CapturePackageError, 'position: 16 is not a valid position for a SLAP');
    throwsExactly(() => captureId(PID, 'FACE', 0, 0), CapturePackageError, 'attempt: 0 is not an integer in 1..1000');
    throwsExactly(() => captureId('', 'FACE', 0, 1), CapturePackageError, 'packageId: is empty');
  });
});

describe('UUIDv7', () => {
  it('matches the RFC 9562 example and sets version and variant bits', () => {
    const rfc = [0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f];
    assert.equal(newUuidV7(0x017f22e279b0, () => Uint8Array.from(rfc)), '017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
    assert.equal(newUuidV7(0, () => new Uint8Array(10)), '00000000-0000-7000-8000-000000000000');
    assert.equal(newUuidV7(2 ** 48 - 1, () => new Uint8Array(10).fill(0xff)), 'ffffffff-ffff-7fff-bfff-ffffffffffff');
    for (const bad of [-1, 2 ** 48, 1.5, NaN]) assert.throws(() => newUuidV7(bad), RangeError);
    assert.throws(() => newUuidV7(1, () => new Uint8Array(9)), RangeError);
  });
  it('1,000 ids: well-formed, unique, time prefix ordered', () => {
    const start = 1_790_000_000_000;
    const ids = Array.from({ length: 1000 }, (_, i) => newUuidV7(start + Math.floor(i / 3)));
    assert.equal(new Set(ids).size, 1000);
    for (const [i, id] of ids.entries()) {
      assert.ok(isUuidV7(id), id);
      assert.equal(parseInt(id.replace('-', '').slice(0, 12), 16), start + Math.floor(i / 3));
      if (i > 0) assert.ok(ids[i - 1]!.slice(0, 13) <= id.slice(0, 13));
    }
  });
});

const chunksOf = (messages: Uint8Array[]) => messages.map((m) => decodeChunk(m));
const reassemble = (chunks: Chunk[]) => {
  const r = new Reassembly();
  for (const chunk of chunks) r.add(chunk);
  return r.assemble();
};
const rebuilt = (chunk: Chunk, change: Partial<Chunk>): Chunk => ({ ...chunk, ...change });

describe('chunked transfer', () => {
  const header = chunkHeaderBytes(PID);
  const room = 131_072 - header;
  const bytes = (n: number, seed = 1) => { const rng = mulberry32(seed); return Uint8Array.from({ length: n }, () => Math.floor(rng() * 256)); };

  it('splits 0, 1, exactly one full chunk, one byte more, 128 KiB and 5 MiB, each chunk within the limit', () => {
    assert.equal(header, 88 + 36);
    for (const [size, count] of [[0, 1], [1, 1], [room, 1], [room + 1, 2], [131_072, 2], [5 * 1024 * 1024, Math.ceil((5 * 1024 * 1024) / room)]] as const) {
      const pkg = bytes(size, size);
      const messages = splitIntoChunks(PID, pkg);
      assert.equal(messages.length, count, `size ${size}`);
      assert.ok(messages.every((m) => m.length <= 131_072));
      if (size === room) assert.equal(messages[0]!.length, 131_072);
      const chunks = chunksOf(messages);
      assert.ok(chunks.every((c, i) => c.index === i && c.count === count && c.totalBytes === size && c.packageId === PID));
      assert.deepEqual(reassemble(chunks), pkg);
    }
  });

  it('writes the documented layout: fixed 88-byte header, package id, data', () => {
    const data = bytes(10);
    const [message] = splitIntoChunks('p-1', data);
    const view = Buffer.from(message!);
    const sha = createHash('sha256').update(data).digest();
    assert.deepEqual([view.readUInt16BE(0), view[2], view[3], view.readUInt32BE(4), view.readUInt32BE(8), view.readBigUInt64BE(12)], [0x4243, 1, 3, 0, 1, 10n]);
    assert.deepEqual([view.subarray(20, 52), view.subarray(52, 84), view.readUInt32BE(84)], [sha, sha, 10]); // one chunk: both hashes alike
    assert.deepEqual([view.subarray(88, 91).toString(), view.subarray(91)], ['p-1', Buffer.from(data)]);
    assert.equal(message!.length, 88 + 3 + 10);
  });

  it('reassembles in random order with duplicates; missing() tracks the gaps', () => {
    const pkg = bytes(5 * 1024 * 1024, 7);
    const chunks = chunksOf(splitIntoChunks(PID, pkg));
    const rng = mulberry32(42);
    const order = [...chunks, ...chunks.slice(3, 9)].sort(() => rng() - 0.5);
    const r = new Reassembly({ packageId: PID });
    assert.deepEqual(r.missing(), []);
    const seen = new Set<number>();
    for (const chunk of order) {
      const result = r.add(chunk);
      assert.equal(result, seen.has(chunk.index) ? 'duplicate' : seen.size === chunks.length - 1 ? 'complete' : 'incomplete');
      seen.add(chunk.index);
      assert.deepEqual(r.missing(), chunks.map((c) => c.index).filter((i) => !seen.has(i)));
    }
    assert.deepEqual(r.assemble(), pkg);
    const small = chunksOf(splitIntoChunks(PID, bytes(1000), 200));
    const partial = new Reassembly();
    for (const i of [0, 2, 5]) partial.add(small[i]!);
    assert.equal(small.length, 14); // 76 data bytes per 200-byte message
    assert.deepEqual(partial.missing(), [1, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13]);
    throwsExactly(() => partial.assemble(), ChunkError, 'assemble: 11 chunks missing');
  });

  it('rejects corrupted data, wrong or inconsistent package fields, and impossible sizes', () => {
    const messages = splitIntoChunks(PID, bytes(1000), 400);
    const chunks = chunksOf(messages);
    const corrupt = Uint8Array.from(messages[1]!);
    corrupt[corrupt.length - 5]! ^= 0x01;
    throwsExactly(() => decodeChunk(corrupt), ChunkError, 'chunk chunkSha256 at byte 52: does not match the data');
    throwsExactly(() => new Reassembly().add({ ...chunks[0]!, data: Uint8Array.from(chunks[0]!.data).fill(1) }), ChunkError, 'chunk chunkSha256: does not match the data');
    const wrongSha = new Uint8Array(32).fill(9);
    const allWrong = chunks.map((c) => decodeChunk(encodeChunk(rebuilt(c, { packageSha256: wrongSha }))));
    throwsExactly(() => reassemble(allWrong), ChunkError, 'packageSha256: the assembled 1000 bytes do not match');
    const add = (first: Chunk, second: Chunk) => { const r = new Reassembly(); r.add(first); return r.add(second); };
    throwsExactly(() => add(chunks[0]!, allWrong[1]!), ChunkError, `chunk packageSha256: disagrees with earlier chunks of ${PID}`);
    throwsExactly(() => add(chunks[0]!, rebuilt(chunks[1]!, { count: 5 })), ChunkError, `chunk count: 5 disagrees with 4 from earlier chunks of ${PID}`);
    throwsExactly(() => add(chunks[0]!, rebuilt(chunks[1]!, { totalBytes: 1001 })), ChunkError, `chunk totalBytes: 1001 disagrees with 1000 from earlier chunks of ${PID}`);
    const other = chunksOf(splitIntoChunks('other', bytes(1000), 400));
    throwsExactly(() => add(chunks[0]!, other[1]!), ChunkError, `chunk packageId: "other" is not "${PID}"`);
    throwsExactly(() => new Reassembly({ packageId: 'other' }).add(chunks[0]!), ChunkError, `chunk packageId: "${PID}" is not "other"`);
    throwsExactly(() => add(chunks[1]!, { ...chunks[0]!, index: 1 }), ChunkError, 'chunk data: chunk 1 arrived again with other bytes');
    assert.equal(add(chunks[1]!, decodeChunk(messages[1]!)), 'duplicate');
    const overfull = new Reassembly();
    for (const chunk of chunks.slice(0, 3)) overfull.add(chunk);
    throwsExactly(() => overfull.add({ ...chunks[0]!, index: 3 }), ChunkError, 'chunk data: 276 more bytes make 1104 with 0 chunks to come, which cannot total 1000');
    assert.deepEqual(overfull.missing(), [3]); // a rejected chunk leaves the state as it was
    throwsExactly(() => new Reassembly({ maxTotalBytes: 999 }).add(chunks[0]!), ChunkError, 'chunk totalBytes: 1000 is above the limit of 999');
    throwsExactly(() => splitIntoChunks(PID, bytes(10), header), ChunkError, `maxChunkBytes ${header} leaves no room for data after the ${header}-byte header`);
  });

  it('decodeChunk names the field and byte offset of what is wrong', () => {
    const good = splitIntoChunks(PID, bytes(300), 300)[1]!; // index 1 of 2
    const patch = (offset: number, values: number[]) => { const b = Uint8Array.from(good); b.set(values, offset); return b; };
    const cases: Array<[Uint8Array, string]> = [
      [good.subarray(0, 10), 'chunk magic at byte 0: message of 10 bytes is shorter than the 88-byte header'],
      [patch(0, [0x42, 0x44]), 'chunk magic at byte 0: 0x4244 is not 0x4243 ("BC")'],
      [patch(2, [2]), 'chunk version at byte 2: 2 is not 1'],
      [patch(3, [0]), 'chunk idLength at byte 3: 0 is not in 1..128'],
      [Uint8Array.from([...good, 0]), `chunk dataLength at byte 84: header says ${good.length} bytes (88 + 36 id + 124 data), message has ${good.length + 1}`],
      [patch(4, [0, 0, 0, 2]), 'chunk index at byte 4: 2 is not in 0..1'],
      [patch(8, [0, 0, 0, 0]), 'chunk count at byte 8: 0 is not in 1..4294967295'],
      [patch(12, [0, 0x20, 0, 0]), 'chunk totalBytes at byte 12: is above 2^53-1'],
      [patch(88, [0xff]), 'chunk packageId at byte 88: is not UTF-8'],
      [patch(96, [0x2f]), `chunk packageId at byte 88: "${PID.slice(0, 8)}/${PID.slice(9)}" contains "/", "+" or "#"`],
      [patch(16, [0, 0, 0, 100]), 'chunk dataLength at byte 84: 124 bytes is more than the package\'s 100'],
    ];
    for (const [input, message] of cases) throwsExactly(() => decodeChunk(input), ChunkError, message);
    throwsExactly(() => encodeChunk({ ...decodeChunk(good), index: 2 }), ChunkError, 'chunk index: 2 is not in 0..1');
  });

  it('decoding 3,000 seeded random and mutated chunk messages throws nothing but ChunkError', () => {
    const rng = mulberry32(0xbadc0de);
    const int = (n: number) => Math.floor(rng() * n);
    const good = splitIntoChunks(PID, bytes(500), 300);
    for (let i = 0; i < 3000; i++) {
      let input = Uint8Array.from(good[i % good.length]!);
      if (i % 4 === 0) input = Uint8Array.from({ length: int(400) }, () => int(256));
      else for (let k = 1 + int(3); k > 0; k--) input[int(Math.min(input.length, i % 2 ? 130 : input.length))] = int(256);
      if (i % 7 === 0) input = input.subarray(0, int(input.length + 1));
      try {
        new Reassembly().add(decodeChunk(input));
      } catch (error) {
        assert.ok(error instanceof ChunkError, `input ${i}: ${String(error)}`);
      }
    }
  });
});

describe('capture topics, ack and resume', () => {
  it('builds and parses the three topics; ids may not hold separators or wildcards', () => {
    assert.equal(chunkTopic('b1', PID), `booth/v1/b1/capture/${PID}/chunk`);
    assert.deepEqual(parseCaptureTopic(chunkTopic('b1', PID)), { ok: true, value: { kind: 'chunk', boothId: 'b1', packageId: PID } });
    assert.deepEqual(parseCaptureTopic(ackTopic('b1')), { ok: true, value: { kind: 'ack', boothId: 'b1' } });
    assert.deepEqual(parseCaptureTopic(resumeTopic('b1')), { ok: true, value: { kind: 'resume', boothId: 'b1' } });
    for (const id of ['', 'a/b', 'a+', '#']) throwsExactly(() => chunkTopic(id, PID), ChunkError, /^boothId .* (is empty|contains)/);
    throwsExactly(() => resumeTopic('x\u0000'), ChunkError, 'boothId "x\\u0000" contains a control character or a lone surrogate');
    for (const topic of ['booth/v1/b1/capture', 'booth/v1/b1/capture/p/chunk/x', 'booth/v2/b1/capture/ack', 'booth/v1/b1/capture/nack', 'booth/v1//capture/ack', 'booth/v1/b1/capture//chunk']) {
      assert.equal(parseCaptureTopic(topic).ok, false, topic);
    }
  });

  it('acks and resume requests round-trip and parse strictly', () => {
    const accepted = { packageId: PID, status: 'accepted' as const };
    assert.deepEqual(parseAck(encodeAck(accepted)), { ok: true, value: accepted });
    assert.deepEqual(parseAck(`{"packageId":"${PID}","status":"rejected","reason":"signature invalid"}`), { ok: true, value: { packageId: PID, status: 'rejected', reason: 'signature invalid' } });
    assert.deepEqual(parseResume(encodeResume({ packageId: PID, missing: [9, 0, 4] })), { ok: true, value: { packageId: PID, missing: [0, 4, 9] } });
    const bad: Array<[ReturnType<typeof parseAck | typeof parseResume>, string]> = [
      [parseAck(Uint8Array.of(0x7b, 0xff)), 'ack: payload is not UTF-8'],
      [parseAck('[]'), 'ack: an array is not an object'],
      [parseAck(`{"packageId":"${PID}","status":"accepted","extra":1}`), 'ack: unknown field "extra"'],
      [parseAck(`{"packageId":"${PID}","status":"ok"}`), 'ack: status "ok" is not "accepted" or "rejected"'],
      [parseAck(`{"packageId":"${PID}","status":"rejected"}`), 'ack: a rejection needs a reason'],
      [parseAck('{"packageId":"a+b","status":"accepted"}'), 'ack: packageId "a+b" contains "/", "+" or "#"'],
      [parseAck(`{"packageId":"${PID}","status":"rejected","reason":5}`), 'ack: reason must be a well-formed string of at most 1000 characters'],
      [parseResume(`{"packageId":"${PID}","missing":[]}`), 'resume: missing must be an array of 1..65536 chunk indexes'],
      [parseResume(`{"packageId":"${PID}","missing":[1,1]}`), 'resume: missing[1]: 1 is listed twice'],
      [parseResume(`{"packageId":"${PID}","missing":[0,-1]}`), 'resume: missing[1]: -1 is not a chunk index'],
      [parseResume(`{"packageId":"${PID}","missing":["2"]}`), 'resume: missing[0]: "2" is not a chunk index'],
      [parseResume(`{"packageId":"${PID}","missing":[1.5]}`), 'resume: missing[0]: 1.5 is not a chunk index'],
      [parseResume(`{"packageId":"${PID}","missing":[1],"more":true}`), 'resume: unknown field "more"'],
      [parseResume('{"missing":[1]}'), 'resume: packageId undefined is empty or not a string'],
      [parseResume(new Uint8Array(1_048_577)), 'resume: 1048577 bytes is above the 1 MiB limit'],
    ];
    for (const [result, reason] of bad) assert.deepEqual(result, { ok: false, reason });
    const notJson = parseAck('{');
    assert.ok(!notJson.ok && notJson.reason.startsWith('ack: not JSON ('), JSON.stringify(notJson));
    throwsExactly(() => encodeAck({ packageId: PID, status: 'rejected' }), ChunkError, 'ack: a rejection needs a reason');
  });
});
