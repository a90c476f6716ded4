/**
 * A forked child of the fleet (booth host, receiver, central) seen from the coordinator: typed
 * messages both ways, bounded waits for a message of a given type, and a kill by PID that
 * also works when the child no longer answers. A child that exits early fails every wait with
 * its exit code instead of leaving the coordinator waiting.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

export interface Typed {
  type: string;
}

export class ChildHost<In extends Typed, Out extends Typed> extends EventEmitter<{ message: [Out] }> {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly exited: Promise<void>;
  #exitReason: string | undefined;

  constructor(name: string, entry: URL, nodeOptions: string[] = []) {
    super();
    this.name = name;
    this.#child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: nodeOptions, serialization: 'json' });
    this.#child.on('message', (message) => this.emit('message', message as Out));
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        this.#exitReason = `${name} exited (code ${code}, signal ${signal})`;
        this.emit('message', { type: 'exited' } as Out);
        resolve();
      }),
    );
    this.#child.on('error', () => undefined); // a send to a dead child; surfaced through `exited`
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get running(): boolean {
    return this.#exitReason === undefined;
  }

  send(message: In): void {
    if (this.#child.connected) this.#child.send(message);
  }

  /** The next message of `type` (and `accept`), within `limitMs`; rejects when the child exits or fails first. */
  waitFor<T extends Out['type']>(type: T, limitMs: number, accept: (message: Extract<Out, { type: T }>) => boolean = () => true): Promise<Extract<Out, { type: T }>> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | undefined, message?: Extract<Out, { type: T }>) => {
        clearTimeout(timer);
        this.off('message', listener);
        if (error) reject(error);
        else resolve(message!);
      };
      const timer = setTimeout(() => done(new Error(`${this.name}: no "${type}" within ${limitMs} ms`)), limitMs);
      const listener = (message: Out) => {
        if (message.type === type && accept(message as Extract<Out, { type: T }>)) done(undefined, message as Extract<Out, { type: T }>);
        else if (message.type === 'failed') done(new Error(`${this.name} failed: ${(message as unknown as { message: string }).message}`));
        else if (message.type === 'exited') done(new Error(this.#exitReason ?? `${this.name} exited`));
      };
      if (!this.running) return done(new Error(this.#exitReason));
      this.on('message', listener);
    });
  }

  /** SIGKILL now (the safety net: synchronous, for exit handlers). */
  killNow(): void {
    if (this.running && this.#child.pid !== undefined) {
      try {
        process.kill(this.#child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Asks with `stop`, waits up to `graceMs` for the exit, then SIGKILL. */
  async stop(stopMessage: In, graceMs: number): Promise<void> {
    if (!this.running) return;
    this.send(stopMessage);
    const timer = setTimeout(() => this.killNow(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
