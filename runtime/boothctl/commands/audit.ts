/**
 * `boothctl audit verify|tail`: checks the hash-chained audit log from its files (boothd running
 * or not) and shows its last records. docs/audit.md describes the chain.
 */
import { join } from 'node:path';
import { checkLine, type ChainHead } from '../../audit/audit-chain.ts';
import { readChainTail } from '../../audit/audit-files.ts';
import { verifyAuditChain, type AuditProblem, type VerifyReport } from '../../audit/audit-verify.ts';
import type { CommandSpec } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';
import type { CliContext } from '../context.ts';
import { formatBytes } from '../terminal.ts';

const CHAIN_FIELDS = new Set(['seq', 'at', 'event', 'prev', 'hash']);

export const auditCommand: CommandSpec = {
  name: 'audit',
  summary: 'verify the hash-chained audit log; show its last records',
  subcommands: ['verify', 'tail'],
  help: `usage: boothctl audit verify [--expect SEQ:HASH] [--json]
       boothctl audit tail [--lines N] [--json]

verify  checks <state-dir>/audit.log and its rotated files (audit.<seq>.log): every record
        intact (its bytes match its hash), each one chained to the one before (seq and prev),
        no file missing between the oldest and the newest, and the oldest kept record either
        the first ever or the first after a file rotation deleted (recorded in the chain).
        Every break is named with its file, line and seq. A torn last line (a power cut; boothd
        cuts it off at its next start and records that) is a warning, not a failure.
        --expect SEQ:HASH  the chain must still hold this record: the Audit/Seq and
        Audit/Head Hash central last received, to catch a chain cut short or rewritten
tail    the last N records of the chain, oldest first (default 20)

Both only read the files: they work with boothd running or stopped. The state dir comes from
--state-dir, $BOOTH_STATE_DIR or the manifest's stateDir (--config).
Exit code: 0 intact, 1 the chain is broken (tampered or damaged), 64 bad usage.`,
  options: { lines: { type: 'string' }, expect: { type: 'string' } },
  async run(context, positionals, values) {
    const [sub] = positionals;
    if (sub === 'verify') return verify(context, typeof values.expect === 'string' ? parseExpect(values.expect) : undefined);
    if (sub === 'tail') {
      const count = values.lines === undefined ? 20 : Number(values.lines);
      if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new UsageError('--lines must be an integer from 1 to 100000');
      return tail(context, count);
    }
    throw new UsageError('usage: boothctl audit verify|tail');
  },
};

function parseExpect(text: string): ChainHead {
  const match = /^([1-9][0-9]*):([0-9a-f]{64})$/.exec(text.trim().toLowerCase());
  if (!match) throw new UsageError('--expect takes SEQ:HASH, e.g. 1234:<64 hex digits>');
  return { seq: Number(match[1]), hash: match[2]! };
}

async function verify(context: CliContext, expect: ChainHead | undefined): Promise<number> {
  const path = join(context.stateDir, 'audit.log');
  const report = await verifyAuditChain(path, expect ? { expect } : {});
  if (report.files.length === 0) {
    context.emit({ ...report, intact: false }, () => context.term.err.write(`boothctl audit: no audit log in ${report.dir} (boothd never ran with this state dir, or the files were removed)\n`));
    return EXIT.failed;
  }
  context.emit(report, () => printReport(context, report));
  return report.intact ? EXIT.ok : EXIT.failed;
}

function printReport(context: CliContext, report: VerifyReport): void {
  const { term } = context;
  const span = report.head ? `seq ${report.start?.seq ?? '?'}..${report.head.seq}` : 'no records';
  const verdict = report.intact ? term.paint('green', 'INTACT') : term.paint('red', 'BROKEN');
  const problems = report.problems.length === 1 ? '1 problem' : `${report.problems.length} problems`;
  term.line(`audit chain ${verdict}: ${report.intact ? '' : `${problems}; `}${report.records} records, ${span}, ${report.files.length} file(s) in ${report.dir}`);
  const width = Math.max(...report.files.map((file) => file.name.length));
  for (const file of report.files) {
    const seqs = file.firstSeq === undefined ? 'no records' : `seq ${file.firstSeq}..${file.lastSeq}`;
    term.line(`  ${file.name.padEnd(width)}  ${seqs.padEnd(22)} ${file.lines} lines, ${formatBytes(file.bytes)}`);
  }
  if (report.start) {
    term.line(
      report.start.after === 'genesis'
        ? '  the chain starts at its first record ever (genesis)'
        : `  the chain starts at seq ${report.start.seq}, after ${report.start.prunedFile ?? 'a file'} deleted by rotation (recorded by audit.pruned)`,
    );
  }
  if (report.head) term.line(`  head: seq ${report.head.seq} hash ${report.head.hash}`);
  if (report.preChain.length > 0) term.line(`  not verified (written before the chain existed): ${report.preChain.join(', ')}`);
  for (const problem of report.problems) term.line(`${term.paint('red', 'FAIL')} ${where(problem)}: ${problem.kind}: ${problem.message}`);
  for (const warning of report.warnings) term.line(`${term.paint('yellow', 'WARN')} ${where(warning)}: ${warning.kind}: ${warning.message}`);
}

function where(problem: AuditProblem): string {
  return `${problem.file} line ${problem.line}${problem.seq === undefined ? '' : ` (seq ${problem.seq})`}`;
}

async function tail(context: CliContext, count: number): Promise<number> {
  const lines = readChainTail(join(context.stateDir, 'audit.log'), count);
  const records = lines.map(({ file, text }) => {
    const check = checkLine(text);
    const entry = check.ok || check.record ? (check.record!.entry as Record<string, unknown>) : undefined;
    return { file, ok: check.ok, entry, text };
  });
  if (context.json) {
    context.term.line(JSON.stringify(records.map((record) => record.entry ?? { unreadable: record.text.slice(0, 200), file: record.file }), null, 2));
    return EXIT.ok;
  }
  for (const record of records) {
    if (!record.entry) {
      context.term.line(`${context.term.paint('red', 'not a record')} in ${record.file}: ${record.text.slice(0, 120)}`);
      continue;
    }
    const { seq, at, event } = record.entry;
    const fields = Object.entries(record.entry)
      .filter(([key, value]) => !CHAIN_FIELDS.has(key) && value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`);
    const mark = record.ok ? '' : ` ${context.term.paint('red', '(altered)')}`;
    context.term.line(`${String(at)} ${context.term.paint('dim', `#${String(seq)}`)} ${context.term.paint('cyan', String(event))}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}${mark}`);
  }
  return EXIT.ok;
}
