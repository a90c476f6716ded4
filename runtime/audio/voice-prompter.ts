/**
 * Speaks the session's prompts: finds the voice file of a Prompt in the voice index (the index
 * already points a language without a voice at its fallback's files) and plays it on the
 * AudioOutput. A new prompt cuts the one being spoken: the person hears what the screen shows now.
 *
 * Sound is a help, never a requirement: say() never throws or rejects. A missing file or a failing
 * player is logged once as a warning (key and language only — never the prompt's text or params)
 * and the booth carries on with the screen alone.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Prompt } from '../../protocols/kiosk/session-contract.ts';
import { utteranceFor } from '../i18n/spoken-keys.ts';
import type { AudioOutput } from './audio-output.ts';
import type { VoiceIndex } from './voice-index.ts';

export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

export interface VoicePrompterOptions {
  index: VoiceIndex;
  /** The folder the index's relative file paths start from (where index.json lives). */
  voiceDir: string;
  output: AudioOutput;
  logger: WarnLogger;
}

interface Speaking {
  controller: AbortController;
  /** Settles (never rejects) once this prompt's sound has stopped or was skipped. */
  done: Promise<void>;
}

export class VoicePrompter {
  readonly #index: VoiceIndex;
  readonly #voiceDir: string;
  readonly #output: AudioOutput;
  readonly #logger: WarnLogger;
  readonly #warned = new Set<string>();
  /** Set after a player failure was logged; cleared by the next success, so a recovery re-arms it. */
  #playerFailureLogged = false;
  #current: Speaking | undefined;

  constructor(options: VoicePrompterOptions) {
    this.#index = options.index;
    this.#voiceDir = options.voiceDir;
    this.#output = options.output;
    this.#logger = options.logger;
  }

  /**
   * Stops what is being said and speaks `prompt` (nothing for a key that is not spoken). The
   * promise settles when this prompt has been spoken, cut or skipped; it never rejects.
   */
  say(prompt: Prompt): Promise<void> {
    try {
      const previous = this.#current;
      previous?.controller.abort();
      const controller = new AbortController();
      const done = this.#speak(prompt, previous?.done, controller.signal);
      this.#current = { controller, done };
      return done;
    } catch (error) {
      this.#warnOnce('unexpected', { event: 'voice.failed', error: (error as Error).message }, 'voice prompt failed');
      return Promise.resolve();
    }
  }

  /** Stops what is being said (session over, fire alarm); settles once the sound has stopped. */
  stop(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    current?.controller.abort();
    return current?.done ?? Promise.resolve();
  }

  async #speak(prompt: Prompt, previous: Promise<void> | undefined, signal: AbortSignal): Promise<void> {
    try {
      // Never two sounds at once: wait for the cut prompt's player to be gone.
      await previous;
      if (signal.aborted) return;
      const file = await this.#fileFor(prompt);
      if (file === undefined || signal.aborted) return;
      await this.#output.play(file, { signal });
      this.#playerFailureLogged = false;
    } catch (error) {
      if (signal.aborted) return;
      if (!this.#playerFailureLogged) {
        this.#playerFailureLogged = true;
        this.#logger.warn(
          { event: 'voice.player-failed', key: prompt.key, language: prompt.language, error: (error as Error).message },
          'voice prompt could not be played; the booth carries on with the screen only',
        );
      }
    }
  }

  async #fileFor(prompt: Prompt): Promise<string | undefined> {
    const utterance = utteranceFor(prompt.key, prompt.params);
    if (!utterance) return undefined;
    const language = this.#index.languages[prompt.language];
    if (!language) {
      this.#warnOnce(`language:${prompt.language}`, { event: 'voice.no-language', language: prompt.language }, 'no voice prompts for this language');
      return undefined;
    }
    const entry = language.prompts[utterance.id];
    const context = { key: prompt.key, utterance: utterance.id, language: prompt.language };
    if (!entry) {
      this.#warnOnce(`missing:${prompt.language}:${utterance.id}`, { event: 'voice.missing', ...context }, 'no voice file for this prompt');
      return undefined;
    }
    const file = resolve(this.#voiceDir, entry.file);
    try {
      await access(file);
    } catch {
      this.#warnOnce(`file:${file}`, { event: 'voice.missing', ...context, file }, 'voice file missing; run make voice');
      return undefined;
    }
    return file;
  }

  #warnOnce(what: string, obj: object, msg: string): void {
    if (this.#warned.has(what)) return;
    this.#warned.add(what);
    this.#logger.warn(obj, msg);
  }
}
