/** `boothctl keys generate`: the booth's Ed25519 key pair that signs its capture packages. */
import { runGenerateKeys } from '../../../scripts/generate-keys.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../command.ts';

export const keysCommand: CommandSpec = {
  name: 'keys',
  summary: "generate the booth's capture-signing key pair",
  subcommands: ['generate'],
  help: `usage: boothctl keys generate --out DIR [--name NAME] [--force]

Writes DIR/NAME.key (private, 0600) and DIR/NAME.pub (public: give it to the central side) —
an Ed25519 pair; NAME defaults to "booth". Existing files are never overwritten without --force.
Point the manifest's captures.boothKeyFile at DIR/NAME.key.`,
  options: { out: { type: 'string' }, name: { type: 'string' }, force: { type: 'boolean', default: false } },
  async run(context, positionals, values) {
    if (positionals[0] !== 'generate') throw new UsageError('usage: boothctl keys generate --out DIR [--name NAME] [--force]');
    if (typeof values.out !== 'string') throw new UsageError('keys generate needs --out DIR');
    const argv = ['--out', values.out, '--booth', typeof values.name === 'string' ? values.name : 'booth', ...(values.force === true ? ['--force'] : [])];
    return runGenerateKeys(argv, { stdout: (line) => context.term.line(line), stderr: (line) => context.term.err.write(`${line}\n`) });
  },
};
