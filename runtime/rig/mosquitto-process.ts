/**
 * One Debian mosquitto process on 127.0.0.1:<port>, with its config and log files in a folder of
 * its owner's: spawned, waited for until it really listens, stopped by PID, and started again on
 * the same port (a broker outage). The rig's broker, the tests' brokers and the fleet bench's
 * broker are each one of these with their own config lines.
 *
 * "Listening" is mosquitto's own "running" log line and a TCP connect: the probe alone could be
 * answered by another process holding the port (this one then logs "Address already in use" and
 * exits). The log goes to stderr into a file opened here, since mosquitto drops root privileges
 * before it would open a log file of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { hasExited, stopChild } from './child-stop.ts';

const READY_LIMIT_MS = 5000;
const POLL_MS = 25;
const RESTART_PAUSE_MS = 100;

/** Loopback only (the listener line), so anonymous and in memory: a broker for one run. */
const ACCESS = ['allow_anonymous true', 'persistence false'];
/**
 * Logging every process has: to the log file (its stderr), with timestamps, and at least the
 * levels whose lines a technician needs; information carries the start-up's "running" line.
 */
const LOGGING = ['log_dest stderr', 'log_timestamp_format %H:%M:%S', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information'];

export interface MosquittoProcessOptions {
  /** Where mosquitto.conf and mosquitto.log go. */
  dir: string;
  port: number;
  /** Config lines after the listener, access and logging lines (more logging, limits). */
  config: readonly string[];
  /** Told of each process spawned, so its owner can kill it should the owner itself die. */
  onSpawn?: (child: ChildProcess) => void;
}

export class MosquittoProcess {
  readonly port: number;
  readonly logFile: string;
  readonly confFile: string;
  readonly #onSpawn: ((child: ChildProcess) => void) | undefined;
  #child: ChildProcess | undefined;

  constructor(options: MosquittoProcessOptions) {
    this.port = options.port;
    this.confFile = join(options.dir, 'mosquitto.conf');
    this.logFile = join(options.dir, 'mosquitto.log');
    this.#onSpawn = options.onSpawn;
    writeFileSync(this.confFile, [`listener ${options.port} 127.0.0.1`, ...ACCESS, ...LOGGING, ...options.config, ''].join('\n'));
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** The running process's PID; undefined when none runs. */
  get pid(): number | undefined {
    return this.#child && !hasExited(this.#child) ? this.#child.pid : undefined;
  }

  /** Spawns mosquitto and waits until it listens; throws (the process stopped) if it does not. */
  async start(): Promise<void> {
    const from = this.#logSize();
    const logFd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn('mosquitto', ['-c', this.confFile], { stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd); // the child has its own copy
    }
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error)); // ENOENT: mosquitto not installed
    this.#child = child;
    this.#onSpawn?.(child);
    const deadline = Date.now() + READY_LIMIT_MS;
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`cannot spawn mosquitto (the Debian package; make debs installs it): ${spawnError.message}`);
      if (hasExited(child)) throw new Error(`mosquitto exited (code ${child.exitCode}, signal ${child.signalCode}) before listening on ${this.port}`);
      if (/ running$/m.test(this.log(from)) && !hasExited(child) && (await canConnect(this.port))) return;
      await pause(POLL_MS);
    }
    await stopChild(child, 1000);
    throw new Error(`mosquitto did not listen on ${this.port} within ${READY_LIMIT_MS} ms`);
  }

  /** Starts it again on the same port, retrying while the old socket lingers; the last failure if none took. */
  async restart(attempts = 10): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.start();
        return;
      } catch (error) {
        lastError = error;
        await this.stop();
        await pause(RESTART_PAUSE_MS);
      }
    }
    throw lastError;
  }

  /** SIGTERM (a SIGSTOPped broker is continued first), SIGKILL after `graceMs`. The files stay. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#child) await stopChild(this.#child, graceMs);
  }

  /** SIGSTOP: connections stay open (the kernel still completes TCP handshakes), nothing is answered. */
  freeze(): void {
    if (this.pid !== undefined) process.kill(this.pid, 'SIGSTOP');
  }

  thaw(): void {
    if (this.pid !== undefined) process.kill(this.pid, 'SIGCONT');
  }

  /** The log from byte `from` on (every start appends to the same file); '' when there is none. */
  log(from = 0): string {
    try {
      return readFileSync(this.logFile).subarray(from).toString('utf8');
    } catch {
      return '';
    }
  }

  #logSize(): number {
    try {
      return statSync(this.logFile).size;
    } catch {
      return 0;
    }
  }
}

/** A port the kernel says is free right now (bind 127.0.0.1:0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the kernel gave no port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(250);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
