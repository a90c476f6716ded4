/**
 * Renders the spoken prompts with espeak-ng (make voice): build/voice/<lang>/<utterance>.wav for
 * every spoken message of every language with a voice, and build/voice/index.json mapping
 * language → utterance → file, with the language the sound is in (docs/voice.md). Only files
 * whose text, voice or engine changed are rendered again; files no longer in the index are removed.
 *
 * Usage: node scripts/generate-voice.ts [--out DIR] [--catalogues DIR] [--languages ru,tg] [--espeak PROGRAM]
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MessageCatalogue } from '../runtime/i18n/catalogue.ts';
import { LANGUAGES, type Language } from '../protocols/kiosk/session-contract.ts';
import { readVoiceIndex, VOICE_INDEX_FILE, type VoiceIndex } from '../runtime/audio/voice-index.ts';
import { espeakVersion, installedVoices, synthesize } from './voice/espeak.ts';
import { planVoice, type RenderJob } from './voice/voice-plan.ts';
import { ESPEAK_OPTIONS, VOICE_CHOICES } from './voice/voice-table.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(root, 'build/voice') },
      catalogues: { type: 'string', default: join(root, 'runtime/i18n') },
      languages: { type: 'string' },
      espeak: { type: 'string', default: 'espeak-ng' },
    },
    strict: true,
  });
  const started = performance.now();
  const outDir = values.out;
  const languages = parseLanguages(values.languages);
  const catalogue = MessageCatalogue.load(values.catalogues);
  const engine = await espeakVersion(values.espeak);
  const installed = await installedVoices(values.espeak);

  const plan = planVoice({
    languages,
    text: (language, key, params) => catalogue.text(language, key, params),
    choices: VOICE_CHOICES,
    installed,
    engine,
    options: ESPEAK_OPTIONS,
    previous: previousIndex(outDir),
    exists: (file) => nonEmptyFile(join(outDir, file)),
  });

  await renderAll(plan.jobs, outDir, values.espeak);
  // The index last, so an interrupted run leaves hashes that match only finished files.
  const indexFile = join(outDir, VOICE_INDEX_FILE);
  await writeFile(`${indexFile}.tmp`, `${JSON.stringify(plan.index, null, 2)}\n`);
  await rename(`${indexFile}.tmp`, indexFile);
  const removed = await removeStaleFiles(outDir, plan.index);

  const fallbacks = Object.entries(plan.index.languages)
    .filter(([language, entry]) => entry.audioLanguage !== language)
    .map(([language, entry]) => `${language}→${entry.audioLanguage}`);
  const silent = languages.filter((language) => !plan.index.languages[language]);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `voice: ${plan.jobs.length} rendered, ${plan.kept} unchanged, ${removed} removed in ${seconds} s (${engine}` +
      `${fallbacks.length ? `; fallback ${fallbacks.join(', ')}` : ''}${silent.length ? `; no voice: ${silent.join(', ')}` : ''}) → ${outDir}`,
  );
}

function parseLanguages(list: string | undefined): Language[] {
  if (list === undefined) return [...LANGUAGES];
  const asked = list.split(',').map((code) => code.trim()).filter(Boolean);
  const unknown = asked.filter((code) => !(LANGUAGES as readonly string[]).includes(code));
  if (unknown.length > 0) throw new Error(`unknown language(s) ${unknown.join(', ')}; expected some of ${LANGUAGES.join(', ')}`);
  return asked as Language[];
}

function previousIndex(outDir: string): VoiceIndex | undefined {
  if (!existsSync(join(outDir, VOICE_INDEX_FILE))) return undefined;
  try {
    return readVoiceIndex(outDir);
  } catch {
    return undefined; // An unreadable index only means everything is rendered again.
  }
}

function nonEmptyFile(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}

/** Renders the jobs, one espeak-ng per core; each file is written aside and renamed into place. */
async function renderAll(jobs: readonly RenderJob[], outDir: string, program: string): Promise<void> {
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const file = join(outDir, job.file);
      await mkdir(dirname(file), { recursive: true });
      await synthesize(program, job.voice, ESPEAK_OPTIONS, job.text, `${file}.tmp`);
      await rename(`${file}.tmp`, file);
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), Math.max(jobs.length, 1)) }, worker));
}

/** Deletes WAV files (and leftovers of an interrupted run) in the language folders that the index no longer names. */
async function removeStaleFiles(outDir: string, index: VoiceIndex): Promise<number> {
  const wanted = new Set(Object.values(index.languages).flatMap((entry) => Object.values(entry.prompts).map((prompt) => prompt.file)));
  let removed = 0;
  for (const language of LANGUAGES) {
    let names: string[];
    try {
      names = await readdir(join(outDir, language));
    } catch {
      continue;
    }
    for (const name of names) {
      if (!/\.wav(\.tmp)?$/.test(name) || wanted.has(`${language}/${name}`)) continue;
      await rm(join(outDir, language, name), { force: true });
      removed += 1;
    }
    if (names.length > 0 && (await readdir(join(outDir, language))).length === 0) await rm(join(outDir, language), { recursive: true });
  }
  return removed;
}

main().catch((error: unknown) => {
  console.error(`generate-voice: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
