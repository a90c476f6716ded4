/**
 * The VoicePrompter: finds a prompt's file through the voice index (a fallback language's files
 * included), cuts the prompt being spoken when the next one comes, stays silent for keys that are
 * not spoken, and never throws: a missing file or a failing player is one warning, without text.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AudioOutput, PlayOptions } from '../../runtime/audio/audio-output.ts';
import { AudioOutputError } from '../../runtime/audio/audio-output.ts';
import { NullAudioOutput } from '../../runtime/audio/null-audio-output.ts';
import { VOICE_INDEX_FORMAT, type VoiceIndex } from '../../runtime/audio/voice-index.ts';
import { VoicePrompter } from '../../runtime/audio/voice-prompter.ts';
import { MessageCatalogue } from '../../runtime/i18n/catalogue.ts';
import type { Language, Prompt } from '../../protocols/kiosk/session-contract.ts';
import { memoryLogger } from '../support/memory-logger.ts';

const HASH = '0'.repeat(64);
const voiceDir = mkdtempSync(join(tmpdir(), 'voice-prompter-'));
after(() => rmSync(voiceDir, { recursive: true, force: true }));

const IDS = ['idle.welcome', 'fingers.right-four', 'fireAlarm.leave', 'problem.finger-missing.count-3', 'goodbye.done'];
mkdirSync(join(voiceDir, 'ru'));
// goodbye.done is in the index but its file was deleted.
for (const id of IDS.filter((id) => id !== 'goodbye.done')) writeFileSync(join(voiceDir, 'ru', `${id}.wav`), 'RIFF');
const ruPrompts = Object.fromEntries(IDS.map((id) => [id, { file: `ru/${id}.wav`, hash: HASH }]));
const index: VoiceIndex = {
  format: VOICE_INDEX_FORMAT,
  engine: 'test',
  languages: {
    ru: { audioLanguage: 'ru', voice: 'ru', prompts: ruPrompts },
    tg: { audioLanguage: 'ru', voice: 'ru', fallbackReason: 'no voice', prompts: ruPrompts },
  },
};

function prompt(key: string, language: Language = 'ru', params: Prompt['params'] = {}): Prompt {
  return { key, language, params };
}

function fileOf(id: string): string {
  return join(voiceDir, 'ru', `${id}.wav`);
}

function setup(output: AudioOutput = new NullAudioOutput()) {
  const warnings: Array<{ obj: object; msg: string }> = [];
  const prompter = new VoicePrompter({ index, voiceDir, output, logger: { warn: (obj, msg) => warnings.push({ obj, msg }) } });
  return { prompter, warnings };
}

/** A player that fails a given number of times, then plays. */
class FlakyOutput implements AudioOutput {
  failures: number;
  readonly played: string[] = [];
  constructor(failures: number) {
    this.failures = failures;
  }
  async play(file: string, _options?: PlayOptions): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new AudioOutputError('EIO', 'audio player "aplay" exited with status 1: audio open error: Device or resource busy');
    }
    this.played.push(file);
  }
}

