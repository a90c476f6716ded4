/**
 * What every boothctl command gets: the terminal, the global options, the way to boothd's
 * control socket, and the booth manifest (loaded on demand with boothd's own validation).
 * Where the files are: --config, else $BOOTH_CONFIG, else the manifest boothd runs with, else
 * /etc/boothd/booth.yaml; the state dir (and the socket in it): --state-dir, else
 * $BOOTH_STATE_DIR, else the manifest's stateDir.
 */
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.ts';
import { loadConfigFile } from '../config/load.ts';
import { builtinDrivers } from '../devices/builtin-drivers.ts';
import { DaemonLink } from './daemon-link.ts';
import type { Terminal } from './terminal.ts';

export const DEFAULT_CONFIG_FILE = '/etc/boothd/booth.yaml';

export interface GlobalOptions {
  config?: string;
  stateDir?: string;
  json: boolean;
}

export class CliContext {
  readonly term: Terminal;
  readonly options: GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  /** Fires on Ctrl-C, for commands that run until stopped (tail). */
  readonly signal: AbortSignal | undefined;
  #loaded: LoadedConfig | undefined;

  constructor(term: Terminal, options: GlobalOptions, env: NodeJS.ProcessEnv, signal?: AbortSignal) {
    this.term = term;
    this.options = options;
    this.env = env;
    this.signal = signal;
  }

  get json(): boolean {
    return this.options.json;
  }

  /** The manifest file named by the options or environment, if any. */
  get namedConfigFile(): string | undefined {
    return this.options.config ?? this.env.BOOTH_CONFIG;
  }

  get configFile(): string {
    return this.namedConfigFile ?? DEFAULT_CONFIG_FILE;
  }

  /** Loads and checks the manifest exactly as boothd does; throws ConfigError when it is wrong. */
  config(file = this.configFile): LoadedConfig {
    if (file === this.configFile && this.#loaded) return this.#loaded;
    const loaded = loadConfigFile(file, { registry: builtinDrivers(), env: this.env });
    if (file === this.configFile) this.#loaded = loaded;
    return loaded;
  }

  get stateDir(): string {
    const named = this.options.stateDir ?? this.env.BOOTH_STATE_DIR;
    if (named) return named;
    return this.config().config.stateDir;
  }

  daemon(): DaemonLink {
    return new DaemonLink(join(this.stateDir, 'boothd.sock'));
  }

  /** Prints `value` as JSON with --json, else lets `human` write for a person. */
  emit(value: unknown, human: () => void): void {
    if (this.json) this.term.line(JSON.stringify(value, null, 2));
    else human();
  }
}
