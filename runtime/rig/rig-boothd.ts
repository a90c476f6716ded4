/**
 * The real boothd as a separate process, the way systemd runs it: its JSON log lines are kept in
 * memory (for `expect: log` and for finding the kiosk URL) and appended to the scenario's
 * boothd.log; it stops on SIGTERM (door released, exit 0) or is killed (a power cut).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ChildRegistry } from './child-registry.ts';
import { exitedWithin, hasExited, killChild, stopChild } from './child-stop.ts';

export interface BoothdLine {
  msg?: string;
  level?: number;
  [field: string]: unknown;
}

export interface BoothdSpawn {
  launcher: string;
  manifestFile: string;
  logFile: string;
  /** Extra environment (faketime's LD_PRELOAD). */
  env?: Record<string, string>;
}

/** boothd's environment overrides would quietly replace the rig's wiring; they never reach it. */
const OVERRIDES = ['BOOTH_ID', 'BOOTH_MQTT_URL', 'BOOTH_STATE_DIR', 'BOOTH_LOG_LEVEL', 'BOOTH_PRIMARY_HOST'];
const STOP_GRACE_MS = 10_000;

export class RigBoothd {
  readonly child: ChildProcess;
  readonly lines: BoothdLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #listeners = new Set<(line: BoothdLine | undefined) => void>();
  #stderr = '';

  constructor(options: BoothdSpawn, registry: ChildRegistry) {
    const env: NodeJS.ProcessEnv = { ...process.env, BOOTH_LOG_FORMAT: 'json', ...options.env };
    for (const name of OVERRIDES) delete env[name];
    this.child = spawn(options.launcher, ['--config', options.manifestFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    registry.track(this.child, 'boothd');
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-8192);
      appendFileSync(options.logFile, chunk);
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      appendFileSync(options.logFile, `${text}\n`);
      let line: BoothdLine;
      try {
        line = JSON.parse(text) as BoothdLine;
      } catch {
        line = { msg: text };
      }
      this.lines.push(line);
      for (const listener of this.#listeners) listener(line);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.#stderr += `cannot start ${options.launcher}: ${error.message}`;
        resolve({ code: null, signal: null });
      });
      this.child.once('exit', (code, signal) => {
        for (const listener of this.#listeners) listener(undefined);
        resolve({ code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !hasExited(this.child) && this.child.pid !== undefined;
  }

  /** Every log line from now on (undefined once, when the process exits); returns the unsubscribe. */
  onLine(listener: (line: BoothdLine | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The first line (already logged or still to come) that satisfies `predicate`, within `limitMs`. */
  waitForLine(predicate: (line: BoothdLine) => boolean, what: string, limitMs: number): Promise<BoothdLine> {
    return new Promise((resolve, reject) => {
      const found = this.lines.find(predicate);
      if (found) return resolve(found);
      if (!this.running) return reject(new Error(`boothd is not running, so it will not log ${what}; stderr: ${this.#stderr.trim() || '(empty)'}`));
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        unsubscribe();
        settle();
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`boothd did not log ${what} within ${limitMs} ms`))), limitMs);
      const unsubscribe = this.onLine((line) => {
        if (line === undefined) finish(() => reject(new Error(`boothd exited before it logged ${what}; stderr: ${this.#stderr.trim() || '(empty)'}`)));
        else if (predicate(line)) finish(() => resolve(line));
      });
    });
  }

  /** SIGTERM (boothd releases the door and exits), then SIGKILL after a bound. */
  stop(): Promise<'exited' | 'killed' | 'lingering'> {
    return stopChild(this.child, STOP_GRACE_MS);
  }

  /** SIGKILL: nothing in boothd runs any more (a power cut). */
  async kill(): Promise<void> {
    if (!(await killChild(this.child))) throw new Error(`boothd (pid ${this.pid}) survived SIGKILL for 5 s`);
  }

  async exitedWithin(limitMs: number): Promise<boolean> {
    return exitedWithin(this.child, limitMs);
  }
}
