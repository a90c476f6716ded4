/**
 * `boothctl logs`: boothd's recent log lines, filtered by component and level. The daemon keeps
 * the last lines in memory; with boothd down they are in the journal, and boothctl says so.
 */
import type { CommandSpec } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';
import { DaemonDown } from '../daemon-link.ts';
import { LEVEL_NUMBERS } from '../../logging/recent-logs.ts';
import type { Colour } from '../terminal.ts';

const LEVEL_NAMES = Object.fromEntries(Object.entries(LEVEL_NUMBERS).map(([name, number]) => [number, name]));
const LEVEL_COLOURS: Record<string, Colour> = { trace: 'dim', debug: 'dim', audit: 'cyan', warn: 'yellow', error: 'red', fatal: 'red' };

export const logsCommand: CommandSpec = {
  name: 'logs',
  summary: "boothd's recent log lines, by component and level",
  help: `usage: boothctl logs [--component NAME] [--level LEVEL] [--lines N] [--json]

--component  only lines of one component: door, devices, sparkplug, captures, control, …
--level      this level and above: trace, debug, info, audit, warn, error, fatal
--lines      the newest N matching lines (default 50)
boothd keeps its last 2000 lines in memory; older ones, and those of a stopped boothd, are in
the journal: journalctl -u boothd`,
  options: { component: { type: 'string' }, level: { type: 'string' }, lines: { type: 'string' } },
  async run(context, _positionals, values) {
    const limit = values.lines === undefined ? 50 : Number(values.lines);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--lines must be a positive integer');
    if (typeof values.level === 'string' && !(values.level in LEVEL_NUMBERS)) {
      throw new UsageError(`unknown level "${values.level}"; levels: ${Object.keys(LEVEL_NUMBERS).join(', ')}`);
    }
    let lines: Array<Record<string, unknown>>;
    try {
      lines = await context.daemon().call('logs.recent', { component: values.component, level: values.level, limit });
    } catch (error) {
      if (error instanceof DaemonDown) throw new DaemonDown(context.daemon().socketPath, error, 'the logs of a stopped boothd are in the journal: journalctl -u boothd');
      throw error;
    }
    if (context.json) {
      context.term.line(JSON.stringify(lines, null, 2));
      return EXIT.ok;
    }
    for (const line of lines) {
      const level = LEVEL_NAMES[Number(line.level)] ?? String(line.level);
      const time = typeof line.time === 'string' ? line.time.slice(11, 23) : '';
      const component = typeof line.component === 'string' ? `[${line.component}] ` : '';
      const colour = LEVEL_COLOURS[level];
      const label = level.toUpperCase().padEnd(5);
      context.term.line(`${time} ${colour ? context.term.paint(colour, label) : label} ${component}${String(line.msg ?? '')}`);
    }
    return EXIT.ok;
  },
};
