/**
 * Chunked capture transfer (docs/protocols/capture-transfer.md): topics, the binary chunk
 * message, reassembly, and the central side's JSON ack and resume messages.
 *
 * The chunk is a fixed 88-byte header + package id + data, not protobuf: the sender must know
 * the exact header size to keep every message within the broker's limit (varints would make it
 * depend on the values), the receiver can bound-check every field at a fixed offset and say
 * which byte is wrong, the data is sliced without a copy, and the central side (not ours, maybe
 * not JavaScript) needs no schema to read it. The bytes carried are the sealed (encrypted,
 * signed) package; nothing here looks inside them.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_MAX_CHUNK_BYTES = 131_072;
/** magic(2) version(1) idLength(1) index(4) count(4) totalBytes(8) packageSha256(32) chunkSha256(32) dataLength(4). */
export const CHUNK_FIXED_HEADER_BYTES = 88;
export const CHUNK_MAGIC = 0x4243; // "BC": booth capture
export const CHUNK_VERSION = 1;
export const CHUNK_TOPIC_FILTER = 'booth/v1/+/capture/+/chunk';
const MAX_ID_BYTES = 128;
const MAX_COUNT = 0xffff_ffff;
const OFFSET = { magic: 0, version: 2, idLength: 3, index: 4, count: 8, totalBytes: 12, packageSha256: 20, chunkSha256: 52, dataLength: 84, packageId: 88 } as const;

export interface Chunk {
  packageId: string;
  /** 0-based. */
  index: number;
  count: number;
  /** Size of the whole sealed package. */
  totalBytes: number;
  /** SHA-256 of the whole sealed package (the same in every chunk). */
  packageSha256: Uint8Array;
  /** SHA-256 of `data`. */
  chunkSha256: Uint8Array;
  data: Uint8Array;
}

export interface Ack {
  packageId: string;
  status: 'accepted' | 'rejected';
  /** Required when rejected. */
  reason?: string;
}
export interface ResumeRequest {
  packageId: string;
  /** Chunk indexes the receiver lacks: unique, returned ascending. */
  missing: number[];
}
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };
export type CaptureTopic = { kind: 'chunk'; boothId: string; packageId: string } | { kind: 'ack'; boothId: string } | { kind: 'resume'; boothId: string };

/** A transfer message (or its parts) that is not valid; the only error this module throws. */
export class ChunkError extends Error {
  readonly code = 'EBADMSG';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ChunkError';
  }
}

// --- topics ---

export function chunkTopic(boothId: string, packageId: string): string {
  return `booth/v1/${checkId('boothId', boothId)}/capture/${checkId('packageId', packageId)}/chunk`;
}
export function ackTopic(boothId: string): string {
  return `booth/v1/${checkId('boothId', boothId)}/capture/ack`;
}
export function resumeTopic(boothId: string): string {
  return `booth/v1/${checkId('boothId', boothId)}/capture/resume`;
}

export function parseCaptureTopic(topic: string): ParseResult<CaptureTopic> {
  const parts = typeof topic === 'string' ? topic.split('/') : [];
  const [root, version, boothId = '', capture, fourth = '', fifth] = parts;
  if (root !== 'booth' || version !== 'v1' || capture !== 'capture') return { ok: false, reason: `${describe(topic)} is not a capture topic` };
  const problem = idProblem(boothId);
  if (problem !== undefined) return { ok: false, reason: `boothId ${describe(boothId)} ${problem}` };
  if (parts.length === 5 && (fourth === 'ack' || fourth === 'resume')) return { ok: true, value: { kind: fourth, boothId } };
  if (parts.length !== 6 || fifth !== 'chunk') return { ok: false, reason: `${describe(topic)} is not a capture topic` };
  const idIssue = idProblem(fourth);
  if (idIssue !== undefined) return { ok: false, reason: `packageId ${describe(fourth)} ${idIssue}` };
  return { ok: true, value: { kind: 'chunk', boothId, packageId: fourth } };
}

// --- chunks ---

export function encodeChunk(chunk: Chunk): Uint8Array {
  const problem = chunkProblem(chunk);
  if (problem !== undefined) throw new ChunkError(`chunk ${problem[0]}: ${problem[1]}`);
  return writeChunk(chunk.packageId, chunk.index, chunk.count, chunk.totalBytes, chunk.packageSha256, chunk.chunkSha256, chunk.data);
}

