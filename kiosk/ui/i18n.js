// Message catalogues: /i18n/<code>.json, one flat { key: text } object per language, with
// `{name}` placeholders. A key missing from a language falls back to English (and the element
// showing it is marked lang="en"); a key missing everywhere shows as the key itself.

export const FALLBACK_LANGUAGE = 'en';
const LOAD_LIMIT_MS = 4000;
/** A missing or broken catalogue is asked for again after this, not on every redraw. */
const RETRY_AFTER_MS = 30_000;

/** Replaces `{name}` with params.name; unknown placeholders stay as written. */
export function format(template, params) {
  return template.replace(/\{([\w-]+)\}/g, (whole, name) => {
    const value = params?.[name];
    return value === undefined || value === null ? whole : String(value);
  });
}

export class Catalogs {
  /** @param {{ baseUrl?: string, fetch?: typeof fetch }} [options] */
  constructor(options = {}) {
    this.baseUrl = options.baseUrl ?? '/i18n/';
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
    /** code -> loaded catalogue */
    this.loaded = new Map();
    /** code -> load in flight */
    this.loading = new Map();
    /** code -> when it last failed */
    this.failedAt = new Map();
  }

  /** Loads a language once; resolves false when it is missing or broken (asked again later). */
  load(code) {
    if (!/^[a-z]{2,3}(-[A-Za-z0-9]+)?$/.test(code ?? '')) return Promise.resolve(false);
    if (this.loaded.has(code)) return Promise.resolve(true);
    if (Date.now() - (this.failedAt.get(code) ?? -Infinity) < RETRY_AFTER_MS) return Promise.resolve(false);
    let pending = this.loading.get(code);
    if (!pending) {
      pending = this.fetchCatalogue(code).then((catalogue) => {
        this.loading.delete(code);
        if (!catalogue) {
          this.failedAt.set(code, Date.now());
          return false;
        }
        this.loaded.set(code, catalogue);
        return true;
      });
      this.loading.set(code, pending);
    }
    return pending;
  }

  async fetchCatalogue(code) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), LOAD_LIMIT_MS);
    try {
      const response = await this.fetch(`${this.baseUrl}${code}.json`, { signal: abort.signal, cache: 'no-cache' });
      if (!response.ok) return undefined;
      const body = await response.json();
      if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
      return body;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether `code` has its own text for `key` (not a fallback). */
  has(code, key) {
    return typeof this.loaded.get(code)?.[key] === 'string';
  }

  /** A translator for one language; it sees catalogues loaded later too. */
  translator(code) {
    return new Translator(this, code);
  }
}

export class Translator {
  constructor(catalogs, lang) {
    this.catalogs = catalogs;
    this.lang = lang;
  }

  /** -> { text, lang }: `lang` is the language the text is really in. */
  t(key, params) {
    for (const code of [this.lang, FALLBACK_LANGUAGE]) {
      const template = this.catalogs.loaded.get(code)?.[key];
      if (typeof template === 'string') return { text: format(template, params), lang: code };
    }
    return { text: key, lang: FALLBACK_LANGUAGE };
  }
}
