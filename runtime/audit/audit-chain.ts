/**
 * The audit chain's record format, pure: how a record line is sealed with its hash and how a
 * line is checked again. docs/audit.md is the contract.
 *
 * A record is one line of JSON (UTF-8, no newline inside) whose members come in this order:
 * `seq`, `at`, `event`, the event's fields, `prev`, and last `hash`. `hash` is the SHA-256 (hex)
 * of the exact bytes of the line with its `,"hash":"…"` member taken out — the record as written
 * up to `prev`, closed with `}` — so no canonical JSON is needed: the verifier hashes the bytes
 * it reads. `prev` is the previous record's `hash` (GENESIS for the very first record), and
 * `seq` counts up by one from 1 across every file of the chain.
 */
import { createHash } from 'node:crypto';

/** The `prev` of the first record of a booth's chain. */
export const GENESIS = '0'.repeat(64);

/** Member names the chain owns; an event field with one of these names is not written. */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set(['seq', 'at', 'event', 'prev', 'hash']);

export type AuditFieldValue = string | number | boolean | undefined;

export interface ChainHead {
  seq: number;
  hash: string;
}

export const GENESIS_HEAD: ChainHead = { seq: 0, hash: GENESIS };

/** Where the hash member starts: the line ends with exactly this much after it. */
const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;
const HEX64 = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The line (without its newline) of the record after `head`. Fields whose value is undefined
 * are left out, as JSON.stringify does.
 */
export function sealRecord(head: ChainHead, at: string, event: string, fields: Record<string, AuditFieldValue>): { line: string; head: ChainHead } {
  const seq = head.seq + 1;
  const entry: Record<string, AuditFieldValue> = { seq, at, event };
  for (const [key, value] of Object.entries(fields)) if (!RESERVED_FIELDS.has(key)) entry[key] = value;
  entry.prev = head.hash;
  const body = JSON.stringify(entry);
  const hash = sha256Hex(body);
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, head: { seq, hash } };
}

export interface ParsedRecord {
  seq: number;
  event: string;
  prev: string;
  /** The hash the line states (checked against its bytes when `ok`). */
  hash: string;
  entry: Record<string, unknown>;
}

export type LineCheck =
  | { ok: true; record: ParsedRecord }
  /** `malformed`: not a chain record at all; `altered`: a record whose bytes do not match its hash. */
  | { ok: false; kind: 'malformed' | 'altered'; why: string; record?: ParsedRecord };

/** Checks one line (without its newline) on its own: its shape and its own hash. */
export function checkLine(line: string): LineCheck {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return { ok: false, kind: 'malformed', why: 'not JSON' };
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { ok: false, kind: 'malformed', why: 'not a JSON object' };
  const fields = entry as Record<string, unknown>;
  const { seq, event, prev, hash } = fields;
  if (typeof hash !== 'string' || !HEX64.test(hash)) return { ok: false, kind: 'malformed', why: 'no "hash" member' };
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return { ok: false, kind: 'malformed', why: 'no valid "seq" member' };
  if (typeof event !== 'string' || typeof prev !== 'string' || !HEX64.test(prev)) {
    return { ok: false, kind: 'malformed', why: 'no "event" or "prev" member' };
  }
  const record: ParsedRecord = { seq, event, prev, hash, entry: fields };
  const suffix = HASH_SUFFIX.exec(line);
  if (!suffix || suffix[1] !== hash) return { ok: false, kind: 'altered', why: '"hash" is not the last member', record };
  const body = `${line.slice(0, suffix.index)}}`;
  if (sha256Hex(body) !== hash) return { ok: false, kind: 'altered', why: "the record's bytes do not match its hash", record };
  return { ok: true, record };
}

/** A line written before the audit log was chained: a JSON object with `event` and `at`, no hash. */
export function isPreChainLine(line: string): boolean {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return typeof entry === 'object' && entry !== null && typeof entry.event === 'string' && typeof entry.at === 'string' && !('hash' in entry);
  } catch {
    return false;
  }
}