describe('VoicePrompter', () => {
  it('plays the file of the prompt in its language', async () => {
    const output = new NullAudioOutput();
    const { prompter, warnings } = setup(output);
    await prompter.say(prompt('idle.welcome'));
    assert.deepEqual(output.played, [fileOf('idle.welcome')]);
    assert.deepEqual(warnings, []);
  });

  it('plays the fallback language files the index gives a language without a voice (tg → ru)', async () => {
    const output = new NullAudioOutput();
    const { prompter } = setup(output);
    await prompter.say(prompt('fireAlarm.leave', 'tg'));
    assert.deepEqual(output.played, [fileOf('fireAlarm.leave')]);
  });

  it('plays the rendered variant of a message with a placeholder', async () => {
    const output = new NullAudioOutput();
    const { prompter } = setup(output);
    await prompter.say(prompt('problem.finger-missing', 'ru', { count: 3 }));
    assert.deepEqual(output.played, [fileOf('problem.finger-missing.count-3')]);
  });

  it('cuts the prompt being spoken when a new one comes, and never plays two at once', async () => {
    const output = new NullAudioOutput({ durationMs: 5000 });
    let playing = 0;
    let mostAtOnce = 0;
    const counting: AudioOutput = {
      play: async (file, options) => {
        mostAtOnce = Math.max(mostAtOnce, ++playing);
        try {
          await output.play(file, options);
        } finally {
          playing -= 1;
        }
      },
    };
    const { prompter, warnings } = setup(counting);
    const first = prompter.say(prompt('idle.welcome'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = prompter.say(prompt('fingers.right-four'));
    const third = prompter.say(prompt('fireAlarm.leave'));
    await first; // Resolves (never rejects) once cut.
    await second;
    while (output.played.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = prompter.stop();
    await third;
    await stopped;
    assert.deepEqual(output.played, [fileOf('idle.welcome'), fileOf('fireAlarm.leave')], 'the second was cut before it started');
    assert.deepEqual(output.interrupted, [fileOf('idle.welcome'), fileOf('fireAlarm.leave')]);
    assert.equal(mostAtOnce, 1);
    assert.deepEqual(warnings, []);
  });

  it('says nothing, and warns about nothing, for a key that is not spoken — but still stops the previous prompt', async () => {
    const output = new NullAudioOutput({ durationMs: 5000 });
    const { prompter, warnings } = setup(output);
    const first = prompter.say(prompt('idle.welcome'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await prompter.say(prompt('help.button'));
    await first;
    assert.deepEqual(output.played, [fileOf('idle.welcome')]);
    assert.deepEqual(output.interrupted, [fileOf('idle.welcome')]);
    assert.deepEqual(warnings, []);
  });

  it('warns once about a prompt without a voice file, naming the key and language only', async () => {
    const output = new NullAudioOutput();
    const { prompter, warnings } = setup(output);
    await prompter.say(prompt('precheck.wait'));
    await prompter.say(prompt('precheck.wait'));
    await prompter.say(prompt('problem.finger-missing', 'ru', { count: 9 }));
    assert.deepEqual(output.played, []);
    assert.deepEqual(
      warnings.map((warning) => warning.obj),
      [
        { event: 'voice.missing', key: 'precheck.wait', utterance: 'precheck.wait', language: 'ru' },
        { event: 'voice.missing', key: 'problem.finger-missing', utterance: 'problem.finger-missing.count-9', language: 'ru' },
      ],
    );
  });

  it('warns once about an indexed file that is gone, and once about a language the index lacks', async () => {
    const { prompter, warnings } = setup();
    await prompter.say(prompt('goodbye.done'));
    await prompter.say(prompt('goodbye.done'));
    await prompter.say(prompt('idle.welcome', 'ka'));
    await prompter.say(prompt('goodbye.done', 'ka'));
    assert.deepEqual(
      warnings.map((warning) => [(warning.obj as { event: string }).event, warning.msg]),
      [
        ['voice.missing', 'voice file missing; run make voice'],
        ['voice.no-language', 'no voice prompts for this language'],
      ],
    );
  });

  it('never rejects when the player fails; warns once per run of failures', async () => {
    const output = new FlakyOutput(2);
    const { prompter, warnings } = setup(output);
    await prompter.say(prompt('idle.welcome'));
    await prompter.say(prompt('fingers.right-four'));
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0]?.obj, {
      event: 'voice.player-failed',
      key: 'idle.welcome',
      language: 'ru',
      error: 'audio player "aplay" exited with status 1: audio open error: Device or resource busy',
    });
    await prompter.say(prompt('fireAlarm.leave'));
    assert.deepEqual(output.played, [fileOf('fireAlarm.leave')]);
    output.failures = 1;
    await prompter.say(prompt('idle.welcome'));
    assert.equal(warnings.length, 2, 'a failure after a recovery is reported again');
  });

  it('survives a player that throws instead of rejecting', async () => {
    const { prompter, warnings } = setup({
      play: () => {
        throw new Error('player exploded');
      },
    });
    await prompter.say(prompt('idle.welcome'));
    assert.equal(warnings.length, 1);
    assert.equal((warnings[0]?.obj as { error: string }).error, 'player exploded');
  });

  it('logs through a real pino logger without the prompt text', async () => {
    const { logger, raw } = memoryLogger();
    const prompter = new VoicePrompter({ index, voiceDir, output: new FlakyOutput(1), logger });
    await prompter.say(prompt('fingers.right-four', 'tg'));
    await prompter.say(prompt('precheck.wait', 'tg'));
    assert.equal(raw.length, 2);
    const catalogue = MessageCatalogue.load();
    for (const language of ['tg', 'ru'] as const) {
      for (const key of ['fingers.right-four', 'precheck.wait']) {
        assert.ok(!raw.join('\n').includes(catalogue.text(language, key)), `the log holds the text of ${key}`);
      }
    }
  });
});
