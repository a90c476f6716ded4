/**
 * boothctl entry point: the field technician's diagnostics CLI (runtime/boothctl/ holds one file
 * per command). The only place in boothctl allowed to touch process streams or exit.
 */
import { runCli } from './boothctl/cli.ts';
import { BOOTHCTL_COMMANDS } from './boothctl/commands.ts';

const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());

runCli(process.argv.slice(2), BOOTHCTL_COMMANDS, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: interrupted.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`boothctl: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
