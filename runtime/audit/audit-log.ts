/**
 * The audit log: an append-only, hash-chained record of every safety- and security-relevant
 * event (door transitions and refusals, commands, device changes, the configuration boothd
 * started with), appended to `<stateDir>/audit.log` and fsynced before `record` returns, and
 * mirrored to the logger at the `audit` level. A write failure is logged loudly but never stops
 * a door release; the records it could not write (a full disk) are held in memory, in order and
 * with their own times, and written first by the next record that can write — up to
 * `unwrittenLimit`, beyond which the oldest go and an `audit.records-lost` record says how many.
 *
 * Each line is sealed by audit-chain.ts (seq, prev, hash). On its first record the log reads the
 * end of the file to continue the chain — cutting off a torn last line (power cut) and saying so
 * in an `audit.tail-repaired` record, or `audit.chain-broken` when the last line is not a valid
 * record. Past `maxFileBytes` the file is renamed `audit.<first seq>.log` and a new one continues
 * the chain; beyond `maxFiles` the oldest are deleted, each after an `audit.pruned` record that
 * names it and its last hash, so the verifier knows where the kept chain begins. docs/audit.md.
 */
import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  existsSync,
  fsyncSync,
} from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { Clock } from '../../hal/clock.ts';
import type { BoothLogger } from '../logging/logger.ts';
import { checkLine, GENESIS_HEAD, isPreChainLine, sealRecord, sha256Hex, type AuditFieldValue, type ChainHead } from './audit-chain.ts';
import { auditStem, listAuditFiles, preChainName, readFully, readTail, rotatedName } from './audit-files.ts';
import { AuditWriteLock } from './audit-lock.ts';
import { verifyAuditChain, type VerifyReport } from './audit-verify.ts';

export type AuditFields = Record<string, AuditFieldValue>;

/** One line of the audit log as JSON. Records written since the chain exist carry seq/prev/hash. */
export interface AuditEntry extends AuditFields {
  at: string;
  event: string;
}

export interface AuditSink {
  record(event: string, fields?: AuditFields): void;
}

export interface AuditLogOptions {
  /** A file that would pass this size with the next record is rotated first. */
  maxFileBytes?: number;
  /** Files kept, the current one included; the oldest beyond are deleted. */
  maxFiles?: number;
  /** How long to wait for another process's append before appending anyway. */
  lockWaitMs?: number;
  /** Records held in memory while the log cannot be written (default UNWRITTEN_LIMIT). */
  unwrittenLimit?: number;
}

/** What telemetry may tell about the audit log: counts, names and hashes, never field values. */
export interface AuditSummary {
  /** Records this process wrote. */
  records: number;
  lastEvent: string | undefined;
  /** The chain's head: the last record's seq and hash (0 and the genesis before any record). */
  head: ChainHead;
  /** The start-up self-check: undefined until it has run. */
  chainOk: boolean | undefined;
}

export const AUDIT_DEFAULTS = { maxFileBytes: 4 * 1024 * 1024, maxFiles: 8 } as const;

/** Records held in memory while the log cannot be written: hours of a booth out of service. */
export const UNWRITTEN_LIMIT = 10_000;

export class AuditLog implements AuditSink {
  readonly #path: string;
  readonly #clock: Clock;
  readonly #logger: BoothLogger;
  readonly #maxFileBytes: number;
  readonly #maxFiles: number;
  readonly #lock: AuditWriteLock;
  readonly #unwrittenLimit: number;
  #fd: number | undefined;
  #size = 0;
  #head: ChainHead = GENESIS_HEAD;
  /** seq of the current file's first record; undefined while it has none. */
  #fileFirstSeq: number | undefined;
  #records = 0;
  #lastEvent: string | undefined;
  #chainOk: boolean | undefined;
  /** close() was called (boothd stopped): a late self-check result is not written. */
  #closed = false;
  /** Records a failed write left behind, oldest first, with the time each happened. */
  readonly #unwritten: Array<{ event: string; fields: AuditFields; at: number }> = [];
  /** Held records dropped because there were more than UNWRITTEN_LIMIT. */
  #lostUnwritten = 0;

  constructor(path: string, clock: Clock, logger: BoothLogger, options: AuditLogOptions = {}) {
    this.#path = path;
    this.#clock = clock;
    this.#logger = logger;
    this.#maxFileBytes = options.maxFileBytes ?? AUDIT_DEFAULTS.maxFileBytes;
    this.#maxFiles = Math.max(1, options.maxFiles ?? AUDIT_DEFAULTS.maxFiles);
    this.#unwrittenLimit = Math.max(1, options.unwrittenLimit ?? UNWRITTEN_LIMIT);
    this.#lock = new AuditWriteLock(join(dirname(path), `${auditStem(path)}.lock`), options.lockWaitMs === undefined ? {} : { waitMs: options.lockWaitMs });
  }

  get path(): string {
    return this.#path;
  }

