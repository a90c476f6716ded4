/**
 * The booth's messages in its 13 languages, read from runtime/i18n/<lang>.json. Loading runs the
 * catalogue checker and refuses a set with any problem (a missing key would otherwise show up as a
 * blank button in front of a person who cannot ask anyone what it meant).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LANGUAGES, type Language } from '../../protocols/kiosk/session-contract.ts';
import { checkCatalogues, formatCatalogueProblem, type CatalogueSource } from './check-catalogues.ts';

export type MessageParams = Readonly<Record<string, string | number>>;
export type Messages = Readonly<Record<string, string>>;

/** The catalogues as shipped, next to this file. */
export const CATALOGUE_DIR = fileURLToPath(new URL('.', import.meta.url));

export class CatalogueError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid message catalogues:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CatalogueError';
    this.problems = problems;
  }
}

export class MessageCatalogue {
  readonly #messages: ReadonlyMap<Language, Messages>;

  private constructor(messages: ReadonlyMap<Language, Messages>) {
    this.#messages = messages;
  }

  /** Reads `<dir>/<lang>.json` for every language; throws CatalogueError listing every problem. */
  static load(dir: string = CATALOGUE_DIR): MessageCatalogue {
    return MessageCatalogue.fromSources(readCatalogueSources(dir));
  }

  static fromSources(sources: readonly CatalogueSource[]): MessageCatalogue {
    const problems = checkCatalogues(sources);
    if (problems.length > 0) throw new CatalogueError(problems.map(formatCatalogueProblem));
    const messages = new Map<Language, Messages>();
    for (const language of LANGUAGES) {
      // The checker passed, so every language has exactly the source it checked, and it parses.
      const source = sources.find((candidate) => candidate.language === language) as CatalogueSource;
      messages.set(language, Object.freeze(JSON.parse(source.text as string) as Record<string, string>));
    }
    return new MessageCatalogue(messages);
  }

  /** The text of `key` in `language` with its `{name}` placeholders filled from `params`. */
  text(language: Language, key: string, params: MessageParams = {}): string {
    const template = this.#messagesOf(language)[key];
    if (template === undefined) throw new Error(`message catalogue: no key "${key}" in language "${language}"`);
    return template.replace(/\{([^{}]*)\}/g, (_placeholder, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`message catalogue: "${key}" (${language}) needs the param "${name}"`);
      return String(value);
    });
  }

  has(language: Language, key: string): boolean {
    return Object.hasOwn(this.#messagesOf(language), key);
  }

  /** The language picker's list: every language in LANGUAGES order, named in itself. */
  languages(): Array<{ code: Language; name: string }> {
    return LANGUAGES.map((code) => ({ code, name: this.text(code, 'language.native') }));
  }

  /** Every message of a language (what the kiosk screen downloads). */
  all(language: Language): Messages {
    return this.#messagesOf(language);
  }

  #messagesOf(language: Language): Messages {
    const messages = this.#messages.get(language);
    if (!messages) throw new Error(`message catalogue: unknown language "${language}"`);
    return messages;
  }
}

export function readCatalogueSources(dir: string): CatalogueSource[] {
  return LANGUAGES.map((language) => {
    const file = join(dir, `${language}.json`);
    try {
      return { language, file, text: readFileSync(file, 'utf8') };
    } catch (error) {
      return { language, file, text: undefined, readError: (error as Error).message };
    }
  });
}
