/**
 * An AudioOutput that runs a player program per sound: the configured argv plus the file
 * (default `aplay -q <file>`, ALSA). Works with any player that plays a WAV file given as its last
 * argument and exits 0 when done: `paplay`, `pw-play`, `ffplay -nodisp -autoexit -loglevel error`.
 *
 * The player runs in a process group of its own so that stopping it also stops whatever a wrapper
 * script started; SIGTERM first, SIGKILL if it has not gone after `killGraceMs`.
 */
import { spawn } from 'node:child_process';
import { abortReason, AudioOutputError, type AudioOutput, type PlayOptions } from './audio-output.ts';

export const DEFAULT_PLAYER_COMMAND: readonly string[] = ['aplay', '-q'];

export interface CommandAudioOutputOptions {
  /** The player's argv; the file is appended. Default `['aplay', '-q']`. */
  command?: readonly string[];
  /** How long a stopped player gets to exit on SIGTERM before SIGKILL. Default 1000 ms. */
  killGraceMs?: number;
}

/** Kept of the player's stderr, for the error message (the end holds the reason). */
const STDERR_TAIL_CHARS = 500;

export class CommandAudioOutput implements AudioOutput {
  readonly #command: readonly string[];
  readonly #killGraceMs: number;

  constructor(options: CommandAudioOutputOptions = {}) {
    const command = options.command ?? DEFAULT_PLAYER_COMMAND;
    if (command.length === 0 || command[0] === '') throw new Error('audio player command is empty');
    this.#command = [...command];
    this.#killGraceMs = options.killGraceMs ?? 1000;
  }

  play(file: string, options: PlayOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const [program, ...args] = this.#command as [string, ...string[]];
    return new Promise((resolve, reject) => {
      let settled = false;
      let stderr = '';
      let killTimer: NodeJS.Timeout | undefined;
      const child = spawn(program, [...args, file], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      const settle = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(killTimer);
        signal?.removeEventListener('abort', stop);
        if (error === undefined) resolve();
        else reject(error);
      };
      const signalGroup = (name: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, name);
        } catch {
          // The group is already gone.
        }
      };
      const stop = () => {
        signalGroup('SIGTERM');
        killTimer = setTimeout(() => signalGroup('SIGKILL'), this.#killGraceMs);
        killTimer.unref();
      };
      signal?.addEventListener('abort', stop, { once: true });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          settle(new AudioOutputError('ENOENT', `audio player "${program}" not found: install it or set audio.command in the booth manifest`));
        } else {
          settle(new AudioOutputError('EIO', `audio player "${program}" could not be started: ${error.message}`));
        }
      });
      child.once('close', (code, killedBy) => {
        if (signal?.aborted) return settle(abortReason(signal));
        if (code === 0) return settle();
        const reason = stderr.trim().split('\n').pop() ?? '';
        const how = killedBy ? `was killed by ${killedBy}` : `exited with status ${code}`;
        settle(new AudioOutputError('EIO', `audio player "${program}" ${how}${reason ? `: ${reason}` : ''}`));
      });
    });
  }
}