  record(event: string, fields: AuditFields = {}): void {
    this.#closed = false;
    this.#logger.audit({ ...fields, event }, describe(event, fields));
    this.#unwritten.push({ event, fields, at: this.#clock.now() });
    try {
      // The lock file lives next to the log: the folder must exist before the first record.
      if (this.#fd === undefined) mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
      const { locked } = this.#lock.run(() => {
        this.openCurrent();
        if (this.#lostUnwritten > 0) {
          this.appendRotating('audit.records-lost', { count: this.#lostUnwritten, why: 'the log could not be written for too long' }, this.#clock.now());
          this.#lostUnwritten = 0;
        }
        // Oldest first, each removed only once it is on disk: the chain keeps the order they happened in.
        while (this.#unwritten.length > 0) {
          const next = this.#unwritten[0]!;
          this.appendRotating(next.event, next.fields, next.at);
          this.#unwritten.shift();
        }
      });
      if (!locked) this.#logger.warn({ event, holder: this.#lock.holder() }, 'audit lock not taken (held too long by another process, or not writable); appended without it');
    } catch (error) {
      const over = this.#unwritten.length - this.#unwrittenLimit;
      if (over > 0) {
        this.#unwritten.splice(0, over);
        this.#lostUnwritten += over;
      }
      this.#logger.error(
        { err: error, event, unwritten: this.#unwritten.length },
        `audit log write failed; ${this.#unwritten.length} record(s) held in memory until it can be written`,
      );
    }
  }