/** Reads one chunk message exactly (no trailing bytes) and verifies its chunkSha256. */
export function decodeChunk(bytes: Uint8Array): Chunk {
  const at = (field: keyof typeof OFFSET, problem: string): never => {
    throw new ChunkError(`chunk ${field} at byte ${OFFSET[field]}: ${problem}`);
  };
  if (!(bytes instanceof Uint8Array)) throw new ChunkError(`not a chunk: expected bytes, got ${describe(bytes)}`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < CHUNK_FIXED_HEADER_BYTES) at('magic', `message of ${buf.length} bytes is shorter than the ${CHUNK_FIXED_HEADER_BYTES}-byte header`);
  const magic = buf.readUInt16BE(OFFSET.magic);
  if (magic !== CHUNK_MAGIC) at('magic', `0x${magic.toString(16).padStart(4, '0')} is not 0x4243 ("BC")`);
  if (buf[OFFSET.version] !== CHUNK_VERSION) at('version', `${buf[OFFSET.version]} is not ${CHUNK_VERSION}`);
  const idLength = buf[OFFSET.idLength] ?? 0;
  if (idLength === 0 || idLength > MAX_ID_BYTES) at('idLength', `${idLength} is not in 1..${MAX_ID_BYTES}`);
  const high = buf.readUInt32BE(OFFSET.totalBytes);
  if (high > 0x1f_ffff) at('totalBytes', 'is above 2^53-1');
  const dataLength = buf.readUInt32BE(OFFSET.dataLength);
  const expected = CHUNK_FIXED_HEADER_BYTES + idLength + dataLength;
  if (buf.length !== expected) at('dataLength', `header says ${expected} bytes (88 + ${idLength} id + ${dataLength} data), message has ${buf.length}`);
  let packageId = '';
  try {
    packageId = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf.subarray(OFFSET.packageId, OFFSET.packageId + idLength));
  } catch {
    at('packageId', 'is not UTF-8');
  }
  const dataStart = OFFSET.packageId + idLength;
  const chunk: Chunk = {
    packageId,
    index: buf.readUInt32BE(OFFSET.index),
    count: buf.readUInt32BE(OFFSET.count),
    totalBytes: high * 2 ** 32 + buf.readUInt32BE(OFFSET.totalBytes + 4),
    packageSha256: copy(buf, OFFSET.packageSha256, 32),
    chunkSha256: copy(buf, OFFSET.chunkSha256, 32),
    data: copy(buf, dataStart, dataLength), // a copy: the caller's buffer may be reused
  };
  const problem = chunkProblem(chunk);
  if (problem !== undefined) at(problem[0] === 'data' ? 'dataLength' : problem[0], problem[1]);
  return chunk;
}

/**
 * Where a chunk message sits in its package, read from the header alone: no hash is checked and
 * the data is not touched. For routing and for peers that only count chunks; decodeChunk before
 * trusting anything.
 */
export function peekChunkPosition(bytes: Uint8Array): { packageId: string; index: number; count: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idLength = buf[OFFSET.idLength] ?? 0;
  if (buf.length < CHUNK_FIXED_HEADER_BYTES + idLength || buf.readUInt16BE(OFFSET.magic) !== CHUNK_MAGIC) throw new ChunkError(`not a chunk: bad header`);
  return {
    packageId: buf.toString('utf8', OFFSET.packageId, OFFSET.packageId + idLength),
    index: buf.readUInt32BE(OFFSET.index),
    count: buf.readUInt32BE(OFFSET.count),
  };
}

/** Bytes of header before the data of a chunk of this package. */
export function chunkHeaderBytes(packageId: string): number {
  return CHUNK_FIXED_HEADER_BYTES + Buffer.byteLength(checkId('packageId', packageId));
}

/**
 * Splits a sealed package into chunk messages of at most maxChunkBytes each (header included).
 * Deterministic: the same bytes and maxChunkBytes give the same chunks, so a resumed upload must
 * use the maxChunkBytes of the first attempt (the receiver rejects a changed count). `digests`
 * made earlier by transferDigests for the same bytes save hashing them again (used only when
 * made for this maxChunkBytes).
 */
