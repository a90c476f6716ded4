/** `boothctl config validate [file]`: the manifest checked by boothd's own loader and schema. */
import { ConfigError } from '../../config/errors.ts';
import type { CommandSpec } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';

export const configCommand: CommandSpec = {
  name: 'config',
  summary: 'check a booth manifest the way boothd does',
  subcommands: ['validate'],
  help: `usage: boothctl config validate [FILE]

Checks FILE (default: --config, $BOOTH_CONFIG, /etc/boothd/booth.yaml) with boothd's own
loader: YAML syntax, the schema, each device's driver and its props.
Exit code: 0 valid, 2 invalid (every problem is listed with its path in the file).`,
  async run(context, positionals) {
    const [sub, file] = positionals;
    if (sub !== 'validate') throw new UsageError(`usage: boothctl config validate [FILE]`);
    const target = file ?? context.configFile;
    try {
      const loaded = context.config(target);
      const summary = { file: target, valid: true, boothId: loaded.config.booth.id, devices: loaded.devices.map(({ entry }) => `${entry.id} (${entry.compatible})`) };
      context.emit(summary, () => context.term.line(`${target}: valid (booth ${summary.boothId}, ${summary.devices.length} devices: ${summary.devices.join(', ')})`));
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      context.emit({ file: target, valid: false, error: error.message }, () => context.term.err.write(`${error.message}\n`));
      return EXIT.configInvalid;
    }
  },
};
