/**
 * Turns the manifest's `audio` section into the objects that speak: the AudioOutput and the
 * voice folder. An explicit `voiceDir` is relative to the manifest's folder, like every other path
 * in the manifest (runtime/config/load.ts); without one, the voice files are those built next to
 * this runtime (`make voice` → build/voice; /opt/booth-runtime/build/voice in the .deb), which is
 * where they are in both the source tree and the package — a default relative to the manifest
 * (/etc/boothd) would point nowhere.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BoothConfig } from '../config/schema.ts';
import type { AudioOutput } from './audio-output.ts';
import { CommandAudioOutput } from './command-audio-output.ts';
import { NullAudioOutput } from './null-audio-output.ts';

/** build/voice at the root of this runtime's tree (runtime/audio/ → ../../build/voice). */
export const BUILT_VOICE_DIR = fileURLToPath(new URL('../../build/voice', import.meta.url));

export type AudioConfig = BoothConfig['audio'];

/** The absolute voice folder for a manifest read from `manifestFile`. */
export function resolveVoiceDir(audio: AudioConfig, manifestFile: string): string {
  return audio.voiceDir === undefined ? BUILT_VOICE_DIR : resolve(dirname(resolve(manifestFile)), audio.voiceDir);
}

export function createAudioOutput(audio: AudioConfig): AudioOutput {
  return audio.output === 'command' ? new CommandAudioOutput({ command: audio.command }) : new NullAudioOutput();
}