export function splitIntoChunks(packageId: string, bytes: Uint8Array, maxChunkBytes: number = DEFAULT_MAX_CHUNK_BYTES, digests?: TransferDigests): Uint8Array[] {
  if (!(bytes instanceof Uint8Array)) throw new ChunkError(`package: expected bytes, got ${describe(bytes)}`);
  // One allocation for every chunk of the package: one object for the garbage collector, and
  // one ArrayBuffer to transfer when the chunks are made on another thread.
  const target = new Uint8Array(chunkLayout(packageId, bytes.length, maxChunkBytes).storageBytes);
  let offset = 0;
  return writeChunks(packageId, bytes, maxChunkBytes, target, digests).map((length) => target.subarray(offset, (offset += length)));
}

/** How a package of totalBytes splits: data bytes per chunk, chunks, and the bytes of all the messages together. */
export function chunkLayout(packageId: string, totalBytes: number, maxChunkBytes: number): { room: number; count: number; storageBytes: number } {
  const header = chunkHeaderBytes(packageId);
  const room = (Number.isSafeInteger(maxChunkBytes) ? maxChunkBytes : 0) - header;
  if (room < 1) throw new ChunkError(`maxChunkBytes ${describe(maxChunkBytes)} leaves no room for data after the ${header}-byte header`);
  const count = Math.max(1, Math.ceil(totalBytes / room));
  if (count > MAX_COUNT) throw new ChunkError(`package of ${totalBytes} bytes needs ${count} chunks, more than ${MAX_COUNT}`);
  return { room, count, storageBytes: count * header + totalBytes };
}

/**
 * Writes the chunk messages of a package back to back into `target` (at least
 * chunkLayout(...).storageBytes long) and returns their lengths: for reusable buffers.
 */
export function writeChunks(packageId: string, bytes: Uint8Array, maxChunkBytes: number, target: Uint8Array, digests?: TransferDigests): number[] {
  const { room, count, storageBytes } = chunkLayout(packageId, bytes.length, maxChunkBytes);
  if (target.length < storageBytes) throw new ChunkError(`target of ${target.length} bytes is smaller than the ${storageBytes} the chunks need`);
  const usable = digests !== undefined && digests.maxChunkBytes === maxChunkBytes && digests.chunkSha256s.length === count * 32;
  const packageSha = usable ? digests.packageSha256 : sha256(bytes);
  const lengths: number[] = [];
  let offset = 0;
  for (let index = 0; index < count; index++) {
    const data = bytes.subarray(index * room, Math.min(bytes.length, (index + 1) * room));
    const chunkSha = usable ? digests.chunkSha256s.subarray(index * 32, index * 32 + 32) : sha256(data);
    const written = writeChunk(packageId, index, count, bytes.length, packageSha, chunkSha, data, target.subarray(offset));
    offset += written.length;
    lengths.push(written.length);
  }
  return lengths;
}

/** The hashes a package's chunk messages carry, for one maxChunkBytes: made once, used by every upload attempt. */
export interface TransferDigests {
  maxChunkBytes: number;
  packageSha256: Uint8Array;
  /** 32 bytes per chunk, in chunk order. */
  chunkSha256s: Uint8Array;
}

export function transferDigests(packageId: string, bytes: Uint8Array, maxChunkBytes: number = DEFAULT_MAX_CHUNK_BYTES): TransferDigests {
  const { room, count } = chunkLayout(packageId, bytes.length, maxChunkBytes);
  const chunkSha256s = new Uint8Array(count * 32);
  for (let index = 0; index < count; index++) chunkSha256s.set(sha256(bytes.subarray(index * room, (index + 1) * room)), index * 32);
  return { maxChunkBytes, packageSha256: sha256(bytes), chunkSha256s };
}

