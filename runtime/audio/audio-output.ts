/**
 * Where the booth's voice goes. One method: play a sound file to the end, or stop when told.
 * NullAudioOutput (no speaker, tests) and CommandAudioOutput (a player program such as aplay)
 * implement it; the VoicePrompter is its only caller.
 */
export interface PlayOptions {
  /** Aborting stops the sound; play() then rejects with the signal's reason once it has stopped. */
  signal?: AbortSignal;
}

export interface AudioOutput {
  /**
   * Plays `file` (a WAV file). Resolves when it has been played to the end; rejects when it could
   * not be played (an AudioOutputError) or was aborted (the signal's reason), in both cases only
   * after the sound has stopped, so the next play never overlaps it.
   */
  play(file: string, options?: PlayOptions): Promise<void>;
}

export type AudioOutputErrorCode = 'ENOENT' | 'EIO';

export class AudioOutputError extends Error {
  /** ENOENT: the player program is missing; EIO: it failed or was killed by something else. */
  readonly code: AudioOutputErrorCode;
  constructor(code: AudioOutputErrorCode, message: string) {
    super(message);
    this.name = 'AudioOutputError';
    this.code = code;
  }
}

/** The rejection reason of an aborted play: the signal's own reason, else a standard AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The sound was stopped', 'AbortError');
}
