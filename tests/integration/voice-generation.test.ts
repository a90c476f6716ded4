/**
 * scripts/generate-voice.ts end to end with the real espeak-ng (make debs installs it): WAV files
 * and an index the runtime reads, Tajik speaking the Russian files, a re-run that renders nothing,
 * an edited message re-rendered alone, stale files removed — and the VoicePrompter playing a
 * generated file.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { NullAudioOutput } from '../../runtime/audio/null-audio-output.ts';
import { readVoiceIndex } from '../../runtime/audio/voice-index.ts';
import { VoicePrompter } from '../../runtime/audio/voice-prompter.ts';
import { CATALOGUE_DIR } from '../../runtime/i18n/catalogue.ts';
import { spokenUtterances } from '../../runtime/i18n/spoken-keys.ts';

const run = promisify(execFile);
const SCRIPT = new URL('../../scripts/generate-voice.ts', import.meta.url).pathname;

function hasEspeak(): boolean {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const work = mkdtempSync(join(tmpdir(), 'voice-generation-'));
after(() => rmSync(work, { recursive: true, force: true }));
const catalogues = join(work, 'i18n');
const out = join(work, 'voice');
cpSync(CATALOGUE_DIR, catalogues, { recursive: true, filter: (source) => !source.endsWith('.ts') });

async function generate(): Promise<string> {
  const { stdout } = await run(process.execPath, [SCRIPT, '--out', out, '--catalogues', catalogues, '--languages', 'tg,ka']);
  return stdout;
}

function header(file: string): string {
  const fd = openSync(file, 'r');
  const buffer = Buffer.alloc(12);
  readSync(fd, buffer, 0, 12, 0);
  closeSync(fd);
  return `${buffer.subarray(0, 4).toString('latin1')}…${buffer.subarray(8, 12).toString('latin1')}`;
}

const mtimes = () => new Map(['ru', 'ka'].flatMap((language) => readdirSync(join(out, language)).map((name) => [`${language}/${name}`, statSync(join(out, language, name)).mtimeMs])));

describe('voice generation', { skip: hasEspeak() ? false : 'espeak-ng is not installed (make debs)' }, () => {
  const utterances = spokenUtterances().length;

  it('renders a WAV file per spoken utterance of each voiced language, and Tajik points at the Russian ones', async () => {
    const stdout = await generate();
    assert.match(stdout, new RegExp(`voice: ${2 * utterances} rendered, 0 unchanged, 0 removed .*fallback tg→ru`));
    const index = readVoiceIndex(out);
    assert.deepEqual(Object.keys(index.languages), ['ru', 'tg', 'ka']);
    assert.equal(index.languages.tg?.audioLanguage, 'ru');
    assert.equal(index.languages.tg?.prompts['idle.welcome']?.file, 'ru/idle.welcome.wav');
    assert.equal(index.languages.ka?.prompts['problem.finger-missing.count-2']?.file, 'ka/problem.finger-missing.count-2.wav');
    assert.equal(existsSync(join(out, 'tg')), false);
    for (const language of ['ru', 'ka']) {
      const files = readdirSync(join(out, language));
      assert.equal(files.length, utterances, language);
      for (const file of files) assert.equal(header(join(out, language, file)), 'RIFF…WAVE', file);
    }
  });

  it('renders nothing again when nothing changed', async () => {
    const before = mtimes();
    const stdout = await generate();
    assert.match(stdout, new RegExp(`voice: 0 rendered, ${2 * utterances} unchanged, 0 removed`));
    assert.deepEqual(mtimes(), before);
  });

  it('renders only the message whose text changed, and removes files nobody names', async () => {
    const before = mtimes();
    const oldHash = readVoiceIndex(out).languages.tg?.prompts['fingers.hold']?.hash;
    const ru = JSON.parse(readFileSync(join(catalogues, 'ru.json'), 'utf8')) as Record<string, string>;
    ru['fingers.hold'] = 'Пожалуйста, не двигайтесь…';
    writeFileSync(join(catalogues, 'ru.json'), JSON.stringify(ru, null, 2));
    writeFileSync(join(out, 'ka', 'old.prompt.wav'), 'RIFF');

    const stdout = await generate();
    assert.match(stdout, new RegExp(`voice: 1 rendered, ${2 * utterances - 1} unchanged, 1 removed`));
    const after = mtimes();
    for (const [file, mtime] of before) {
      if (file === 'ka/old.prompt.wav') assert.equal(after.has(file), false);
      else if (file === 'ru/fingers.hold.wav') assert.notEqual(after.get(file), mtime);
      else assert.equal(after.get(file), mtime, file);
    }
    assert.notEqual(readVoiceIndex(out).languages.tg?.prompts['fingers.hold']?.hash, oldHash, 'Tajik follows the Russian file');
  });

  it('gives the VoicePrompter files it plays', async () => {
    const output = new NullAudioOutput();
    const warnings: object[] = [];
    const prompter = new VoicePrompter({ index: readVoiceIndex(out), voiceDir: out, output, logger: { warn: (obj) => warnings.push(obj) } });
    await prompter.say({ key: 'fireAlarm.leave', language: 'tg', params: {} });
    await prompter.say({ key: 'problem.finger-missing', language: 'ka', params: { count: 4 } });
    assert.deepEqual(output.played, [join(out, 'ru/fireAlarm.leave.wav'), join(out, 'ka/problem.finger-missing.count-4.wav')]);
    assert.deepEqual(warnings, []);
  });
});
