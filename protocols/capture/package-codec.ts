/**
 * Capture package codec: plain objects <-> protobuf bytes (schema: ../proto/capture.proto).
 *
 * Field names are the proto's in camelCase (`package_id` is `packageId`), enums are their value
 * names as strings. Encoding and decoding run the same validator, so a package the booth can
 * seal is exactly a package the central side accepts, and a malformed or hostile message fails
 * with one CapturePackageError naming the field, never with a crash deeper down. Sealing
 * (encryption to the central key, signature) happens on top of these bytes, elsewhere.
 *
 * Deliberately not checked: the order of timestamps (a wall-clock step during a session must
 * not make real captures unsendable), whether package_id equals session_id (see the proto), and
 * the content of PNG/JPEG images (the central side decodes them; load tests send random bytes).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';

export const CAPTURE_KINDS = ['SLAP', 'FINGER_FLAT', 'FINGER_ROLLED', 'PALM', 'FACE', 'SIGNATURE'] as const;
export type CaptureKind = (typeof CAPTURE_KINDS)[number];
export const IMAGE_FORMATS = ['GRAY8_RAW', 'PNG', 'JPEG'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export const MISSING_REASONS = ['AMPUTATED', 'BANDAGED', 'UNABLE_TO_PRINT', 'OTHER'] as const;
export type MissingReason = (typeof MISSING_REASONS)[number];
export const SESSION_RESULTS = ['COMPLETED', 'ESCALATED', 'ABANDONED', 'REFUSED'] as const;
export type SessionResult = (typeof SESSION_RESULTS)[number];
export const DOCUMENT_KINDS = ['MRZ', 'BARCODE'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** Times are Unix milliseconds (UTC); positions are ANSI/NIST FGP codes (see capture.proto). */
export interface Consent { given: boolean; textVersion: string; atMs: number }
export interface MissingFinger { position: number; reason: MissingReason }
export interface SegmentedFinger { position: number; quality: number; x: number; y: number; width: number; height: number }
/** Pad units, pressure 0..1023, t ms since the pad started collecting. */
export interface PenSample { x: number; y: number; pressure: number; t: number }
export interface SessionOutcome { result: SessionResult; reason: string; endedAtMs: number }
/** Personal data: never logged; it travels only inside the sealed package. */
export interface DocumentRead { kind: DocumentKind; text: string; readAtMs: number }

export interface Capture {
  captureId: string;
  kind: CaptureKind;
  position: number;
  format: ImageFormat;
  width: number;
  height: number;
  ppi: number;
  quality: number;
  segments: SegmentedFinger[];
  attempt: number;
  deviceId: string;
  deviceSerial: string;
  startedAtMs: number;
  capturedAtMs: number;
  image: Uint8Array;
  /** SIGNATURE only; empty for every other kind. */
  penSamples: PenSample[];
}

export interface CapturePackage {
  packageId: string;
  sessionId: string;
  boothId: string;
  language: string;
  consent: Consent;
  missingFingers: MissingFinger[];
  captures: Capture[];
  outcome: SessionOutcome;
  createdAtMs: number;
  /** Absent when the booth asks for no document or the person had none. */
  document?: DocumentRead;
}

export interface PackageDecodeLimits {
  /** Default DEFAULT_MAX_PACKAGE_BYTES. */
  maxBytes?: number;
}

/** A package (or a value in it) that is not valid; the only error encode/decode throw. */
export class CapturePackageError extends Error {
  readonly code = 'EBADMSG';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CapturePackageError';
  }
}

/** 64 MiB: a full 4-4-2 + palms + face + signature session is ~25 MB of raw images. */
export const DEFAULT_MAX_PACKAGE_BYTES = 64 * 1024 * 1024;
// Caps that keep a hostile package from costing more than its size in work; far above real use.
const MAX_CAPTURES = 256; // a 4-4-2 + 10 flat + 10 rolled + 8 palms session with every retry kept
const MAX_PEN_SAMPLES = 200_000;
const MAX_SEGMENTS = 4;
const MAX_DIMENSION = 65_535;

