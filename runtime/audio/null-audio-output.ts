/**
 * An AudioOutput that makes no sound: for booths without a speaker, the simulated booth and tests.
 * It records what it was asked to play, and can take `durationMs` to play so that stopping a
 * prompt half-way can be exercised without a sound card.
 */
import { abortReason, type AudioOutput, type PlayOptions } from './audio-output.ts';

export interface NullAudioOutputOptions {
  /** How long each "play" lasts; 0 (default) resolves on the next turn of the event loop. */
  durationMs?: number;
}

export class NullAudioOutput implements AudioOutput {
  /** Every file play() was called with, in order. */
  readonly played: string[] = [];
  /** The files whose play was aborted before its end. */
  readonly interrupted: string[] = [];
  readonly #durationMs: number;

  constructor(options: NullAudioOutputOptions = {}) {
    this.#durationMs = options.durationMs ?? 0;
  }

  play(file: string, options: PlayOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    this.played.push(file);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, this.#durationMs);
      const onAbort = () => {
        clearTimeout(timer);
        this.interrupted.push(file);
        reject(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
