/** The shape of one boothctl command: its help, its own options, and what it does. */
import type { ParseArgsOptionsConfig } from 'node:util';
import type { CliContext } from './context.ts';

export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface CommandSpec {
  name: string;
  /** One line for `boothctl --help`. */
  summary: string;
  /** The full `boothctl <name> --help` text. */
  help: string;
  /** Words that may follow the name, for completion (`outbox ls|retry|export`). */
  subcommands?: readonly string[];
  options?: ParseArgsOptionsConfig;
  /** `positionals` excludes the command's own name. Resolves to the exit code. */
  run(context: CliContext, positionals: string[], values: OptionValues): Promise<number>;
}

/** sysexits-style codes, so scripts can tell why boothctl failed. */
export const EXIT = {
  ok: 0,
  failed: 1,
  configInvalid: 2,
  usage: 64,
  unavailable: 69,
  noPermission: 77,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