const FINGERS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/** The FGP positions each kind may have: slaps right four, left four, two thumbs; palms 21..28. */
export const CAPTURE_POSITIONS: Readonly<Record<CaptureKind, readonly number[]>> = {
  SLAP: [13, 14, 15], FINGER_FLAT: FINGERS, FINGER_ROLLED: FINGERS, PALM: [21, 22, 23, 24, 25, 26, 27, 28], FACE: [0], SIGNATURE: [0],
};
/** Which fingers a slap can hold (the same table as hal/fingerprint.ts SLAP_FINGERS). */
const SLAP_FINGERS: Readonly<Record<number, readonly number[]>> = { 13: [2, 3, 4, 5], 14: [7, 8, 9, 10], 15: [1, 6] };
const FRICTION_RIDGE: readonly CaptureKind[] = ['SLAP', 'FINGER_FLAT', 'FINGER_ROLLED', 'PALM'];

const SCHEMA_PATH = join(import.meta.dirname, '..', 'proto', 'capture.proto');
// Parsed once at load: the schema is an immutable constant, not state.
const root = protobuf.parse(readFileSync(SCHEMA_PATH, 'utf8'), { keepCase: true }).root;
const PackageType = root.lookupType('booth.capture.v1.CapturePackage');

/** name <-> wire number of one proto enum, checked against the TS names so the two cannot drift. */
function enumCodes(path: string, names: readonly string[]): { toWire: Map<string, number>; fromWire: Map<number, string> } {
  const values = root.lookupEnum(`booth.capture.v1.${path}`).values;
  const pairs = names.map((name): [string, number] => {
    const code = values[name];
    if (code === undefined || code === 0) throw new Error(`capture.proto and package-codec.ts disagree on ${path}.${name}`);
    return [name, code];
  });
  return { toWire: new Map(pairs), fromWire: new Map(pairs.map(([name, code]) => [code, name])) };
}
const KIND = enumCodes('Capture.Kind', CAPTURE_KINDS);
const FORMAT = enumCodes('Capture.Format', IMAGE_FORMATS);
const REASON = enumCodes('MissingFinger.Reason', MISSING_REASONS);
const RESULT = enumCodes('SessionOutcome.Result', SESSION_RESULTS);
const DOCUMENT = enumCodes('Document.Kind', DOCUMENT_KINDS);

type Wire = Record<string, any>; // a protobufjs message: its shape is the schema's, checked by the validator

/** Validates and encodes a package; the bytes are a buffer of their own. */
export function encodeCapturePackage(pkg: CapturePackage): Uint8Array {
  validatePackage(pkg);
  const { consent, outcome } = pkg;
  const wire: Wire = {
    package_id: pkg.packageId,
    session_id: pkg.sessionId,
    booth_id: pkg.boothId,
    language: pkg.language,
    consent: { given: consent.given, text_version: consent.textVersion, at_ms: consent.atMs },
    missing_fingers: pkg.missingFingers.map((m) => ({ position: m.position, reason: REASON.toWire.get(m.reason) })),
    captures: pkg.captures.map((c) => ({
      capture_id: c.captureId, kind: KIND.toWire.get(c.kind), position: c.position, format: FORMAT.toWire.get(c.format),
      width: c.width, height: c.height, ppi: c.ppi, quality: c.quality, segments: c.segments, attempt: c.attempt,
      device_id: c.deviceId, device_serial: c.deviceSerial, started_at_ms: c.startedAtMs, captured_at_ms: c.capturedAtMs,
      image: c.image, pen_samples: c.penSamples,
    })),
    outcome: { result: RESULT.toWire.get(outcome.result), reason: outcome.reason, ended_at_ms: outcome.endedAtMs },
    created_at_ms: pkg.createdAtMs,
    ...(pkg.document
      ? { document: { kind: DOCUMENT.toWire.get(pkg.document.kind), text: pkg.document.text, read_at_ms: pkg.document.readAtMs } }
      : {}),
  };
  // SegmentedFinger and PenSample have the proto's own field names, so they go as they are.
  return new Uint8Array(PackageType.encode(wire).finish());
}

/**
 * Decodes and validates a package. Throws only CapturePackageError (EBADMSG), whatever the
 * bytes: protobufjs' errors (truncation, bad wire types, runaway group nesting) are wrapped, and
 * every value passes the encoder's rules. Unknown fields are skipped (a newer sender may add
 * some); unknown enum numbers are rejected (their meaning would be a guess).
 */
