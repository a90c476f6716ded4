/**
 * Checks the message catalogues (runtime/i18n/<lang>.json) against the English source: same keys,
 * same `{placeholder}` names, no empty text, text in the language's own script, valid JSON. Pure:
 * it gets the files' text and returns every problem, so the loader, the tests and a translator's
 * editor all see the same list.
 */
import { LANGUAGES, type Language } from '../../protocols/kiosk/session-contract.ts';

/** The catalogue every other one is checked against. */
export const SOURCE_LANGUAGE: Language = 'en';

export type WritingScript = 'Cyrillic' | 'Latin' | 'Han' | 'Georgian';

/** The script each language is written in on the booth (Uzbek in Latin, Tajik in Cyrillic). */
export const LANGUAGE_SCRIPTS: Readonly<Record<Language, WritingScript>> = {
  ru: 'Cyrillic',
  uk: 'Cyrillic',
  tg: 'Cyrillic',
  uz: 'Latin',
  ro: 'Latin',
  en: 'Latin',
  fr: 'Latin',
  de: 'Latin',
  ky: 'Cyrillic',
  kk: 'Cyrillic',
  zh: 'Han',
  tr: 'Latin',
  ka: 'Georgian',
};

/**
 * Share of a text's letters that must be in the language's script. Below 1 because a few Latin
 * letters are legitimate anywhere ("OK" on the signature pad's button).
 */
export const MIN_SCRIPT_SHARE = 0.6;

export interface CatalogueSource {
  language: Language;
  /** Shown in problems: the path the text came from. */
  file: string;
  /** The file's text; undefined when the file is missing or unreadable (see `readError`). */
  text: string | undefined;
  readError?: string;
}

export interface CatalogueProblem {
  language: Language;
  file: string;
  key?: string;
  message: string;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
const SCRIPT_LETTER: Readonly<Record<WritingScript, RegExp>> = {
  Cyrillic: /\p{Script=Cyrillic}/u,
  Latin: /\p{Script=Latin}/u,
  Han: /\p{Script=Han}/u,
  Georgian: /\p{Script=Georgian}/u,
};
// Letters that belong to a script: modifier letters such as Uzbek ʻ are Common and do not count.
const SCRIPT_BOUND_LETTER = /(?![\p{Script=Common}\p{Script=Inherited}])\p{L}/gu;
const WORD = /(?:(?![\p{Script=Common}\p{Script=Inherited}])\p{L})+/gu;

/** The `{name}` placeholders of a text. */
export function placeholderNames(text: string): Set<string> {
  return new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''));
}

/** Share (0–1) of the text's letters written in `script`, placeholders left out; undefined without letters. */
export function scriptShare(text: string, script: WritingScript): number | undefined {
  const letters = text.replace(PLACEHOLDER, '').match(SCRIPT_BOUND_LETTER) ?? [];
  if (letters.length === 0) return undefined;
  return letters.filter((letter) => SCRIPT_LETTER[script].test(letter)).length / letters.length;
}

/** Words mixing scripts, e.g. a Latin "o" typed inside a Cyrillic word: they look right and read wrong. */
export function mixedScriptWords(text: string): string[] {
  const scripts = Object.values(SCRIPT_LETTER);
  return (text.replace(PLACEHOLDER, ' ').match(WORD) ?? []).filter(
    (word) => scripts.filter((script) => script.test(word)).length > 1,
  );
}

export function checkCatalogues(sources: readonly CatalogueSource[]): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const parsed = new Map<Language, { file: string; messages: Record<string, unknown> }>();
  for (const language of LANGUAGES) {
    const source = sources.find((candidate) => candidate.language === language);
    if (!source) {
      problems.push({ language, file: `${language}.json`, message: 'the catalogue file is missing' });
      continue;
    }
    const messages = parseCatalogue(source, problems);
    if (messages) parsed.set(language, { file: source.file, messages });
  }
  const reference = parsed.get(SOURCE_LANGUAGE);
  for (const [language, { file, messages }] of parsed) {
    problems.push(...checkMessages(language, file, messages, reference?.messages));
  }
  return problems;
}

export function formatCatalogueProblem(problem: CatalogueProblem): string {
  return `${problem.file}${problem.key === undefined ? '' : ` "${problem.key}"`}: ${problem.message}`;
}

function parseCatalogue(source: CatalogueSource, problems: CatalogueProblem[]): Record<string, unknown> | undefined {
  const { language, file } = source;
  if (source.text === undefined) {
    problems.push({ language, file, message: `cannot read the catalogue file${source.readError ? `: ${source.readError}` : ''}` });
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(source.text);
  } catch (error) {
    problems.push({ language, file, message: `invalid JSON: ${(error as Error).message}` });
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ language, file, message: 'expected a flat JSON object of key → text' });
    return undefined;
  }
  return value as Record<string, unknown>;
}

function checkMessages(
  language: Language,
  file: string,
  messages: Record<string, unknown>,
  reference: Record<string, unknown> | undefined,
): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const problem = (key: string, message: string) => problems.push({ language, file, key, message });
  if (reference) {
    for (const key of Object.keys(reference)) {
      if (!Object.hasOwn(messages, key)) problem(key, `missing key (present in ${SOURCE_LANGUAGE}.json)`);
    }
  }
  for (const [key, text] of Object.entries(messages)) {
    if (reference && !Object.hasOwn(reference, key)) {
      problem(key, `extra key (absent from ${SOURCE_LANGUAGE}.json)`);
      continue;
    }
    if (typeof text !== 'string') {
      problem(key, `expected a string, found ${Array.isArray(text) ? 'an array' : typeof text}`);
      continue;
    }
    if (text.trim() === '') {
      problem(key, 'empty text');
      continue;
    }
    const source = reference?.[key];
    if (typeof source === 'string') {
      const expected = [...placeholderNames(source)].sort();
      const found = [...placeholderNames(text)].sort();
      if (expected.join('\n') !== found.join('\n')) {
        problem(key, `placeholders ${describePlaceholders(found)} differ from ${SOURCE_LANGUAGE}.json's ${describePlaceholders(expected)}`);
      }
    }
    const script = LANGUAGE_SCRIPTS[language];
    const share = scriptShare(text, script);
    if (share !== undefined && share < MIN_SCRIPT_SHARE) {
      problem(key, `text is not in ${script} script (${Math.round(share * 100)}% of its letters are)`);
    }
    const mixed = mixedScriptWords(text);
    if (mixed.length > 0) problem(key, `words mixing scripts (look-alike letters?): ${mixed.join(', ')}`);
  }
  return problems;
}

function describePlaceholders(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((name) => `{${name}}`).join(', ');
}