  summary(): AuditSummary {
    return { records: this.#records, lastEvent: this.#lastEvent, head: { ...this.#head }, chainOk: this.#chainOk };
  }

  /**
   * Verifies the whole kept chain (reading the files in chunks, so the event loop keeps turning)
   * and sets `summary().chainOk`. A broken chain is recorded as `audit.chain-broken`; an intact
   * one only logged (a record arriving at a random moment would only add noise to the chain).
   */
  async selfCheck(): Promise<VerifyReport> {
    const report = await verifyAuditChain(this.#path);
    this.#chainOk = report.intact;
    if (report.intact) {
      this.#logger.info({ files: report.files.length, fromSeq: report.start?.seq, toSeq: report.head?.seq }, `audit chain intact: seq ${report.start?.seq ?? 0}..${report.head?.seq ?? 0} in ${report.files.length} file(s)`);
    } else if (!this.#closed) {
      const first = report.problems[0]!;
      this.record('audit.chain-broken', {
        found: 'self-check',
        problems: report.problems.length,
        file: first.file,
        line: first.line,
        atSeq: first.seq,
        problem: first.kind,
      });
    }
    return report;
  }

  /** Closes the file; a later record opens it again. */
  close(): void {
    this.closeFile();
    this.#closed = true;
  }

  private closeFile(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /**
   * Makes sure the open file is still the chain's current file with our last record at its
   * end; otherwise (first record, another process appended or rotated) reads the head again.
   */
  private openCurrent(): void {
    if (this.#fd !== undefined) {
      const open = fstatSync(this.#fd);
      let named: ReturnType<typeof statSync> | undefined;
      try {
        named = statSync(this.#path);
      } catch {
        named = undefined;
      }
      if (named?.ino === open.ino && open.size === this.#size) return;
      this.closeFile();
    }
    this.recover();
  }

  /** Opens the current file and finds the head of the chain, repairing a torn tail. */
  private recover(): void {
    const dir = dirname(this.#path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const notes: Array<[string, AuditFields]> = [];
    const created = !existsSync(this.#path);
    let fd = openSync(this.#path, 'a+', 0o600);
    if (created) syncDirectory(dir);
    let size = fstatSync(fd).size;
    let head: ChainHead | undefined;
    let firstSeq: number | undefined;
    const name = basename(this.#path);

    if (size > 0) {
      const tail = readTail(fd, size, 1);
      if (tail.fragment) {
        ftruncateSync(fd, tail.fragment.offset);
        fdatasyncSync(fd);
        size = tail.fragment.offset;
        notes.push(['audit.tail-repaired', { file: name, droppedBytes: tail.fragment.bytes.length, droppedSha256: sha256Hex(tail.fragment.bytes) }]);
      }
      const last = tail.lines.at(-1);
      if (last && isPreChainLine(last.text) && isPreChainLine(firstLine(fd, size) ?? '')) {
        // Written by a boothd from before the chain: kept aside, and the chain starts afresh.
        closeSync(fd);
        const aside = preChainName(auditStem(this.#path), dir, this.#clock.now());
        const bytes = readFileSync(this.#path);
        renameSync(this.#path, join(dir, aside));
        fd = openSync(this.#path, 'a+', 0o600);
        syncDirectory(dir);
        size = 0;
        notes.push(['audit.chain-started', { preChainFile: aside, preChainBytes: bytes.length, preChainSha256: sha256Hex(bytes) }]);
      } else if (last) {
        const check = checkLine(last.text);
        if (check.ok) head = { seq: check.record.seq, hash: check.record.hash };
        else {
          head = lastValidRecord(readFileSync(this.#path, 'utf8'));
          notes.push([
            'audit.chain-broken',
            { found: 'start-up', file: name, atSeq: check.record?.seq, problem: check.kind, why: check.why, resumedAfterSeq: head?.seq },
          ]);
        }
      }
      if (size > 0) {
        const first = firstLine(fd, size);
        const check = first === undefined ? undefined : checkLine(first);
        firstSeq = check?.ok ? check.record.seq : check?.record?.seq;
      }
    }
    this.#fd = fd;
    this.#size = size;
    this.#fileFirstSeq = firstSeq;
    this.#head = head ?? this.previousFileHead(notes);
    for (const [event, fields] of notes) {
      this.#logger.audit({ ...fields, event }, describe(event, fields));
      this.append(event, fields);
    }
  }

  /** The head when the current file holds no record: the newest rotated file's last record. */
  private previousFileHead(notes: Array<[string, AuditFields]>): ChainHead {
    const rotated = listAuditFiles(this.#path).chain.filter((file) => file.firstSeq !== undefined);
    const newest = rotated.at(-1);
    if (!newest) return GENESIS_HEAD;
    const text = readFileSync(newest.path, 'utf8');
    const head = lastValidRecord(text);
    if (!head) {
      notes.push(['audit.chain-broken', { found: 'start-up', file: newest.name, problem: 'no valid record' }]);
      return GENESIS_HEAD;
    }
    return head;
  }

  private appendRotating(event: string, fields: AuditFields, at: number): void {
    const { line } = sealRecord(this.#head, '', event, fields);
    const estimate = Buffer.byteLength(line) + 30; // `at` goes in with ~24 bytes
    if (this.#size > 0 && this.#size + estimate > this.#maxFileBytes) this.rotate();
    this.append(event, fields, at);
  }

  /** Appends one sealed record and fsyncs it; on a failed write the file is cut back, never left torn. */
  private append(event: string, fields: AuditFields, at = this.#clock.now()): void {
    const fd = this.#fd!;
    const sealed = sealRecord(this.#head, new Date(at).toISOString(), event, fields);
    const bytes = Buffer.from(`${sealed.line}\n`, 'utf8');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fdatasyncSync(fd);
    } catch (error) {
      try {
        ftruncateSync(fd, this.#size);
      } catch {
        // the next start-up cuts a torn line off and records it
      }
      throw error;
    }
    this.#size += bytes.length;
    this.#head = sealed.head;
    this.#fileFirstSeq ??= sealed.head.seq;
    this.#records += 1;
    this.#lastEvent = event;
  }

  /** Renames the full file after its first record's seq, starts a new one, deletes the oldest. */
  private rotate(): void {
    const dir = dirname(this.#path);
    const stem = auditStem(this.#path);
    this.closeFile();
    let seq = this.#fileFirstSeq ?? this.#head.seq;
    while (existsSync(join(dir, rotatedName(stem, seq)))) seq += 1;
    renameSync(this.#path, join(dir, rotatedName(stem, seq)));
    this.#fd = openSync(this.#path, 'a+', 0o600);
    syncDirectory(dir);
    this.#size = 0;
    this.#fileFirstSeq = undefined;
    this.prune();
  }

  private prune(): void {
    const rotated = listAuditFiles(this.#path).chain.filter((file) => file.firstSeq !== undefined);
    const excess = rotated.length - (this.#maxFiles - 1);
    if (excess <= 0) return;
    for (const file of rotated.slice(0, excess)) {
      const last = lastValidRecord(readFileSync(file.path, 'utf8'));
      // Recorded before the file goes: a crash in between leaves an extra old file, never a gap.
      const fields = { file: file.name, firstSeq: file.firstSeq, lastSeq: last?.seq, lastHash: last?.hash };
      this.#logger.audit({ ...fields, event: 'audit.pruned' }, describe('audit.pruned', fields));
      this.append('audit.pruned', fields);
      rmSync(file.path, { force: true });
    }
    syncDirectory(dirname(this.#path));
  }
}

/** The last line of `text` that is a valid record (its own hash checks). */
function lastValidRecord(text: string): ChainHead | undefined {
  const lines = text.split('\n');
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const check = checkLine(lines[index]!);
    if (check.ok) return { seq: check.record.seq, hash: check.record.hash };
  }
  return undefined;
}

/** The first complete line of the open file, read in small steps. */
function firstLine(fd: number, size: number): string | undefined {
  let length = Math.min(size, 4096);
  for (;;) {
    const buffer = Buffer.alloc(length);
    readFully(fd, buffer, 0);
    const newline = buffer.indexOf(0x0a);
    if (newline >= 0) return buffer.toString('utf8', 0, newline);
    if (length >= size) return undefined;
    length = Math.min(size, length * 4);
  }
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not every file system lets a directory be fsynced; the data itself is synced
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `door.released reason="exit button" bolt=unlocked`: the audit line as a person reads it. */
function describe(event: string, fields: AuditFields): string {
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`);
  return [event, ...parts].join(' ');
}
