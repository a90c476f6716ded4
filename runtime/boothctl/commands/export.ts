/**
 * `boothctl export <sessionId> --format an2k|sealed`: the interchange export by its everyday name.
 * A session travels as one capture package whose id is the session id, so this is
 * `boothctl outbox export` under the name the central side's people ask for.
 */
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../command.ts';
import { outboxCommand } from './outbox.ts';

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'a session still in the outbox as an ANSI/NIST-ITL transaction (needs the central key) or sealed',
  help: `usage: boothctl export <sessionId> --format an2k --central-key KEY --out FILE
       boothctl export <sessionId> --format sealed --out FILE

The same as "boothctl outbox export" (see its --help): an2k opens the package with the central
private key an authorised officer brings and writes the ANSI/NIST-ITL 1-2011 transaction; sealed
writes the package as it is, still encrypted to central.`,
  options: outboxCommand.options!,
  async run(context, positionals, values) {
    const [sessionId, ...rest] = positionals;
    if (!sessionId || rest.length > 0) throw new UsageError('usage: boothctl export <sessionId> --format an2k --central-key KEY --out FILE');
    return outboxCommand.run(context, ['export', sessionId], values);
  },
};
