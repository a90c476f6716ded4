/**
 * A stand-in for systemd's notification socket: socat receives datagrams on an AF_UNIX socket
 * (a path, or an abstract name) and writes each to stdout, where they are split into fields in
 * arrival order. socat is an independent peer: boothd's koffi sendto is checked against a
 * socket it did not create. Every wait is bounded; stop() kills socat by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export class NotifyListener {
  /** Fields in arrival order, e.g. ['READY=1', 'STATUS=running …', 'WATCHDOG=1']. */
  readonly fields: string[] = [];
  /** What to put in NOTIFY_SOCKET. */
  readonly address: string;
  readonly #child: ChildProcess;
  readonly #watchers = new Set<() => void>();
  readonly #exited: Promise<void>;
  #stderr = '';

  private constructor(address: string, socatAddress: string) {
    this.address = address;
    // -d -d: socat says "starting data transfer loop" once the socket is bound.
    this.#child = spawn('socat', ['-d', '-d', '-u', socatAddress, '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
      this.notify();
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      if (line === '') return;
      this.fields.push(line);
      this.notify();
    });
    this.#exited = new Promise((resolve) => this.#child.on('exit', () => (this.notify(), resolve())));
  }

  /** Listens on the socket file `path`. */
  static async onPath(path: string): Promise<NotifyListener> {
    const listener = new NotifyListener(path, `UNIX-RECV:${path}`);
    await listener.waitUntil(() => /starting data transfer loop/.test(listener.#stderr), 'socat to bind');
    return listener;
  }

  /** Listens on the abstract socket "\0name" (NOTIFY_SOCKET=@name). */
  static async onAbstract(name: string): Promise<NotifyListener> {
    const listener = new NotifyListener(`@${name}`, `ABSTRACT-RECV:${name}`);
    await listener.waitUntil(() => /starting data transfer loop/.test(listener.#stderr), 'socat to bind');
    return listener;
  }

  /** Index of the first field at or after `from` that `predicate` accepts, or -1. */
  indexOf(predicate: (field: string) => boolean, from = 0): number {
    for (let i = from; i < this.fields.length; i += 1) if (predicate(this.fields[i]!)) return i;
    return -1;
  }

  /** Waits until `condition` holds, re-checked on every field received; fails after `limitMs`. */
  waitUntil(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#watchers.delete(check);
        settle();
      };
      const check = () => {
        if (condition()) finish(resolve);
        else if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
          finish(() => reject(new Error(`socat exited before ${what}: ${this.#stderr}`)));
        }
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`timed out after ${limitMs} ms waiting for ${what}; fields so far: ${this.fields.join(' | ')}`))),
        limitMs,
      );
      this.#watchers.add(check);
      check();
    });
  }

  /** Waits for a field matching `predicate` at or after index `from`; resolves with its index. */
  async waitForField(predicate: (field: string) => boolean, what: string, from = 0, limitMs = 15_000): Promise<number> {
    await this.waitUntil(() => this.indexOf(predicate, from) !== -1, what, limitMs);
    return this.indexOf(predicate, from);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    await this.#exited;
  }

  private notify(): void {
    for (const watcher of this.#watchers) watcher();
  }
}
