/**
 * The voice generator's decisions, without espeak-ng: which voice speaks each language, which
 * language without a voice borrows whose files, which files an unchanged input keeps, and how
 * screen text is adjusted for speech.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageCatalogue } from '../../runtime/i18n/catalogue.ts';
import { spokenUtterances } from '../../runtime/i18n/spoken-keys.ts';
import { LANGUAGES, type Language } from '../../protocols/kiosk/session-contract.ts';
import { parseVoiceIndex } from '../../runtime/audio/voice-index.ts';
import { parseVoiceList } from '../../scripts/voice/espeak.ts';
import { spokenText } from '../../scripts/voice/spoken-text.ts';
import { planVoice, type VoicePlanInput } from '../../scripts/voice/voice-plan.ts';
import { ESPEAK_OPTIONS, VOICE_CHOICES } from '../../scripts/voice/voice-table.ts';

const catalogue = MessageCatalogue.load();
const UTTERANCES = spokenUtterances().length;
/** The voices espeak-ng 1.51 on Debian 12 has for our languages (no Tajik). */
const DEBIAN_12 = new Set(['ru', 'uk', 'uz', 'ro', 'en-gb', 'en', 'fr-fr', 'fr', 'de', 'ky', 'kk', 'cmn', 'cmn-latn-pinyin', 'tr', 'ka', 'fa']);

function input(overrides: Partial<VoicePlanInput> = {}): VoicePlanInput {
  return {
    languages: LANGUAGES,
    text: (language, key, params) => catalogue.text(language, key, params),
    choices: VOICE_CHOICES,
    installed: DEBIAN_12,
    engine: 'eSpeak NG text-to-speech: 1.51',
    options: ESPEAK_OPTIONS,
    previous: undefined,
    exists: () => true,
    ...overrides,
  };
}

describe('voice plan', () => {
  it('renders every spoken utterance of the twelve voiced languages; Tajik speaks the Russian files', () => {
    const plan = planVoice(input());
    assert.equal(plan.jobs.length, 12 * UTTERANCES);
    assert.equal(plan.kept, 0);
    assert.deepEqual(Object.keys(plan.index.languages), [...LANGUAGES]);
    const tg = plan.index.languages.tg;
    assert.equal(tg?.audioLanguage, 'ru');
    assert.equal(tg?.voice, 'ru');
    assert.match(tg?.fallbackReason ?? '', /no espeak-ng voice for tg/);
    assert.deepEqual(tg?.prompts, plan.index.languages.ru?.prompts);
    assert.equal(plan.jobs.filter((job) => job.file.startsWith('tg/')).length, 0);
    assert.equal(plan.index.languages.zh?.voice, 'cmn-latn-pinyin');
    assert.equal(plan.index.languages.en?.voice, 'en-gb');
    // The index the plan makes is one the runtime reads.
    assert.doesNotThrow(() => parseVoiceIndex(JSON.stringify(plan.index), 'index.json'));
  });

  it('uses the fallback of any language whose voice is missing, and leaves silent one without a fallback voice', () => {
    const installed = new Set([...DEBIAN_12].filter((voice) => !['ky', 'cmn', 'cmn-latn-pinyin', 'ru'].includes(voice)));
    const plan = planVoice(input({ installed }));
    assert.equal(plan.index.languages.zh?.audioLanguage, 'en');
    // Without Russian, Kyrgyz and Tajik have nothing to fall back on, and Russian itself is silent.
    for (const language of ['ky', 'tg', 'ru'] as Language[]) assert.equal(plan.index.languages[language], undefined, language);
  });

  it('renders the fallback language too when only a language without a voice is asked for', () => {
    const plan = planVoice(input({ languages: ['tg'] }));
    assert.deepEqual(Object.keys(plan.index.languages), ['ru', 'tg']);
    assert.equal(plan.jobs.length, UTTERANCES);
    assert.ok(plan.jobs.every((job) => job.file.startsWith('ru/') && job.voice === 'ru'));
  });

  it('keeps files whose text, voice and engine are unchanged and whose file is still there', () => {
    const previous = planVoice(input()).index;
    assert.equal(planVoice(input({ previous })).jobs.length, 0);

    const edited = planVoice(
      input({
        previous,
        text: (language, key, params) => (language === 'de' && key === 'fingers.hold' ? 'Bitte nicht bewegen…' : catalogue.text(language, key, params)),
      }),
    );
    assert.deepEqual(edited.jobs, [{ file: 'de/fingers.hold.wav', voice: 'de', text: 'Bitte nicht bewegen…' }]);

    const deleted = planVoice(input({ previous, exists: (file) => file !== 'ka/idle.welcome.wav' }));
    assert.deepEqual(deleted.jobs.map((job) => job.file), ['ka/idle.welcome.wav']);

    assert.equal(planVoice(input({ previous, engine: 'eSpeak NG text-to-speech: 1.52' })).jobs.length, 12 * UTTERANCES);
    assert.equal(planVoice(input({ previous, options: ['-s', '140'] })).jobs.length, 12 * UTTERANCES);
  });

  it('renders each value of a placeholder into its own file with the number in the text', () => {
    const jobs = planVoice(input({ languages: ['ru'] })).jobs.filter((job) => job.file.startsWith('ru/problem.finger-missing'));
    assert.deepEqual(
      jobs.map((job) => job.file),
      [1, 2, 3, 4].map((count) => `ru/problem.finger-missing.count-${count}.wav`),
    );
    assert.match(jobs[2]?.text ?? '', /Нужно пальцев: 3\./);
  });
});

describe('spoken text', () => {
  it('lowers the capitals of emphasis so espeak-ng does not spell them, in the language’s own rules', () => {
    assert.equal(spokenText('Place the four fingers of your RIGHT hand flat on the glass.', 'en'), 'Place the four fingers of your right hand flat on the glass.');
    assert.equal(spokenText('İki BAŞPARMAĞINIZI cama düz koyun.', 'tr'), 'İki başparmağınızı cama düz koyun.');
    assert.equal(spokenText('OʻNG qoʻlingizning', 'uz'), 'oʻng qoʻlingizning');
    assert.equal(spokenText('ОҢ қолыңыздың', 'kk'), 'оң қолыңыздың');
  });

  it('keeps OK, ordinary capitals and scripts without case as they are', () => {
    assert.equal(spokenText('Распишитесь ручкой на планшете, затем нажмите OK.', 'ru'), 'Распишитесь ручкой на планшете, затем нажмите OK.');
    assert.equal(spokenText('Welcome. Please touch Start.', 'en'), 'Welcome. Please touch Start.');
    assert.equal(spokenText('请把【右手】的四个手指平放在玻璃上。', 'zh'), '请把【右手】的四个手指平放在玻璃上。');
  });
});

describe('espeak-ng voice list', () => {
  it('collects each voice’s language and its other languages', () => {
    const listing = [
      'Pty Language       Age/Gender VoiceName          File                 Other Languages',
      ' 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)',
      ' 5  cmn-latn-pinyin --/M      Chinese_(Mandarin,_latin_as_Pinyin) sit/cmn-Latn-pinyin  (zh-cmn 5)(zh 5)',
      ' 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)',
      ' 5  ka              --/M      Georgian           ccs/ka               ',
    ].join('\n');
    assert.deepEqual([...parseVoiceList(listing)].sort(), ['cmn', 'cmn-latn-pinyin', 'en', 'en-gb', 'ka', 'zh', 'zh-cmn']);
  });
});
