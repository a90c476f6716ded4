/**
 * An AudioOutput that makes no sound: for booths without a speaker, the simulated booth and tests.
 * It records what it was asked to play, and can take `durationMs` to play so that stopping a
 * prompt half-way can be exercised without a sound card. The record keeps only the last
 * `remember` files: a speakerless booth plays this output for months.
 */
import { abortReason, type AudioOutput, type PlayOptions } from './audio-output.ts';

export interface NullAudioOutputOptions {
  /** How long each "play" lasts; 0 (default) resolves on the next turn of the event loop. */
  durationMs?: number;
  /** How many of the latest files `played` and `interrupted` keep (default 100). */
  remember?: number;
}

export class NullAudioOutput implements AudioOutput {
  /** The latest files play() was called with, oldest first. */
  readonly played: string[] = [];
  /** The latest files whose play was aborted before its end. */
  readonly interrupted: string[] = [];
  readonly #durationMs: number;
  readonly #remember: number;

  constructor(options: NullAudioOutputOptions = {}) {
    this.#durationMs = options.durationMs ?? 0;
    this.#remember = options.remember ?? 100;
  }

  #record(list: string[], file: string): void {
    list.push(file);
    if (list.length > this.#remember) list.splice(0, list.length - this.#remember);
  }

  play(file: string, options: PlayOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    this.#record(this.played, file);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, this.#durationMs);
      const onAbort = () => {
        clearTimeout(timer);
        this.#record(this.interrupted, file);
        reject(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
