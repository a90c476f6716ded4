/**
 * A pair of connected pseudo-terminals made by socat: the driver opens one end as its serial
 * port, a wire-level simulator the other. Killing socat is pulling the cable (both ends see the
 * line drop); `replug` makes the pair again under the same names, as udev would for a device that
 * comes back. Used by the tests and by `make run-wire`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const READY_LIMIT_MS = 5000;

export interface PtyPairOptions {
  /**
   * socat runs in a process group of its own, so a terminal's Ctrl-C reaches only this process,
   * which then closes the pair when it is done with it (`make run-wire`, booth-rig).
   */
  ownProcessGroup?: boolean;
  /** Told of every socat started (at open and at each replug), e.g. to kill it if the owner crashes. */
  onSocat?: (socat: ChildProcess) => void;
}

export class PtyPair {
  /** The end the driver opens (its manifest `bus.path`). */
  readonly driverPath: string;
  /** The end the wire-level simulator opens. */
  readonly devicePath: string;
  readonly #dir: string;
  readonly #ownsDir: boolean;
  readonly #ownProcessGroup: boolean;
  readonly #onSocat: ((socat: ChildProcess) => void) | undefined;
  #socat: ChildProcess | undefined;

  private constructor(dir: string, ownsDir: boolean, options: PtyPairOptions) {
    this.#dir = dir;
    this.#ownsDir = ownsDir;
    this.#ownProcessGroup = options.ownProcessGroup ?? false;
    this.#onSocat = options.onSocat;
    this.driverPath = join(dir, 'driver-end');
    this.devicePath = join(dir, 'device-end');
  }

  /**
   * Makes a pair in `dir` (a new temporary folder when absent) and waits until both ends exist.
   */
  static async open(dir?: string, options: PtyPairOptions = {}): Promise<PtyPair> {
    const pair = new PtyPair(dir ?? mkdtempSync(join(tmpdir(), 'pty-')), dir === undefined, options);
    await pair.replug();
    return pair;
  }

  /** socat's PID while the cable is in (a new one after each replug). */
  get pid(): number | undefined {
    return this.connected ? this.#socat?.pid : undefined;
  }

  get connected(): boolean {
    return this.#socat !== undefined && this.#socat.exitCode === null && this.#socat.signalCode === null;
  }

  /** Pulls the cable: socat dies, both ends close. Resolves once socat has exited. */
  async unplug(): Promise<void> {
    const socat = this.#socat;
    this.#socat = undefined;
    if (!socat || socat.exitCode !== null || socat.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
    socat.kill('SIGKILL');
    await exited;
    // socat removes its links on a clean exit only. A replug while this one was exiting has made
    // new links under the same names: those stay.
    if (this.#socat !== undefined) return;
    rmSync(this.driverPath, { force: true });
    rmSync(this.devicePath, { force: true });
  }

  /** Plugs the cable back in: a fresh pair under the same two names. */
  async replug(): Promise<void> {
    if (this.connected) return;
    rmSync(this.driverPath, { force: true });
    rmSync(this.devicePath, { force: true });
    const socat = spawn('socat', [`pty,raw,echo=0,link=${this.driverPath}`, `pty,raw,echo=0,link=${this.devicePath}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: this.#ownProcessGroup,
    });
    let stderr = '';
    socat.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let spawnError: Error | undefined;
    socat.once('error', (error) => (spawnError = error));
    this.#socat = socat;
    this.#onSocat?.(socat);
    const deadline = Date.now() + READY_LIMIT_MS;
    while (!(existsSync(this.driverPath) && existsSync(this.devicePath))) {
      if (spawnError) throw new Error(`cannot start socat (is it installed? make test installs it): ${spawnError.message}`);
      if (socat.exitCode !== null) throw new Error(`socat exited with ${socat.exitCode}: ${stderr.trim()}`);
      if (Date.now() > deadline) {
        socat.kill('SIGKILL');
        throw new Error(`socat made no PTY pair within ${READY_LIMIT_MS} ms: ${stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Unplugs for good and removes the folder it made. */
  async close(): Promise<void> {
    await this.unplug();
    if (this.#ownsDir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
