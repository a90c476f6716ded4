/**
 * The three things the voice generator asks of espeak-ng: its version (part of every file's hash,
 * so a new engine re-renders everything), its installed voices, and one WAV file per text.
 */
import { execFile, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Smallest plausible WAV: a RIFF header alone is 44 bytes. */
const MIN_WAV_BYTES = 100;

export class EspeakError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EspeakError';
  }
}

/** `eSpeak NG text-to-speech: 1.51` — the version line without the machine-specific data path. */
export async function espeakVersion(program: string): Promise<string> {
  try {
    const { stdout } = await run(program, ['--version']);
    return (stdout.split('\n')[0] ?? '').replace(/\s+Data at:.*$/, '').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EspeakError(`"${program}" not found: install espeak-ng (make debs does)`);
    }
    throw new EspeakError(`"${program} --version" failed: ${(error as Error).message}`);
  }
}

/** Every name `-v` accepts per `espeak-ng --voices`: each voice's language and its other languages. */
export async function installedVoices(program: string): Promise<Set<string>> {
  const { stdout } = await run(program, ['--voices']);
  return parseVoiceList(stdout);
}

export function parseVoiceList(listing: string): Set<string> {
  const names = new Set<string>();
  for (const line of listing.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 2 || !/^\d+$/.test(columns[0] ?? '')) continue;
    names.add((columns[1] as string).toLowerCase());
    for (const match of line.matchAll(/\(([a-z0-9-]+) \d+\)/gi)) names.add((match[1] as string).toLowerCase());
  }
  return names;
}

/** Renders `text` with `voice` into `outFile` (WAV). The text goes through stdin: no argv quoting. */
export async function synthesize(program: string, voice: string, options: readonly string[], text: string, outFile: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(program, ['-v', voice, ...options, '-w', outFile, '--stdin'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error) => reject(new EspeakError(`cannot run "${program}": ${error.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new EspeakError(`${program} -v ${voice} exited with status ${code}: ${stderr.trim()}`));
    });
    child.stdin.end(text);
  });
  const { size } = await stat(outFile);
  if (size < MIN_WAV_BYTES) throw new EspeakError(`${program} -v ${voice} wrote an empty file (${size} bytes)`);
}
