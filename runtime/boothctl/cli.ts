/**
 * boothctl's dispatcher: finds the command, parses the global options together with the
 * command's own, turns every failure into one clear line on stderr and a sysexits-style code.
 * Takes its streams and environment as arguments so tests run it in-process.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ConfigError } from '../config/errors.ts';
import { nearestName } from '../control/nearest-name.ts';
import type { CommandSpec } from './command.ts';
import { EXIT, UsageError } from './command.ts';
import { CliContext } from './context.ts';
import { DaemonDown, DaemonRefused, SocketForbidden } from './daemon-link.ts';
import { Terminal, wantsColour, type Output } from './terminal.ts';

export const GLOBAL_OPTIONS: ParseArgsOptionsConfig = {
  config: { type: 'string' },
  'state-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  color: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C by the entry point. */
  signal?: AbortSignal;
}

export function usage(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.filter((command) => !command.name.startsWith('__')).map((command) => command.name.length));
  return `usage: boothctl [--config FILE] [--state-dir DIR] [--json] [--color auto|always|never] <command>

${commands.filter((command) => !command.name.startsWith('__')).map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

"boothctl <command> --help" explains one command. With boothd running, boothctl talks to it over
<state-dir>/boothd.sock; with boothd down, device commands open the hardware themselves.
The manifest: --config, else $BOOTH_CONFIG, else /etc/boothd/booth.yaml.`;
}

export async function runCli(argv: readonly string[], commands: readonly CommandSpec[], io: CliIo): Promise<number> {
  const name = commandName(argv);
  const command = commands.find((candidate) => candidate.name === name);
  const fallbackTerm = new Terminal(io.stdout, io.stderr, false);
  if (!command) {
    if (name === undefined) {
      const helpAsked = argv.includes('--help') || argv.includes('-h');
      (helpAsked ? io.stdout : io.stderr).write(`${usage(commands)}\n`);
      return helpAsked ? EXIT.ok : EXIT.usage;
    }
    const nearest = nearestName(name, commands.map((candidate) => candidate.name));
    fallbackTerm.err.write(`boothctl: unknown command "${name}"${nearest ? `; did you mean "${nearest}"?` : ''} (boothctl --help lists them)\n`);
    return EXIT.usage;
  }
  if (command.name === '__complete') return runCompletion(command, argv, io);
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true }));
  } catch (error) {
    io.stderr.write(`boothctl ${command.name}: ${(error as Error).message}\n\n${command.help}\n`);
    return EXIT.usage;
  }
  if (values.help === true) {
    io.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  const colourFlag = typeof values.color === 'string' ? values.color : undefined;
  if (colourFlag !== undefined && !['auto', 'always', 'never'].includes(colourFlag)) {
    io.stderr.write('boothctl: --color must be auto, always or never\n');
    return EXIT.usage;
  }
  const term = new Terminal(io.stdout, io.stderr, values.json !== true && wantsColour(io.stdout, io.env, colourFlag));
  const context = new CliContext(
    term,
    {
      json: values.json === true,
      ...(typeof values.config === 'string' ? { config: values.config } : {}),
      ...(typeof values['state-dir'] === 'string' ? { stateDir: values['state-dir'] } : {}),
    },
    io.env,
    io.signal,
  );
  try {
    return await command.run(context, positionals.slice(1), values);
  } catch (error) {
    return reportFailure(term, command, error);
  }
}

/**
 * The completion helper gets the words being typed unparsed (they may be half an option); only
 * --config and --state-dir among them are honoured, to find the booth.
 */
async function runCompletion(command: CommandSpec, argv: readonly string[], io: CliIo): Promise<number> {
  const words = argv.slice(argv.indexOf('__complete') + 1);
  const valueOf = (name: string) => {
    const index = words.findIndex((word, position) => word === name && position < words.length - 2);
    return index >= 0 ? words[index + 1] : words.find((word) => word.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const config = valueOf('--config');
  const stateDir = valueOf('--state-dir');
  const context = new CliContext(new Terminal(io.stdout, io.stderr, false), { json: false, ...(config ? { config } : {}), ...(stateDir ? { stateDir } : {}) }, io.env);
  try {
    return await command.run(context, words, {});
  } catch {
    return EXIT.ok; // a completion that cannot help offers nothing; it never prints errors into the prompt
  }
}

function reportFailure(term: Terminal, command: CommandSpec, error: unknown): number {
  const message = (error as Error).message ?? String(error);
  const say = (text: string) => term.err.write(`boothctl ${command.name}: ${text}\n`);
  if (error instanceof UsageError) {
    say(`${message}\n\n${command.help}`);
    return EXIT.usage;
  }
  if (error instanceof ConfigError) {
    say(message);
    return EXIT.configInvalid;
  }
  if (error instanceof DaemonDown) {
    say(message);
    return EXIT.unavailable;
  }
  if (error instanceof SocketForbidden) {
    say(message);
    return EXIT.noPermission;
  }
  if (error instanceof DaemonRefused) {
    say(message);
    return EXIT.failed;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') {
    say(`${message} (add --force to overwrite)`);
    return EXIT.failed;
  }
  say(code && !message.includes(code) ? `${code}: ${message}` : message);
  return EXIT.failed;
}

/** The first word that is neither an option nor the value of a global option that takes one. */
export function commandName(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index]!;
    if (word === '--') return argv[index + 1];
    if (word.startsWith('-')) {
      const option = GLOBAL_OPTIONS[word.replace(/^--?/, '')];
      if (option?.type === 'string' && !word.includes('=')) index += 1;
      continue;
    }
    return word;
  }
  return undefined;
}
