/** `boothctl call` and `boothctl sim`: any control-socket command, for tests and booth-rig. */
import type { CommandSpec } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';

function jsonArgs(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`arguments must be a JSON object like '{"device":"door"}': ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('arguments must be a JSON object');
  return value as Record<string, unknown>;
}

export const callCommand: CommandSpec = {
  name: 'call',
  summary: 'any control-socket command ("call help" lists them)',
  help: `usage: boothctl call <command> ['{"json":"args"}']`,
  async run(context, positionals) {
    const [command, args] = positionals;
    if (!command) throw new UsageError('usage: boothctl call <command> [json-args]');
    const result = await context.daemon().call(command, jsonArgs(args), 150_000);
    context.term.line(JSON.stringify(result, null, 2));
    return EXIT.ok;
  },
};

export const simCommand: CommandSpec = {
  name: 'sim',
  summary: 'a simulator hook on a simulated booth, e.g. sim exit-button',
  help: `usage: boothctl sim <hook> ['{"json":"args"}']
e.g. boothctl sim unplug '{"device":"scanner"}', boothctl sim fire-alarm '{"active":true}'`,
  async run(context, positionals) {
    const [hook, args] = positionals;
    if (!hook) throw new UsageError('usage: boothctl sim <hook> [json-args]');
    const result = await context.daemon().call(`sim.${hook}`, jsonArgs(args));
    context.term.line(JSON.stringify(result ?? null));
    return EXIT.ok;
  },
};
