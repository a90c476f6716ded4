/**
 * Verifies an audit chain from its files alone (boothd running or not): every line a valid
 * record whose bytes match its hash, each record linked to the one before by `prev` and `seq`
 * across file boundaries, and the chain's start explained — by the genesis, or by the
 * `audit.pruned` record written when rotation deleted the file before it. Reports each break
 * with the file, the line and the seq; reads the files in chunks, never whole.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { checkLine, GENESIS, type ChainHead, type ParsedRecord } from './audit-chain.ts';
import { listAuditFiles, rotatedName, type AuditFiles, type ChainFile } from './audit-files.ts';

export type ProblemKind =
  /** a line that is not a chain record (edited past recognition, or an inserted foreign line) */
  | 'malformed'
  /** a record whose bytes do not match its own hash: edited */
  | 'altered'
  /** a record with the right seq whose prev is not the hash of the record before it */
  | 'relinked'
  /** seq jumps forward: records were removed */
  | 'removed'
  /** seq goes back or repeats: records were reordered, inserted or duplicated */
  | 'out-of-order'
  /** seq jumps forward at a file boundary: a whole file was removed */
  | 'missing-file'
  /** the oldest records are gone and no audit.pruned record says rotation deleted them */
  | 'start-missing'
  /** the last line has no newline: a torn write (power cut) or a record being written */
  | 'torn-tail'
  /** a rotated file's name does not match the seq of its first record */
  | 'misnamed'
  /** the chain does not hold a record the caller knew (`expect`): the chain was rolled back */
  | 'expected-missing';

export interface AuditProblem {
  file: string;
  line: number;
  seq?: number;
  kind: ProblemKind;
  message: string;
}

export interface VerifiedFile {
  name: string;
  bytes: number;
  lines: number;
  firstSeq?: number;
  lastSeq?: number;
}

export interface VerifyReport {
  /** No problem found (warnings allowed). */
  intact: boolean;
  dir: string;
  files: VerifiedFile[];
  records: number;
  /** Where the kept chain begins and why that is legitimate. */
  start?: { seq: number; after: 'genesis' | 'pruned'; prunedFile?: string };
  head?: ChainHead;
  problems: AuditProblem[];
  /** Not tampering: a torn last line (boothd repairs it at its next start), a misnamed file. */
  warnings: AuditProblem[];
  /** Files written before the chain existed, not verified. */
  preChain: string[];
}

export interface VerifyOptions {
  /** A record known from elsewhere (e.g. the `Audit/Seq` and `Audit/Head Hash` central last saw). */
  expect?: ChainHead;
}

interface Position {
  record: ParsedRecord;
  file: string;
  line: number;
}

interface Anchor {
  lastSeq: number;
  lastHash: string;
  prunedFile: string;
}

