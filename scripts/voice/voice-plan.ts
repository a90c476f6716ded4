/**
 * Decides what the voice generator has to do, without doing it: which voice speaks each language
 * (or which fallback language's files it borrows), the index to write, and which files must be
 * rendered because their input changed. A file is kept when the hash of its input — engine
 * version, voice, options and the exact text — equals the one in the previous index and the file
 * is still there; so a re-run after editing one message renders one file per language.
 */
import { createHash } from 'node:crypto';
import { LANGUAGES, type Language } from '../../protocols/kiosk/session-contract.ts';
import { spokenUtterances, type UtteranceParams } from '../../runtime/i18n/spoken-keys.ts';
import { VOICE_INDEX_FORMAT, type VoiceIndex, type VoiceLanguageEntry } from '../../runtime/audio/voice-index.ts';
import type { VoiceChoice } from './voice-table.ts';
import { spokenText } from './spoken-text.ts';

export interface VoicePlanInput {
  /** The languages asked for; a fallback language they need is rendered too. */
  languages: readonly Language[];
  /** The catalogue text of a message with its placeholders filled. */
  text: (language: Language, key: string, params: UtteranceParams) => string;
  choices: Readonly<Record<Language, VoiceChoice>>;
  /** What `espeak-ng --voices` lists. */
  installed: ReadonlySet<string>;
  engine: string;
  options: readonly string[];
  previous: VoiceIndex | undefined;
  /** Whether a file (relative to the voice folder) exists and is not empty. */
  exists: (file: string) => boolean;
}

export interface RenderJob {
  /** Relative to the voice folder. */
  file: string;
  voice: string;
  text: string;
}

export interface VoicePlan {
  index: VoiceIndex;
  jobs: RenderJob[];
  /** Files whose input is unchanged. */
  kept: number;
}

export function planVoice(input: VoicePlanInput): VoicePlan {
  const voiceOf = (language: Language) => input.choices[language].voices.find((voice) => input.installed.has(voice.toLowerCase()));
  const rendered = new Set<Language>();
  for (const language of input.languages) {
    const fallback = input.choices[language].fallback;
    if (voiceOf(language)) rendered.add(language);
    else if (fallback && voiceOf(fallback)) rendered.add(fallback);
  }

  const index: VoiceIndex = { format: VOICE_INDEX_FORMAT, engine: input.engine, languages: {} };
  const jobs: RenderJob[] = [];
  let kept = 0;
  // LANGUAGES order: fallbacks are rendered before the languages that borrow them are indexed.
  for (const language of LANGUAGES.filter((candidate) => rendered.has(candidate))) {
    const voice = voiceOf(language) as string;
    const entry: VoiceLanguageEntry = { audioLanguage: language, voice, prompts: {} };
    for (const utterance of spokenUtterances()) {
      const text = spokenText(input.text(language, utterance.key, utterance.params), language);
      const hash = createHash('sha256').update(JSON.stringify([input.engine, voice, input.options, text])).digest('hex');
      const file = `${language}/${utterance.id}.wav`;
      const before = input.previous?.languages[language]?.prompts[utterance.id];
      if (before?.hash === hash && before.file === file && input.exists(file)) kept += 1;
      else jobs.push({ file, voice, text });
      entry.prompts[utterance.id] = { file, hash };
    }
    index.languages[language] = entry;
  }
  for (const language of input.languages) {
    if (rendered.has(language)) continue;
    const fallback = input.choices[language].fallback;
    const borrowed = fallback ? index.languages[fallback] : undefined;
    if (!borrowed) continue;
    index.languages[language] = {
      audioLanguage: borrowed.audioLanguage,
      voice: borrowed.voice,
      fallbackReason: `no espeak-ng voice for ${language} (tried ${input.choices[language].voices.join(', ')}); speaks ${fallback}`,
      prompts: borrowed.prompts,
    };
  }
  const ordered: VoiceIndex['languages'] = {};
  for (const language of LANGUAGES) {
    const entry = index.languages[language];
    if (entry) ordered[language] = entry;
  }
  return { index: { ...index, languages: ordered }, jobs, kept };
}
