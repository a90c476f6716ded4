/**
 * build/voice/index.json: what scripts/generate-voice.ts rendered, per interface language and
 * utterance id (runtime/i18n/spoken-keys.ts), and which language the sound is actually in — a
 * language without a voice of its own (Tajik) points at another language's files (docs/voice.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LANGUAGES } from '../../protocols/kiosk/session-contract.ts';

export const VOICE_INDEX_FILE = 'index.json';
export const VOICE_INDEX_FORMAT = 1;

const language = z.enum(LANGUAGES);

const voiceFileSchema = z
  .object({
    /** Relative to the voice folder, e.g. `ru/idle.welcome.wav`. */
    file: z.string().min(1).refine((file) => !file.startsWith('/') && !file.split('/').includes('..'), 'expected a path inside the voice folder'),
    /** SHA-256 of what the file was rendered from (engine, voice, options, text): unchanged input, file kept. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

const voiceLanguageSchema = z
  .object({
    /** The language the files are spoken in: the interface language itself, or its fallback. */
    audioLanguage: language,
    /** The espeak-ng voice that spoke them. */
    voice: z.string().min(1),
    /** Present when audioLanguage differs: why. */
    fallbackReason: z.string().optional(),
    prompts: z.record(z.string(), voiceFileSchema),
  })
  .strict();

export const voiceIndexSchema = z
  .object({
    format: z.literal(VOICE_INDEX_FORMAT),
    /** `espeak-ng --version`, first line. */
    engine: z.string(),
    languages: z.partialRecord(language, voiceLanguageSchema),
  })
  .strict();

export type VoiceIndex = z.infer<typeof voiceIndexSchema>;
export type VoiceLanguageEntry = z.infer<typeof voiceLanguageSchema>;
export type VoiceFileEntry = z.infer<typeof voiceFileSchema>;

export class VoiceIndexError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason} (make voice writes it; docs/voice.md)`);
    this.name = 'VoiceIndexError';
  }
}

export function emptyVoiceIndex(): VoiceIndex {
  return { format: VOICE_INDEX_FORMAT, engine: 'none', languages: {} };
}

/** Reads and checks `<voiceDir>/index.json`; throws VoiceIndexError when it is missing or malformed. */
export function readVoiceIndex(voiceDir: string): VoiceIndex {
  const file = join(voiceDir, VOICE_INDEX_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new VoiceIndexError(file, `cannot read the voice index: ${(error as Error).message}`);
  }
  return parseVoiceIndex(text, file);
}

export function parseVoiceIndex(text: string, file: string): VoiceIndex {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new VoiceIndexError(file, `invalid JSON: ${(error as Error).message}`);
  }
  const parsed = voiceIndexSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new VoiceIndexError(file, `not a voice index: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`);
  }
  return parsed.data;
}