/** `path` is the current file, `<stateDir>/audit.log`; rotated files are found next to it. */
export async function verifyAuditChain(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { files, handles } = await openStable(path);
  const report: VerifyReport = { intact: true, dir: files.dir, files: [], records: 0, problems: [], warnings: [], preChain: files.preChain };
  const problem = (found: AuditProblem) => report.problems.push(found);
  const anchors: Anchor[] = [];
  let first: Position | undefined;
  let previous: Position | undefined;
  let expectedHash: string | undefined;
  try {
    for (const [index, file] of files.chain.entries()) {
      const handle = handles[index]!;
      const verified: VerifiedFile = { name: file.name, bytes: 0, lines: 0 };
      report.files.push(verified);
      const isLast = index === files.chain.length - 1;
      let atFileStart = true;
      // After a line that is no record, the next record's link is not checked: one damage, one report.
      let afterDamage = false;
      for await (const { text, complete, bytes } of lines(handle)) {
        verified.bytes += bytes;
        verified.lines += 1;
        const line = verified.lines;
        if (!complete) {
          const torn: AuditProblem = {
            file: file.name,
            line,
            kind: 'torn-tail',
            message: `the last line is incomplete (${bytes} bytes, no newline): a torn write after a power cut, or a record being written; boothd cuts it off at its next start and records audit.tail-repaired`,
          };
          if (isLast) report.warnings.push(torn);
          else problem({ ...torn, message: `an incomplete line inside a rotated file (${bytes} bytes, no newline): the file was truncated` });
          continue;
        }
        const check = checkLine(text);
        if (!check.ok) {
          const seq = check.record?.seq;
          problem({
            file: file.name,
            line,
            ...(seq === undefined ? {} : { seq }),
            kind: check.kind,
            message: check.kind === 'altered' ? `record altered: ${check.why}` : `not an audit record (${check.why}): edited or inserted`,
          });
          if (!check.record) {
            afterDamage = true;
            continue;
          }
        }
        const record = check.record!;
        const here: Position = { record, file: file.name, line };
        if (atFileStart && file.firstSeq !== undefined && file.firstSeq !== record.seq) {
          report.warnings.push({ file: file.name, line, seq: record.seq, kind: 'misnamed', message: `named after seq ${file.firstSeq} but its first record is seq ${record.seq}` });
        }
        if (!previous) first = here;
        else if (!afterDamage) checkLink(previous, here, atFileStart, files.stem, problem);
        if (record.event === 'audit.pruned') {
          const { lastSeq, lastHash, file: prunedFile } = record.entry;
          if (typeof lastSeq === 'number' && typeof lastHash === 'string') anchors.push({ lastSeq, lastHash, prunedFile: String(prunedFile) });
        }
        if (options.expect && record.seq === options.expect.seq) expectedHash = record.hash;
        verified.firstSeq ??= record.seq;
        verified.lastSeq = record.seq;
        report.records += 1;
        previous = here;
        atFileStart = false;
        afterDamage = false;
      }
    }
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
  if (first) report.start = checkStart(first, anchors, problem);
  if (previous) report.head = { seq: previous.record.seq, hash: previous.record.hash };
  if (options.expect) checkExpected(options.expect, expectedHash, report, problem);
  report.intact = report.problems.length === 0;
  return report;
}

function checkLink(previous: Position, here: Position, atFileStart: boolean, stem: string, problem: (found: AuditProblem) => void): void {
  const { record } = here;
  const expected = previous.record.seq + 1;
  const at = { file: here.file, line: here.line, seq: record.seq };
  if (record.seq === expected) {
    if (record.prev !== previous.record.hash) {
      problem({ ...at, kind: 'relinked', message: `does not follow ${previous.file} line ${previous.line} (seq ${previous.record.seq}): its prev is not that record's hash — a record was altered and re-hashed, or replaced` });
    }
  } else if (record.seq > expected) {
    const missing = record.seq - expected;
    const range = missing === 1 ? `seq ${expected}` : `seq ${expected}..${record.seq - 1}`;
    if (atFileStart) {
      problem({ ...at, kind: 'missing-file', message: `${missing} record(s) (${range}) missing between ${previous.file} and ${here.file}: the file ${rotatedName(stem, expected)} was removed` });
    } else {
      problem({ ...at, kind: 'removed', message: `${missing} record(s) (${range}) removed after ${previous.file} line ${previous.line}` });
    }
  } else {
    problem({ ...at, kind: 'out-of-order', message: `seq ${record.seq} after seq ${previous.record.seq}: records reordered, inserted or duplicated` });
  }
}

/** The kept chain must begin at the genesis or right after a file that rotation deleted. */
function checkStart(first: Position, anchors: Anchor[], problem: (found: AuditProblem) => void): VerifyReport['start'] {
  const { record } = first;
  const at = { file: first.file, line: first.line, seq: record.seq };
  if (record.seq === 1 && record.prev === GENESIS) return { seq: 1, after: 'genesis' };
  const explaining = anchors.find((anchor) => anchor.lastSeq + 1 === record.seq && anchor.lastHash === record.prev);
  if (explaining) return { seq: record.seq, after: 'pruned', prunedFile: explaining.prunedFile };
  const latest = anchors.reduce<Anchor | undefined>((best, anchor) => (best && best.lastSeq >= anchor.lastSeq ? best : anchor), undefined);
  if (latest && latest.lastSeq + 1 === record.seq) {
    problem({ ...at, kind: 'relinked', message: `the first kept record does not follow ${latest.prunedFile}, whose last hash audit.pruned recorded` });
  } else if (latest && latest.lastSeq + 1 < record.seq) {
    problem({
      ...at,
      kind: 'start-missing',
      message: `the kept chain starts at seq ${record.seq}, but rotation only deleted up to seq ${latest.lastSeq} (${latest.prunedFile}): seq ${latest.lastSeq + 1}..${record.seq - 1} were removed by hand`,
    });
  } else if (!latest && record.seq === 1) {
    problem({ ...at, kind: 'relinked', message: 'the first record does not chain to the genesis' });
  } else if (!latest) {
    problem({ ...at, kind: 'start-missing', message: `the chain starts at seq ${record.seq} and no audit.pruned record says rotation deleted what came before: seq 1..${record.seq - 1} were removed` });
  } else {
    return { seq: record.seq, after: 'pruned', prunedFile: latest.prunedFile }; // older than the latest pruning: a file whose deletion was interrupted
  }
  return { seq: record.seq, after: latest ? 'pruned' : 'genesis' };
}

function checkExpected(expect: ChainHead, found: string | undefined, report: VerifyReport, problem: (found: AuditProblem) => void): void {
  const last = report.files.at(-1)?.name ?? 'audit.log';
  if (found === expect.hash) return;
  const firstSeq = report.start?.seq ?? 1;
  if (found === undefined && expect.seq < firstSeq) return; // rotated out since: nothing to compare
  problem({
    file: last,
    line: report.files.at(-1)?.lines ?? 0,
    seq: expect.seq,
    kind: 'expected-missing',
    message:
      found === undefined
        ? `seq ${expect.seq} was seen before, but the chain ends at seq ${report.head?.seq ?? 0}: the newest records were removed`
        : `seq ${expect.seq} has a different hash than the one seen before: the chain was rewritten`,
  });
}

/**
 * Lists the files, opens them all, and lists again: a rotation between the two (boothd running)
 * shows as a different listing and the whole thing is retried, so no file is missed or read
 * under two names. Open handles keep reading a file even if it is renamed or deleted meanwhile.
 */
async function openStable(path: string): Promise<{ files: AuditFiles; handles: FileHandle[] }> {
  for (let attempt = 0; ; attempt += 1) {
    const files = listAuditFiles(path);
    const handles: FileHandle[] = [];
    try {
      for (const file of files.chain) handles.push(await open(file.path, 'r'));
    } catch (error) {
      await Promise.all(handles.map((handle) => handle.close()));
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 5) continue;
      throw error;
    }
    const again = listAuditFiles(path);
    if (sameNames(files.chain, again.chain) || attempt >= 5) return { files, handles };
    await Promise.all(handles.map((handle) => handle.close()));
  }
}

function sameNames(a: readonly ChainFile[], b: readonly ChainFile[]): boolean {
  return a.length === b.length && a.every((file, index) => file.name === b[index]!.name);
}

/** The lines of a file: text without the newline, whether it had one, and its bytes (newline included). */
async function* lines(handle: FileHandle): AsyncGenerator<{ text: string; complete: boolean; bytes: number }> {
  const chunk = Buffer.alloc(64 * 1024);
  let carry = Buffer.alloc(0);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let start = 0;
    for (let newline = data.indexOf(0x0a); newline >= 0; newline = data.indexOf(0x0a, start)) {
      yield { text: data.toString('utf8', start, newline), complete: true, bytes: newline - start + 1 };
      start = newline + 1;
    }
    carry = Buffer.from(data.subarray(start)); // a copy: `chunk` is read into again
  }
  if (carry.length > 0) yield { text: carry.toString('utf8'), complete: false, bytes: carry.length };
}
