/**
 * Which espeak-ng voice speaks each interface language, and what the booth says instead when the
 * build machine has none (docs/voice.md has the table with the reasons).
 *
 * Fallbacks: the former-USSR languages fall back to Russian — the language the migration centre
 * works in, and the one Tajik, Uzbek, Kyrgyz and Kazakh workers in Russia sit the patent's
 * language test in; the others to English. Tajik always falls back today: espeak-ng has no Tajik
 * voice, and its Persian voice reads only Arabic script and speaks Iranian Persian, so it could
 * not read the Tajik Cyrillic text (a home-made transliteration, unchecked by a Tajik speaker,
 * would put mispronounced instructions — the fire alarm among them — in the person's ear).
 * `tg` is still listed first so that an espeak-ng that gains a Tajik voice is used at once.
 */
import type { Language } from '../../protocols/kiosk/session-contract.ts';

export interface VoiceChoice {
  /** espeak-ng voices by preference (names as `espeak-ng --voices` lists them); the first installed wins. */
  voices: readonly string[];
  /** Whose audio is played when none of `voices` is installed; null: that language stays silent. */
  fallback: Language | null;
}

export const VOICE_CHOICES: Readonly<Record<Language, VoiceChoice>> = {
  ru: { voices: ['ru'], fallback: null },
  uk: { voices: ['uk'], fallback: 'ru' },
  tg: { voices: ['tg'], fallback: 'ru' },
  uz: { voices: ['uz'], fallback: 'ru' },
  ro: { voices: ['ro'], fallback: 'ru' },
  en: { voices: ['en-gb', 'en'], fallback: null },
  fr: { voices: ['fr-fr', 'fr'], fallback: 'en' },
  de: { voices: ['de'], fallback: 'en' },
  ky: { voices: ['ky'], fallback: 'ru' },
  kk: { voices: ['kk'], fallback: 'ru' },
  // The plain `cmn` voice of espeak-ng 1.51 spells characters missing from its short word list as
  // English-read pinyin ("jin four"); `cmn-latn-pinyin` reads the same pinyin as Mandarin.
  zh: { voices: ['cmn-latn-pinyin', 'cmn'], fallback: 'en' },
  tr: { voices: ['tr'], fallback: 'en' },
  ka: { voices: ['ka'], fallback: 'ru' },
};

/**
 * espeak-ng options for every voice: a little slower than its default 175 words a minute, for
 * people hearing instructions in a booth, many in a language they read little.
 */
export const ESPEAK_OPTIONS: readonly string[] = ['-s', '150'];
