/**
 * The message catalogues: the shipped set is complete and consistent in every language, the
 * checker catches each kind of mistake a translator can make (on broken copies in a temporary
 * folder), and the catalogue renders text and lists the languages as the picker shows them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CATALOGUE_DIR, CatalogueError, MessageCatalogue, readCatalogueSources } from '../../runtime/i18n/catalogue.ts';
import { checkCatalogues, formatCatalogueProblem, placeholderNames, scriptShare } from '../../runtime/i18n/check-catalogues.ts';
import { SPOKEN_KEYS, SPOKEN_VARIANTS, spokenUtterances, utteranceFor } from '../../runtime/i18n/spoken-keys.ts';
import { LANGUAGES, type Language } from '../../protocols/kiosk/session-contract.ts';

const NATIVE_NAMES: Record<Language, string> = {
  ru: 'Русский',
  uk: 'Українська',
  tg: 'Тоҷикӣ',
  uz: 'Oʻzbekcha',
  ro: 'Română',
  en: 'English',
  fr: 'Français',
  de: 'Deutsch',
  ky: 'Кыргызча',
  kk: 'Қазақша',
  zh: '中文',
  tr: 'Türkçe',
  ka: 'ქართული',
};

const english = JSON.parse(readFileSync(join(CATALOGUE_DIR, 'en.json'), 'utf8')) as Record<string, string>;
const temporaryDirs: string[] = [];
after(() => temporaryDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of the shipped catalogues in a temporary folder, with `edit` applied to one language's messages. */
function brokenCopy(language: Language, edit: (messages: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'i18n-'));
  temporaryDirs.push(dir);
  for (const code of LANGUAGES) copyFileSync(join(CATALOGUE_DIR, `${code}.json`), join(dir, `${code}.json`));
  const file = join(dir, `${language}.json`);
  const messages = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(messages);
  writeFileSync(file, JSON.stringify(messages, null, 2));
  return dir;
}

function problemsIn(dir: string): string[] {
  return checkCatalogues(readCatalogueSources(dir)).map(formatCatalogueProblem);
}

function loadError(dir: string): CatalogueError {
  try {
    MessageCatalogue.load(dir);
  } catch (error) {
    assert.ok(error instanceof CatalogueError, String(error));
    return error;
  }
  assert.fail('the broken catalogues were loaded');
}

describe('shipped catalogues', () => {
  it('have no problem in any language: same keys and placeholders as en.json, none empty, each in its own script', () => {
    assert.deepEqual(problemsIn(CATALOGUE_DIR), []);
  });

  it('hold every key of en.json with the same placeholder names, language by language', () => {
    // Stated on its own so a failure names the language and key even if the checker were wrong.
    for (const language of LANGUAGES) {
      const messages = JSON.parse(readFileSync(join(CATALOGUE_DIR, `${language}.json`), 'utf8')) as Record<string, string>;
      assert.deepEqual(Object.keys(messages).sort(), Object.keys(english).sort(), `${language}.json keys`);
      for (const [key, text] of Object.entries(english)) {
        assert.deepEqual([...placeholderNames(messages[key] ?? '')].sort(), [...placeholderNames(text)].sort(), `${language}.json "${key}" placeholders`);
      }
    }
  });

  it('keep the capitals that stress RIGHT, LEFT and THUMBS where the script has case', () => {
    const catalogue = MessageCatalogue.load();
    for (const language of LANGUAGES.filter((code) => code !== 'zh' && code !== 'ka')) {
      for (const key of ['fingers.right-four', 'fingers.left-four', 'fingers.two-thumbs', 'palms.right-full', 'palms.left-writer']) {
        assert.match(catalogue.text(language, key), /\p{Lu}{2,}/u, `${language} "${key}" has no word in capitals`);
      }
    }
  });

  it('loads, and the spoken keys exist with their placeholders covered by rendered values', () => {
    const catalogue = MessageCatalogue.load();
    for (const key of SPOKEN_KEYS) {
      assert.ok(catalogue.has('en', key), `spoken key "${key}" is not in the catalogue`);
      const names = [...placeholderNames(english[key] ?? '')].sort();
      assert.deepEqual(Object.keys(SPOKEN_VARIANTS[key] ?? {}).sort(), names, `"${key}": every placeholder needs rendered values`);
    }
    for (const utterance of spokenUtterances()) {
      for (const language of LANGUAGES) assert.doesNotThrow(() => catalogue.text(language, utterance.key, utterance.params));
    }
  });
});

