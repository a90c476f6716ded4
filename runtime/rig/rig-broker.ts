/**
 * The scenario's MQTT broker: Debian's mosquitto (MQTT 5) on an ephemeral 127.0.0.1 port, in the
 * scenario's work dir. It can go down and come back on the same port (a broker outage) and be
 * frozen with SIGSTOP (a network stall: TCP still connects, nothing moves). Started and stopped
 * by PID; the ChildRegistry kills it should the rig itself die.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { ChildRegistry } from './child-registry.ts';
import { hasExited, stopChild } from './child-stop.ts';

const READY_LIMIT_MS = 5000;
const START_ATTEMPTS = 10;

export class RigBroker {
  readonly port: number;
  readonly logFile: string;
  readonly #confFile: string;
  readonly #registry: ChildRegistry;
  #child: ChildProcess | undefined;

  private constructor(dir: string, port: number, registry: ChildRegistry) {
    this.port = port;
    this.logFile = join(dir, 'mosquitto.log');
    this.#confFile = join(dir, 'mosquitto.conf');
    this.#registry = registry;
    writeFileSync(
      this.#confFile,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence false',
        // stderr goes to a file the rig opens: mosquitto drops root privileges before logging.
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'log_type notice',
        'log_type information',
        'connection_messages true',
        'log_timestamp_format %H:%M:%S',
        // Captures travel in chunks of up to 128 KiB; a template may raise maxChunkBytes.
        'max_packet_size 67108864',
        '',
      ].join('\n'),
    );
  }

  /** A broker on a free port in `dir`, listening when this resolves. */
  static async start(dir: string, registry: ChildRegistry): Promise<RigBroker> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const broker = new RigBroker(dir, await freePort(), registry);
      try {
        await broker.up();
        return broker;
      } catch (error) {
        lastError = error; // another process took the port between our probe and mosquitto's bind
      }
    }
    throw lastError;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child && !hasExited(this.#child) ? this.#child.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Starts mosquitto on this broker's port (again), retrying while the old socket lingers. */
  async up(): Promise<void> {
    if (this.running) return;
    let lastError: unknown;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        await this.spawnOnce();
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`${(lastError as Error).message}; mosquitto log: ${this.logFile}`);
  }

  /** Kills the broker, keeping its port and files for `up()`: an outage, not a shutdown. */
  async down(): Promise<void> {
    if (this.#child) await stopChild(this.#child, 2000);
  }

  /** SIGSTOP: connections stay open, nothing is answered. */
  freeze(): void {
    if (this.pid !== undefined) process.kill(this.pid, 'SIGSTOP');
  }

  thaw(): void {
    if (this.pid !== undefined) process.kill(this.pid, 'SIGCONT');
  }

  async stop(): Promise<void> {
    await this.down();
  }

  private async spawnOnce(): Promise<void> {
    const logFd = openSync(this.logFile, 'a');
    const from = statSync(this.logFile).size;
    let child: ChildProcess;
    try {
      child = spawn('mosquitto', ['-c', this.#confFile], { stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    this.#registry.track(child, 'mosquitto');
    this.#child = child;
    const deadline = Date.now() + READY_LIMIT_MS;
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`cannot start mosquitto (the Debian package; make debs installs it): ${spawnError.message}`);
      if (hasExited(child)) throw new Error(`mosquitto exited (code ${child.exitCode}) before listening on ${this.port}`);
      // "running" is logged once the listener is open; a bare TCP probe could reach another process.
      if (/ running$/m.test(this.logSince(from)) && (await canConnect(this.port))) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await stopChild(child, 1000);
    throw new Error(`mosquitto did not listen on ${this.port} within ${READY_LIMIT_MS} ms`);
  }

  private logSince(from: number): string {
    try {
      return readFileSync(this.logFile).subarray(from).toString('utf8');
    } catch {
      return '';
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