export function decodeCapturePackage(bytes: Uint8Array, limits: PackageDecodeLimits = {}): CapturePackage {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_PACKAGE_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new CapturePackageError(`not a capture package: expected bytes, got ${describe(bytes)}`);
  if (bytes.length > maxBytes) throw new CapturePackageError(`package of ${bytes.length} bytes exceeds the ${maxBytes}-byte limit`);
  let m: Wire;
  try {
    m = PackageType.decode(bytes) as Wire;
  } catch (error) {
    throw new CapturePackageError(`not a capture package: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  // Unknown enum numbers and uint64s beyond 2^53 stay as they came, for the validator to name.
  const consent = m.consent as Wire | null;
  const outcome = m.outcome as Wire | null;
  const pkg = {
    packageId: m.package_id, sessionId: m.session_id, boothId: m.booth_id, language: m.language,
    consent: consent === null ? undefined : { given: consent.given, textVersion: consent.text_version, atMs: uint64(consent.at_ms) },
    missingFingers: (m.missing_fingers as Wire[]).map((w) => ({ position: w.position, reason: REASON.fromWire.get(w.reason) ?? w.reason })),
    captures: (m.captures as Wire[]).map((w) => ({
      captureId: w.capture_id, kind: KIND.fromWire.get(w.kind) ?? w.kind, position: w.position,
      format: FORMAT.fromWire.get(w.format) ?? w.format, width: w.width, height: w.height, ppi: w.ppi, quality: w.quality,
      segments: (w.segments as Wire[]).map((s) => ({ position: s.position, quality: s.quality, x: s.x, y: s.y, width: s.width, height: s.height })),
      attempt: w.attempt, deviceId: w.device_id, deviceSerial: w.device_serial,
      startedAtMs: uint64(w.started_at_ms), capturedAtMs: uint64(w.captured_at_ms),
      image: new Uint8Array(w.image as Uint8Array), // a copy: protobufjs returns a view into the input
      penSamples: (w.pen_samples as Wire[]).map((p) => ({ x: p.x, y: p.y, pressure: p.pressure, t: p.t })),
    })),
    outcome: outcome === null ? undefined : { result: RESULT.fromWire.get(outcome.result) ?? outcome.result, reason: outcome.reason, endedAtMs: uint64(outcome.ended_at_ms) },
    createdAtMs: uint64(m.created_at_ms),
    ...(m.document
      ? { document: { kind: DOCUMENT.fromWire.get((m.document as Wire).kind) ?? (m.document as Wire).kind, text: (m.document as Wire).text, readAtMs: uint64((m.document as Wire).read_at_ms) } }
      : {}),
  };
  validatePackage(pkg);
  return pkg;
}

/** protobufjs yields uint64 as a long.js Long. */
function uint64(value: unknown): number | bigint {
  if (typeof value === 'number') return value;
  const { low, high } = value as { low: number; high: number };
  const n = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

type Obj = Record<string, unknown>;
const MAX_ID = 128;
const CONTROL = /\p{Cc}/u;

/** The package's rules, shared by encode and decode; the first broken one throws. */
function validatePackage(value: unknown): asserts value is CapturePackage {
  const pkg = object(value, 'package');
  if (!isUuidV7(pkg.packageId)) fail('packageId', `${describe(pkg.packageId)} is not a lowercase UUIDv7`);
  text(pkg.sessionId, 'sessionId', 1, MAX_ID);
  if (/[/+#]/.test(text(pkg.boothId, 'boothId', 1, MAX_ID))) fail('boothId', `${describe(pkg.boothId)} contains "/", "+" or "#" (it is an MQTT topic level)`);
  const language = text(pkg.language, 'language', 1, 35);
  try {
    Intl.getCanonicalLocales(language); // throws RangeError for anything that is not a BCP-47 tag
  } catch {
    fail('language', `${describe(language)} is not a BCP-47 language tag`);
  }
  const consent = object(pkg.consent, 'consent');
  if (typeof consent.given !== 'boolean') fail('consent.given', `${describe(consent.given)} is not a boolean`);
  text(consent.textVersion, 'consent.textVersion', 1, 64);
  time(consent.atMs, 'consent.atMs');
  const missing = new Set<number>();
  list(pkg.missingFingers, 'missingFingers', 10).forEach((entry, i) => {
    const m = object(entry, `missingFingers[${i}]`);
    const position = uint(m.position, `missingFingers[${i}].position`, 1, 10);
    if (missing.has(position)) fail(`missingFingers[${i}].position`, `finger ${position} is listed twice`);
    missing.add(position);
    oneOf(m.reason, MISSING_REASONS, `missingFingers[${i}].reason`);
  });
  const captures = list(pkg.captures, 'captures', MAX_CAPTURES);
  const ids = new Map<string, number>();
  captures.forEach((entry, i) => {
    const id = validateCapture(entry, `captures[${i}]`);
    const first = ids.get(id);
    if (first !== undefined) fail(`captures[${i}].captureId`, `${describe(id)} repeats captures[${first}]`);
    ids.set(id, i);
  });
  // Biometric data without consent must never leave the booth, whatever the session code did.
  if (captures.length > 0 && !consent.given) fail('consent.given', `false, but the package holds ${captures.length} captures`);
  const outcome = object(pkg.outcome, 'outcome');
  oneOf(outcome.result, SESSION_RESULTS, 'outcome.result');
  text(outcome.reason, 'outcome.reason', 0, 500);
  time(outcome.endedAtMs, 'outcome.endedAtMs');
  time(pkg.createdAtMs, 'createdAtMs');
  if (pkg.document !== undefined) {
    const document = object(pkg.document, 'document');
    oneOf(document.kind, DOCUMENT_KINDS, 'document.kind');
    // MRZ lines are joined with "\n"; the value is personal data, so no message quotes it.
    const read = document.text;
    if (typeof read !== 'string' || read.length < 1 || read.length > 400 || !read.isWellFormed() || /[^\P{Cc}\n]/u.test(read)) {
      fail('document.text', 'is not 1..400 characters of text (lines separated by "\\n")');
    }
    time(document.readAtMs, 'document.readAtMs');
  }
}

/** Checks one capture; returns its id. */
function validateCapture(value: unknown, at: string): string {
  const c = object(value, at);
  const id = text(c.captureId, `${at}.captureId`, 1, 200);
  const kind = oneOf(c.kind, CAPTURE_KINDS, `${at}.kind`);
  const position = c.position as number;
  if (!CAPTURE_POSITIONS[kind].includes(position)) fail(`${at}.position`, `${describe(position)} is not a valid position for a ${kind}`);
  const format = oneOf(c.format, IMAGE_FORMATS, `${at}.format`);
  const width = uint(c.width, `${at}.width`, 1, MAX_DIMENSION);
  const height = uint(c.height, `${at}.height`, 1, MAX_DIMENSION);
  uint(c.ppi, `${at}.ppi`, FRICTION_RIDGE.includes(kind) ? 1 : 0, 10_000); // prints are useless without a scale
  uint(c.quality, `${at}.quality`, 0, 100);
  uint(c.attempt, `${at}.attempt`, 1, 1000);
  text(c.deviceId, `${at}.deviceId`, 1, MAX_ID);
  text(c.deviceSerial, `${at}.deviceSerial`, 0, MAX_ID);
  time(c.startedAtMs, `${at}.startedAtMs`);
  time(c.capturedAtMs, `${at}.capturedAtMs`);
  const image = c.image;
  if (!(image instanceof Uint8Array)) fail(`${at}.image`, `${describe(image)} is not a Uint8Array`);
  if (image.length === 0) fail(`${at}.image`, 'is empty');
  if (format === 'GRAY8_RAW' && image.length !== width * height) {
    fail(`${at}.image`, `GRAY8_RAW ${width}×${height} needs ${width * height} bytes, got ${image.length}`);
  }

  const segments = list(c.segments, `${at}.segments`, MAX_SEGMENTS);
  const fingers = kind === 'SLAP' ? (SLAP_FINGERS[position] ?? []) : kind === 'FINGER_FLAT' || kind === 'FINGER_ROLLED' ? [position] : [];
  if (segments.length > 0 && fingers.length === 0) fail(`${at}.segments`, `a ${kind} has no segmented fingers`);
  const seen = new Set<number>();
  segments.forEach((entry, j) => {
    const where = `${at}.segments[${j}]`;
    const s = object(entry, where);
    const finger = uint(s.position, `${where}.position`, 1, 10);
    if (!fingers.includes(finger)) fail(`${where}.position`, `finger ${finger} is not in a ${kind} at position ${position}`);
    if (seen.has(finger)) fail(`${where}.position`, `finger ${finger} is segmented twice`);
    seen.add(finger);
    uint(s.quality, `${where}.quality`, 0, 100);
    const x = uint(s.x, `${where}.x`, 0, width - 1);
    const y = uint(s.y, `${where}.y`, 0, height - 1);
    uint(s.width, `${where}.width`, 1, width - x); // the box lies inside the image
    uint(s.height, `${where}.height`, 1, height - y);
  });
  const pen = list(c.penSamples, `${at}.penSamples`, MAX_PEN_SAMPLES);
  if (pen.length > 0 && kind !== 'SIGNATURE') fail(`${at}.penSamples`, `a ${kind} has no pen samples`);
  pen.forEach((entry, j) => {
    const p = object(entry, `${at}.penSamples[${j}]`);
    for (const key of ['x', 'y', 't'] as const) uint(p[key], `${at}.penSamples[${j}].${key}`, 0, 0xffff_ffff);
    uint(p.pressure, `${at}.penSamples[${j}].pressure`, 0, 1023);
  });
  return id;
}

function fail(path: string, problem: string): never {
  throw new CapturePackageError(`${path}: ${problem}`);
}
function object(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, value === undefined ? 'missing' : `${describe(value)} is not an object`);
  return value as Obj;
}
function list(value: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail(path, `${describe(value)} is not an array`);
  if (value.length > max) fail(path, `${value.length} entries, more than the limit of ${max}`);
  return value;
}
function text(value: unknown, path: string, min: 0 | 1, max: number): string {
  if (typeof value !== 'string') fail(path, `${describe(value)} is not a string`);
  if (value.length < min) fail(path, 'is empty');
  if (value.length > max) fail(path, `is ${value.length} characters long, more than ${max}`);
  if (!value.isWellFormed() || CONTROL.test(value)) fail(path, `${describe(value)} has a control character or a lone surrogate`);
  return value;
}
function uint(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(path, `${describe(value)} is not an integer in ${min}..${max}`);
  return value;
}
function time(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(path, `${describe(value)} is not a time in ms (a safe integer ≥ 0)`);
  return value;
}
function oneOf<T extends string>(value: unknown, names: readonly T[], path: string): T {
  if (!names.includes(value as T)) fail(path, `${describe(value)} is not one of ${names.join(', ')}`);
  return value as T;
}
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : value instanceof Uint8Array ? 'bytes' : typeof value;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True for a lowercase RFC 9562 UUIDv7 string (the form newUuidV7 writes). */
export function isUuidV7(value: unknown): value is string {
  return typeof value === 'string' && UUID_V7.test(value);
}

/**
 * A new RFC 9562 UUIDv7: 48-bit big-endian Unix milliseconds, version 7, 74 random bits,
 * variant 10. Later ids sort after earlier ones (by millisecond), which keeps the outbox and the
 * central store in creation order. `now` and `random` are injected for deterministic tests.
 */
export function newUuidV7(now: number, random: (n: number) => Uint8Array = randomBytes): string {
  if (!Number.isSafeInteger(now) || now < 0 || now > 0xffff_ffff_ffff) {
    throw new RangeError(`newUuidV7: now must be Unix milliseconds in 0..2^48-1, got ${describe(now)}`);
  }
  const rand = random(10);
  if (!(rand instanceof Uint8Array) || rand.length < 10) throw new RangeError('newUuidV7: random(10) must return 10 bytes');
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes.set(rand.subarray(0, 10), 6);
  bytes[6] = 0x70 | ((rand[0] ?? 0) & 0x0f); // version 7: high nibble of byte 6
  bytes[8] = 0x80 | ((rand[2] ?? 0) & 0x3f); // variant 10: two high bits of byte 8
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of a capture, `<packageId>/<kind>-<position>-a<attempt>` (e.g. `0190…/SLAP-13-a2`).
 * Derived, not random: a package rebuilt or re-sent after a crash carries the same ids, which is
 * what the receiver's exactly-once-per-captureId rule keys on.
 */
export function captureId(packageId: string, kind: CaptureKind, position: number, attempt: number): string {
  text(packageId, 'packageId', 1, MAX_ID);
  oneOf(kind, CAPTURE_KINDS, 'kind');
  if (!CAPTURE_POSITIONS[kind].includes(position)) fail('position', `${describe(position)} is not a valid position for a ${kind}`);
  uint(attempt, 'attempt', 1, 1000);
  return `${packageId}/${kind}-${position}-a${attempt}`;
}