describe('catalogue checker', () => {
  it('reports a missing key, naming the file and key', () => {
    const dir = brokenCopy('kk', (messages) => delete messages['goodbye.done']);
    const problems = problemsIn(dir);
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /kk\.json "goodbye\.done": missing key/);
  });

  it('reports an extra key', () => {
    const problems = problemsIn(brokenCopy('de', (messages) => (messages['goodbye.typo'] = 'Tschüss')));
    assert.deepEqual(problems.length, 1);
    assert.match(problems[0] as string, /de\.json "goodbye\.typo": extra key/);
  });

  it('reports a placeholder renamed, dropped or added', () => {
    const dir = brokenCopy('ru', (messages) => {
      messages['attempt.count'] = 'Попытка {attempt} из {maximum}';
      messages['review.fingers'] = 'Отпечатки пальцев собраны';
      messages['help.button'] = 'Помощь {name}';
    });
    const problems = problemsIn(dir);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems.join('\n'), /"attempt\.count": placeholders \{attempt\}, \{maximum\} differ from en\.json's \{attempt\}, \{max\}/);
    assert.match(problems.join('\n'), /"review\.fingers": placeholders \(none\) differ from en\.json's \{count\}/);
    assert.match(problems.join('\n'), /"help\.button": placeholders \{name\} differ/);
  });

  it('reports empty text and a value that is not a string', () => {
    const problems = problemsIn(
      brokenCopy('fr', (messages) => {
        messages['idle.start'] = '  ';
        messages['cancel.button'] = 42;
      }),
    );
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems.join('\n'), /fr\.json "idle\.start": empty text/);
    assert.match(problems.join('\n'), /fr\.json "cancel\.button": expected a string, found number/);
  });

  it('reports text in the wrong script: English left in Russian, Cyrillic in Georgian, Latin in Chinese', () => {
    const dir = brokenCopy('ru', (messages) => (messages['face.look'] = english['face.look']));
    assert.match(problemsIn(dir).join('\n'), /ru\.json "face\.look": text is not in Cyrillic script \(0% of its letters are\)/);
    const ka = brokenCopy('ka', (messages) => (messages['face.look'] = 'Смотрите в камеру.'));
    assert.match(problemsIn(ka).join('\n'), /ka\.json "face\.look": text is not in Georgian script/);
    const zh = brokenCopy('zh', (messages) => (messages['face.look'] = 'Qing kan shexiangtou.'));
    assert.match(problemsIn(zh).join('\n'), /zh\.json "face\.look": text is not in Han script/);
  });

  it('reports a Latin look-alike letter inside a Cyrillic word', () => {
    // "Пaльцы" with a Latin "a": looks right on screen, reads wrong and breaks search and speech.
    const problems = problemsIn(brokenCopy('uk', (messages) => (messages['step.missing-fingers'] = 'Пaльці')));
    assert.match(problems.join('\n'), /uk\.json "step\.missing-fingers": words mixing scripts \(look-alike letters\?\): Пaльці/);
  });

  it('reports invalid JSON naming the file, and a missing file', () => {
    const dir = brokenCopy('tr', () => undefined);
    writeFileSync(join(dir, 'tr.json'), '{ "language.native": "Türkçe", }');
    unlinkSync(join(dir, 'ka.json'));
    const problems = problemsIn(dir);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0] as string, new RegExp(`^${join(dir, 'tr.json')}: invalid JSON`));
    assert.match(problems[1] as string, /ka\.json: cannot read the catalogue file/);
  });

  it('makes the loader refuse the set, listing every problem', () => {
    const dir = brokenCopy('uz', (messages) => {
      delete messages['idle.welcome'];
      messages['problem.finger-missing'] = 'Barmoqlarni qoʻying.';
    });
    const error = loadError(dir);
    assert.equal(error.problems.length, 2);
    assert.match(error.message, /invalid message catalogues:\n {2}- .*uz\.json "idle\.welcome": missing key.*\n {2}- .*uz\.json "problem\.finger-missing": placeholders/);
  });

  it('counts only letters of a script: placeholders, digits and the Uzbek ʻ are left out', () => {
    assert.equal(scriptShare('Oʻng {count} 4', 'Latin'), 1);
    assert.equal(scriptShare('{count} / 10', 'Cyrillic'), undefined);
    assert.equal(scriptShare('请按 OK。', 'Han'), 0.5);
  });
});

describe('MessageCatalogue', () => {
  const catalogue = MessageCatalogue.load();

  it('renders a message with its params, numbers included', () => {
    assert.equal(catalogue.text('en', 'progress.step', { current: 3, total: 9 }), 'Step 3 of 9');
    assert.equal(catalogue.text('ru', 'attempt.count', { attempt: 2, max: '3' }), 'Попытка 2 из 3');
    assert.equal(catalogue.text('zh', 'review.fingers', { count: 8 }), '指纹：8/10');
    assert.equal(catalogue.text('de', 'idle.start'), 'Start');
  });

  it('throws naming the key and language for an unknown key, and the param for a missing one', () => {
    assert.throws(() => catalogue.text('ka', 'no.such.key'), /no key "no\.such\.key" in language "ka"/);
    assert.throws(() => catalogue.text('tg', 'progress.step', { current: 1 }), /"progress\.step" \(tg\) needs the param "total"/);
    assert.throws(() => catalogue.text('xx' as Language, 'idle.start'), /unknown language "xx"/);
  });

  it('answers has() and gives all() as a flat record with every key', () => {
    assert.equal(catalogue.has('tr', 'fireAlarm.leave'), true);
    assert.equal(catalogue.has('tr', 'fireAlarm.ignore'), false);
    const all = catalogue.all('ky');
    assert.deepEqual(Object.keys(all).sort(), Object.keys(english).sort());
    assert.equal(all['language.native'], 'Кыргызча');
  });

  it('lists the languages in the picker order, each named in itself', () => {
    assert.deepEqual(
      catalogue.languages(),
      LANGUAGES.map((code) => ({ code, name: NATIVE_NAMES[code] })),
    );
  });
});

describe('spoken utterances', () => {
  it('map a prompt to its voice file id, params included only where the message has them', () => {
    assert.deepEqual(utteranceFor('idle.welcome', { ignored: 1 }), { id: 'idle.welcome', key: 'idle.welcome', params: {} });
    assert.equal(utteranceFor('problem.finger-missing', { count: 3 })?.id, 'problem.finger-missing.count-3');
    assert.equal(utteranceFor('problem.finger-missing', { count: '3' })?.id, 'problem.finger-missing.count-3');
    assert.equal(utteranceFor('help.button', {}), undefined);
    assert.equal(utteranceFor('finger.1', {}), undefined);
  });

  it('render one file per spoken key and one per value of a placeholder', () => {
    const ids = spokenUtterances().map((utterance) => utterance.id);
    assert.equal(ids.length, SPOKEN_KEYS.length - 1 + 4);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.includes('problem.finger-missing.count-1') && ids.includes('problem.finger-missing.count-4'));
  });
});
