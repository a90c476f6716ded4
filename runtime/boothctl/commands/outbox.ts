/**
 * `boothctl outbox ls|retry|export`: what waits to be uploaded (ids, sizes, age, attempts — the
 * outbox holds nothing else a technician may see), a forced retry, and the sealed package as a
 * file to carry to the central side when the link is down for days. The export stays encrypted
 * to the central key and signed by the booth: the booth itself cannot read it.
 */
import { writeFileSync } from 'node:fs';
import type { OutboxItem } from '../../outbox/outbox.ts';
import type { CommandSpec } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';
import type { CliContext } from '../context.ts';
import { DaemonDown } from '../daemon-link.ts';
import { withOfflineOutbox } from '../offline-facts.ts';
import { formatBytes, formatDuration } from '../terminal.ts';
import { nearestName } from '../../control/nearest-name.ts';
import { sealedToAnsiNist } from '../sealed-to-ansi-nist.ts';

interface Listing {
  depth: number;
  bytes: number;
  overdue: number;
  full?: boolean;
  now: number;
  pending: OutboxItem[];
  daemonRunning: boolean;
}

export const outboxCommand: CommandSpec = {
  name: 'outbox',
  summary: 'pending capture packages (no personal data), force a retry, export a sealed package',
  subcommands: ['ls', 'retry', 'export'],
  help: `usage: boothctl outbox ls [--limit N]
       boothctl outbox retry
       boothctl outbox export <packageId> --out FILE [--format sealed|an2k] [--central-key KEY]

ls      pending packages, oldest first: id, size, age, upload attempts
retry   forget every package's backoff and upload now (needs boothd)
export  --format sealed (default): the sealed package (still encrypted to the central key,
        signed by this booth) to carry to the central side by hand.
        --format an2k --central-key KEY: the session as an ANSI/NIST-ITL 1-2011 transaction.
        The booth cannot read what it sealed: this needs the central X25519 private key, brought
        by an authorised officer (e.g. on a token) and never stored on the booth. The package's
        signature is checked against this booth's key before anything is written.
        Either way the package stays in the outbox until central acknowledges it.
ls and export read the outbox file directly when boothd is down.`,
  options: {
    limit: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
    format: { type: 'string' },
    'central-key': { type: 'string' },
  },
  async run(context, positionals, values) {
    const [sub, packageId] = positionals;
    if (sub === 'ls' || sub === undefined) return list(context, values.limit === undefined ? 100 : Number(values.limit));
    if (sub === 'retry') {
      const result = await context.daemon().call<{ depth: number; backoffCleared: number; connected: boolean }>('outbox.retry');
      context.emit(result, () =>
        context.term.line(
          `retrying now: ${result.depth} packages pending, ${result.backoffCleared} were waiting out a backoff; upload link ${result.connected ? 'up' : 'DOWN (they go when it is back)'}`,
        ),
      );
      return EXIT.ok;
    }
    if (sub === 'export') {
      if (!packageId || typeof values.out !== 'string') throw new UsageError('usage: boothctl outbox export <packageId> --out FILE [--format sealed|an2k --central-key KEY]');
      const format = typeof values.format === 'string' ? values.format : 'sealed';
      if (format !== 'sealed' && format !== 'an2k') throw new UsageError(`--format must be sealed or an2k; got "${format}"`);
      if (format === 'an2k' && typeof values['central-key'] !== 'string') {
        throw new UsageError('--format an2k needs --central-key KEY: the booth cannot decrypt what it sealed without the central private key');
      }
      const sealed = await exportSealed(context, packageId);
      const bytes = format === 'an2k' ? sealedToAnsiNist(context.config(), sealed, packageId, String(values['central-key'])) : sealed;
      writeFileSync(values.out, bytes, { mode: 0o600, flag: values.force === true ? 'w' : 'wx' });
      context.emit({ packageId, format, bytes: bytes.byteLength, savedTo: values.out }, () =>
        context.term.line(
          format === 'an2k'
            ? `package ${packageId}: ANSI/NIST-ITL transaction (${formatBytes(bytes.byteLength)}) written to ${values.out}; it holds biometric data: handle it as such`
            : `package ${packageId}: ${formatBytes(bytes.byteLength)} sealed package written to ${values.out} (encrypted to central; still in the outbox)`,
        ),
      );
      return EXIT.ok;
    }
    throw new UsageError(`unknown outbox command "${sub}"${nearestName(sub, ['ls', 'retry', 'export']) ? `; did you mean "${nearestName(sub, ['ls', 'retry', 'export'])}"?` : ''}`);
  },
};

async function list(context: CliContext, limit: number): Promise<number> {
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
  let listing: Listing;
  try {
    listing = { ...(await context.daemon().call<Omit<Listing, 'daemonRunning'>>('outbox.list', { limit })), daemonRunning: true };
  } catch (error) {
    if (!(error instanceof DaemonDown)) throw error;
    const now = Date.now();
    listing = withOfflineOutbox(context.config(), (outbox) => ({ ...outbox.stats(), now, pending: outbox.pending(limit), daemonRunning: false })) ?? {
      depth: 0,
      bytes: 0,
      overdue: 0,
      now,
      pending: [],
      daemonRunning: false,
    };
  }
  context.emit(listing, () => {
    const { term } = context;
    term.line(`${listing.depth} packages, ${formatBytes(listing.bytes)}${listing.overdue ? `, ${listing.overdue} overdue` : ''}${listing.daemonRunning ? '' : ' (read from the outbox file: boothd is down)'}`);
    if (listing.pending.length === 0) return;
    term.table(
      [
        ['PACKAGE', 'SIZE', 'AGE', 'ATTEMPTS', 'LAST ATTEMPT'],
        ...listing.pending.map((item) => [
          item.packageId,
          formatBytes(item.bytes),
          formatDuration(listing.now - item.createdAt),
          String(item.attempts),
          item.lastAttemptAt === undefined ? '-' : `${formatDuration(listing.now - item.lastAttemptAt)} ago`,
        ]),
      ],
      '  ',
    );
  });
  return EXIT.ok;
}

async function exportSealed(context: CliContext, packageId: string): Promise<Uint8Array> {
  try {
    const { sealed } = await context.daemon().call<{ sealed: string }>('outbox.export', { packageId }, 60_000);
    return Buffer.from(sealed, 'base64');
  } catch (error) {
    if (!(error instanceof DaemonDown)) throw error;
    const bytes = withOfflineOutbox(context.config(), (outbox) => {
      if (!outbox.has(packageId)) {
        const nearest = nearestName(packageId, outbox.pending(1000).map((item) => item.packageId));
        throw new Error(`no package "${packageId}" in the outbox${nearest ? `; did you mean "${nearest}"?` : ''}`);
      }
      return outbox.read(packageId);
    });
    if (!bytes) throw new Error('there is no outbox on this booth yet');
    return bytes;
  }
}
