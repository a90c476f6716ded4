/**
 * `boothctl door lock|unlock` through boothd's door guard, and `door unlock --direct`: the
 * release systemd's ExecStopPost runs when boothd has died, straight through the HAL.
 */
import { systemClock } from '../../../hal/clock.ts';
import { createLogger } from '../../logging/logger.ts';
import { releaseDoorsDirectly } from '../../safety/direct-release.ts';
import type { CommandSpec } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';

export const doorCommand: CommandSpec = {
  name: 'door',
  summary: 'lock or release the door through boothd; --direct release without it',
  subcommands: ['lock', 'unlock'],
  help: `usage: boothctl door lock|unlock [REASON]
       boothctl door unlock --direct [REASON]

lock is refused when unsafe (fire alarm, door open, exit button); unlock is always accepted.
--direct releases every door lock of the manifest straight through the HAL, without boothd
(systemd's ExecStopPost runs this; see docs/door-safety.md).`,
  options: { direct: { type: 'boolean', default: false } },
  async run(context, positionals, values) {
    const [verb, reason] = positionals;
    if (verb !== 'lock' && verb !== 'unlock') throw new UsageError('usage: boothctl door lock|unlock [REASON]');
    if (values.direct === true) {
      if (verb !== 'unlock') throw new UsageError('--direct only releases the door');
      const logger = createLogger({ level: 'info', pretty: false, destination: process.stderr });
      const results = await releaseDoorsDirectly(context.config(), systemClock, logger, reason ?? 'direct release (boothd not running)');
      context.emit(results, () => {
        for (const result of results) context.term.line(`${result.door}: ${result.ok ? 'released' : 'FAILED'} (${result.detail})`);
      });
      return results.every((result) => result.ok) ? EXIT.ok : EXIT.failed;
    }
    const result = await context.daemon().call<{ state: string }>(`door.${verb}`, reason ? { reason } : {});
    context.emit(result, () => context.term.line(`door ${result.state}`));
    return EXIT.ok;
  },
};