/** maxChunkBytes (4 bytes, big-endian) || packageSha256 || chunkSha256s: how a store keeps them. */
export function encodeTransferDigests(digests: TransferDigests): Uint8Array {
  const out = Buffer.alloc(36 + digests.chunkSha256s.length);
  out.writeUInt32BE(digests.maxChunkBytes, 0);
  out.set(digests.packageSha256, 4);
  out.set(digests.chunkSha256s, 36);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export function decodeTransferDigests(bytes: Uint8Array): TransferDigests {
  if (!(bytes instanceof Uint8Array) || bytes.length < 68 || (bytes.length - 36) % 32 !== 0) throw new ChunkError(`transfer digests: ${bytes?.length} bytes is not 36 + 32 per chunk`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { maxChunkBytes: view.getUint32(0), packageSha256: bytes.slice(4, 36), chunkSha256s: bytes.slice(36) };
}

export interface ReassemblyOptions {
  /** Reject chunks of any other package. */
  packageId?: string;
  /** Largest package accepted (default 256 MiB): bounds what a hostile sender can make us hold. */
  maxTotalBytes?: number;
  /** Most chunks accepted (default 65,536): bounds missing() and the resume message. */
  maxCount?: number;
}

/**
 * Collects the chunks of one package in any order, with duplicates. The first valid chunk fixes
 * packageId, count, totalBytes and packageSha256; a chunk that disagrees, repeats an index with
 * other bytes, or makes the sizes impossible is rejected (ChunkError) and leaves the state as it was.
 */
export class Reassembly {
  readonly #options: ReassemblyOptions;
  #first: Chunk | undefined;
  readonly #parts = new Map<number, Chunk>();
  #bytes = 0;

  constructor(options: ReassemblyOptions = {}) {
    this.#options = options;
  }

  add(chunk: Chunk): 'incomplete' | 'complete' | 'duplicate' {
    const problem = chunkProblem(chunk); // verifies chunkSha256 too, whoever built the object
    if (problem !== undefined) throw new ChunkError(`chunk ${problem[0]}: ${problem[1]}`);
    const first = this.#first ?? chunk;
    const expected = this.#options.packageId ?? first.packageId;
    if (chunk.packageId !== expected) throw new ChunkError(`chunk packageId: ${describe(chunk.packageId)} is not ${describe(expected)}`);
    for (const field of ['count', 'totalBytes'] as const) {
      if (chunk[field] !== first[field]) throw new ChunkError(`chunk ${field}: ${chunk[field]} disagrees with ${first[field]} from earlier chunks of ${expected}`);
    }
    if (!equal(chunk.packageSha256, first.packageSha256)) throw new ChunkError(`chunk packageSha256: disagrees with earlier chunks of ${expected}`);
    const maxTotal = this.#options.maxTotalBytes ?? 256 * 1024 * 1024;
    const maxCount = this.#options.maxCount ?? 65_536;
    if (chunk.totalBytes > maxTotal) throw new ChunkError(`chunk totalBytes: ${chunk.totalBytes} is above the limit of ${maxTotal}`);
    if (chunk.count > maxCount) throw new ChunkError(`chunk count: ${chunk.count} is above the limit of ${maxCount}`);
    const earlier = this.#parts.get(chunk.index);
    if (earlier !== undefined) {
      if (!equal(earlier.chunkSha256, chunk.chunkSha256)) throw new ChunkError(`chunk data: chunk ${chunk.index} arrived again with other bytes`);
      return 'duplicate';
    }
    // Every chunk carries at least one byte (of a non-empty package), so the sizes must still add up.
    const left = chunk.count - this.#parts.size - 1;
    const bytes = this.#bytes + chunk.data.length;
    if (bytes + left > chunk.totalBytes || (left === 0 && bytes !== chunk.totalBytes)) {
      throw new ChunkError(`chunk data: ${chunk.data.length} more bytes make ${bytes} with ${left} chunks to come, which cannot total ${chunk.totalBytes}`);
    }
    this.#first = first;
    this.#parts.set(chunk.index, chunk);
    this.#bytes = bytes;
    return left === 0 ? 'complete' : 'incomplete';
  }

  /** The indexes not yet received, ascending; empty before the first chunk (the count is unknown). */
  missing(): number[] {
    const count = this.#first?.count ?? 0;
    const missing: number[] = [];
    for (let i = 0; i < count; i++) if (!this.#parts.has(i)) missing.push(i);
    return missing;
  }

  isComplete(): boolean {
    return this.#first !== undefined && this.#parts.size === this.#first.count;
  }

  /** The package bytes, verified against packageSha256. */
  assemble(): Uint8Array {
    const first = this.#first;
    if (first === undefined || !this.isComplete()) throw new ChunkError(`assemble: ${this.missing().length || 'all'} chunks missing`);
    const out = new Uint8Array(first.totalBytes);
    let offset = 0;
    for (let i = 0; i < first.count; i++) {
      const data = (this.#parts.get(i) as Chunk).data;
      out.set(data, offset);
      offset += data.length;
    }
    if (!equal(sha256(out), first.packageSha256)) throw new ChunkError(`packageSha256: the assembled ${out.length} bytes do not match`);
    return out;
  }
}

// --- ack and resume (central → booth, UTF-8 JSON) ---

export function encodeAck(ack: Ack): Uint8Array {
  const value = ackFrom(ack);
  if (!value.ok) throw new ChunkError(value.reason);
  return new TextEncoder().encode(JSON.stringify(value.value));
}
export function encodeResume(request: ResumeRequest): Uint8Array {
  const value = resumeFrom(request);
  if (!value.ok) throw new ChunkError(value.reason);
  return new TextEncoder().encode(JSON.stringify(value.value));
}
export function parseAck(payload: Uint8Array | string): ParseResult<Ack> {
  const json = parseJson(payload, 'ack');
  return json.ok ? ackFrom(json.value) : json;
}
export function parseResume(payload: Uint8Array | string): ParseResult<ResumeRequest> {
  const json = parseJson(payload, 'resume');
  return json.ok ? resumeFrom(json.value) : json;
}

/** Strict: an object with only the known fields (the topic carries the version, v1). */
function ackFrom(value: unknown): ParseResult<Ack> {
  const bad = (reason: string): ParseResult<Ack> => ({ ok: false, reason: `ack: ${reason}` });
  const o = fields(value, ['packageId', 'status', 'reason']);
  if (typeof o === 'string') return bad(o);
  const idIssue = idProblem(o.packageId);
  if (idIssue !== undefined) return bad(`packageId ${describe(o.packageId)} ${idIssue}`);
  if (o.status !== 'accepted' && o.status !== 'rejected') return bad(`status ${describe(o.status)} is not "accepted" or "rejected"`);
  if (o.reason !== undefined && (typeof o.reason !== 'string' || o.reason.length > 1000 || !o.reason.isWellFormed())) {
    return bad('reason must be a well-formed string of at most 1000 characters');
  }
  if (o.status === 'rejected' && !o.reason) return bad('a rejection needs a reason');
  const ack: Ack = { packageId: o.packageId as string, status: o.status };
  if (o.reason !== undefined) ack.reason = o.reason;
  return { ok: true, value: ack };
}

function resumeFrom(value: unknown): ParseResult<ResumeRequest> {
  const bad = (reason: string): ParseResult<ResumeRequest> => ({ ok: false, reason: `resume: ${reason}` });
  const o = fields(value, ['packageId', 'missing']);
  if (typeof o === 'string') return bad(o);
  const idIssue = idProblem(o.packageId);
  if (idIssue !== undefined) return bad(`packageId ${describe(o.packageId)} ${idIssue}`);
  if (!Array.isArray(o.missing) || o.missing.length === 0 || o.missing.length > 65_536) return bad('missing must be an array of 1..65536 chunk indexes');
  const seen = new Set<number>();
  for (const [i, index] of (o.missing as unknown[]).entries()) {
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= MAX_COUNT) return bad(`missing[${i}]: ${describe(index)} is not a chunk index`);
    if (seen.has(index as number)) return bad(`missing[${i}]: ${index} is listed twice`);
    seen.add(index as number);
  }
  return { ok: true, value: { packageId: o.packageId as string, missing: [...seen].sort((a, b) => a - b) } };
}

function parseJson(payload: Uint8Array | string, what: string): ParseResult<unknown> {
  let text: string;
  if (typeof payload === 'string') text = payload;
  else if (!(payload instanceof Uint8Array)) return { ok: false, reason: `${what}: expected bytes or a string, got ${describe(payload)}` };
  else if (payload.length > 1_048_576) return { ok: false, reason: `${what}: ${payload.length} bytes is above the 1 MiB limit` };
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    } catch {
      return { ok: false, reason: `${what}: payload is not UTF-8` };
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: `${what}: not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}

function fields(value: unknown, known: readonly string[]): Record<string, unknown> | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${describe(value)} is not an object`;
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  return unknown === undefined ? (value as Record<string, unknown>) : `unknown field ${describe(unknown)}`;
}

// --- helpers ---

/** Ids name MQTT topic levels and fit the chunk header's 1-byte length. */
function idProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || id.length === 0) return 'is empty or not a string';
  if (/[/+#]/.test(id)) return 'contains "/", "+" or "#"';
  if (/\p{Cc}/u.test(id) || !id.isWellFormed()) return 'contains a control character or a lone surrogate';
  if (Buffer.byteLength(id) > MAX_ID_BYTES) return `is longer than ${MAX_ID_BYTES} UTF-8 bytes`;
  return undefined;
}
function checkId(what: string, id: string): string {
  const problem = idProblem(id);
  if (problem !== undefined) throw new ChunkError(`${what} ${describe(id)} ${problem}`);
  return id;
}

/** The first rule a chunk object breaks, as [field, problem]. */
function chunkProblem(c: Chunk): [keyof typeof OFFSET | 'data', string] | undefined {
  if (typeof c !== 'object' || c === null) return ['data', `${describe(c)} is not a chunk object`];
  const idIssue = idProblem(c.packageId);
  if (idIssue !== undefined) return ['packageId', `${describe(c.packageId)} ${idIssue}`];
  if (!Number.isInteger(c.count) || c.count < 1 || c.count > MAX_COUNT) return ['count', `${describe(c.count)} is not in 1..${MAX_COUNT}`];
  if (!Number.isInteger(c.index) || c.index < 0 || c.index >= c.count) return ['index', `${describe(c.index)} is not in 0..${c.count - 1}`];
  if (!Number.isSafeInteger(c.totalBytes) || c.totalBytes < 0) return ['totalBytes', `${describe(c.totalBytes)} is not a byte count`];
  if (c.count > Math.max(1, c.totalBytes)) return ['count', `${c.count} chunks cannot each carry a byte of ${c.totalBytes}`];
  if (!(c.packageSha256 instanceof Uint8Array) || c.packageSha256.length !== 32) return ['packageSha256', 'is not 32 bytes'];
  if (!(c.chunkSha256 instanceof Uint8Array) || c.chunkSha256.length !== 32) return ['chunkSha256', 'is not 32 bytes'];
  if (!(c.data instanceof Uint8Array)) return ['data', `${describe(c.data)} is not bytes`];
  if (c.data.length > c.totalBytes) return ['data', `${c.data.length} bytes is more than the package's ${c.totalBytes}`];
  if (c.data.length === 0 && c.totalBytes > 0) return ['data', `is empty, but the package has ${c.totalBytes} bytes`];
  if (!equal(sha256(c.data), c.chunkSha256)) return ['chunkSha256', 'does not match the data'];
  return undefined;
}

function writeChunk(
  packageId: string,
  index: number,
  count: number,
  totalBytes: number,
  packageSha: Uint8Array,
  chunkSha: Uint8Array,
  data: Uint8Array,
  target?: Uint8Array,
): Uint8Array {
  const id = Buffer.from(packageId, 'utf8');
  const size = CHUNK_FIXED_HEADER_BYTES + id.length + data.length;
  // alloc, not allocUnsafe: never a slice of Node's shared pool
  const buf = target ? Buffer.from(target.buffer, target.byteOffset, size) : Buffer.alloc(size);
  buf.writeUInt16BE(CHUNK_MAGIC, OFFSET.magic);
  buf[OFFSET.version] = CHUNK_VERSION;
  buf[OFFSET.idLength] = id.length;
  buf.writeUInt32BE(index, OFFSET.index);
  buf.writeUInt32BE(count, OFFSET.count);
  buf.writeUInt32BE(Math.floor(totalBytes / 2 ** 32), OFFSET.totalBytes);
  buf.writeUInt32BE(totalBytes % 2 ** 32, OFFSET.totalBytes + 4);
  buf.set(packageSha, OFFSET.packageSha256);
  buf.set(chunkSha, OFFSET.chunkSha256);
  buf.writeUInt32BE(data.length, OFFSET.dataLength);
  buf.set(id, OFFSET.packageId);
  buf.set(data, OFFSET.packageId + id.length);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest()); // a copy of its own
}
function copy(buf: Buffer, start: number, length: number): Uint8Array {
  return new Uint8Array(buf.subarray(start, start + length));
}
function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : value instanceof Uint8Array ? 'bytes' : typeof value;
}
