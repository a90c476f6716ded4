/**
 * Generates capture-protection key pairs:
 *   node scripts/generate-keys.ts --out DIR [--booth NAME] [--central NAME] [--commands NAME] [--force]
 * --booth NAME writes the booth's Ed25519 signing pair NAME.key/NAME.pub; --central NAME the
 * central X25519 encryption pair; --commands NAME the central Ed25519 pair that signs
 * state-changing Sparkplug commands (the booth's manifest names NAME.pub as
 * commands.centralPublicKeyFile; NAME.key stays on the central side, see scripts/sign-command.ts). Private keys are written 0600, public keys 0644. Existing
 * files are never overwritten without --force, and the check covers every file before any is
 * written, so a refused run leaves nothing half-done. `boothctl keys generate` calls
 * runGenerateKeys with its own arguments.
 * Exit codes: 0 written, 64 bad usage, 73 a file exists (or cannot be created).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateKeyPair, keyPairFiles, writeKeyPair, type KeyKind } from '../protocols/capture/keys.ts';

const USAGE = 'usage: generate-keys --out DIR [--booth NAME] [--central NAME] [--commands NAME] [--force]';

const KIND_LABEL: Readonly<Record<KeyKind, string>> = {
  booth: 'ed25519 signing',
  central: 'x25519 encryption',
  commands: 'ed25519 command-signing',
};

export interface GenerateKeysIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

export function runGenerateKeys(argv: string[], io: GenerateKeysIo): number {
  let values: { out?: string; booth?: string; central?: string; commands?: string; force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        booth: { type: 'string' },
        central: { type: 'string' },
        commands: { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${USAGE}`);
    return 64;
  }
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.out === undefined || values.out === '' || (values.booth === undefined && values.central === undefined && values.commands === undefined)) {
    io.stderr(`--out and at least one of --booth/--central/--commands are required\n${USAGE}`);
    return 64;
  }
  const out = values.out;
  const jobs: Array<{ kind: KeyKind; name: string }> = [];
  if (values.booth !== undefined) jobs.push({ kind: 'booth', name: values.booth });
  if (values.central !== undefined) jobs.push({ kind: 'central', name: values.central });
  if (values.commands !== undefined) jobs.push({ kind: 'commands', name: values.commands });
  if (new Set(jobs.map((job) => job.name)).size !== jobs.length) {
    io.stderr('--booth, --central and --commands must name different files');
    return 64;
  }
  try {
    const planned = jobs.map((job) => keyPairFiles(out, job.name));
    if (values.force !== true) {
      const existing = planned.flatMap((files) => [files.privateKeyFile, files.publicKeyFile]).filter((file) => existsSync(file));
      if (existing.length > 0) {
        io.stderr(`refusing to overwrite existing ${existing.join(', ')} (use --force)`);
        return 73;
      }
    }
  } catch (error) {
    io.stderr((error as Error).message);
    return 64;
  }
  for (const job of jobs) {
    try {
      const files = writeKeyPair(out, job.name, generateKeyPair(job.kind), { force: values.force === true });
      io.stdout(`${job.kind} ${KIND_LABEL[job.kind]} key pair:`);
      io.stdout(`  ${files.privateKeyFile} (private, 0600)`);
      io.stdout(`  ${files.publicKeyFile} (public, 0644)`);
    } catch (error) {
      io.stderr((error as Error).message);
      return 73;
    }
  }
  return 0;
}

if (import.meta.main) {
  process.exitCode = runGenerateKeys(process.argv.slice(2), {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  });
}
