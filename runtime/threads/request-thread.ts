/**
 * One worker thread that answers requests, the pattern runtime/outbox/worker-upload-source.ts
 * runs the outbox work with, as a helper: the thread starts on the first request and, idle, is
 * never what keeps the process alive (it is referenced only while a request waits, which is
 * bounded by the request's time limit); every request carries an id and gets exactly one reply
 * with it. A thread that fails or exits fails what it was doing with a clear error, and the next
 * request starts a new one. A request given a time limit and not answered within it fails, and
 * the thread (stuck, or too slow to trust) is terminated, so that caller waits no longer.
 */
import { Worker, type Transferable } from 'node:worker_threads';

export interface RequestThreadOptions {
  /** The worker's module; it replies `{ id, ... }` to each `{ id, ... }` it is posted. */
  url: URL;
  /** For error messages ("png encoder thread exited with code 1"). */
  name: string;
  workerData?: unknown;
}

/** A request as the caller writes it: the id is ours to assign (distributes over a union of requests). */
export type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Running {
  worker: Worker;
  waiting: Map<number, Waiting>;
  /** Settles when the thread has ended, however it ended. */
  exited: Promise<void>;
}

interface Waiting {
  resolve(reply: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

export class RequestThread<Request extends { id: number }, Reply extends { id: number }> {
  readonly #options: RequestThreadOptions;
  #running: Running | undefined;
  #nextId = 1;

  constructor(options: RequestThreadOptions) {
    this.#options = options;
  }

  /**
   * Posts `body` (with an id of ours), handing over `transfer` (the caller must not touch those
   * buffers again), and resolves with the reply; rejects when the thread ends first or
   * `timeoutMs`, when given, passes (the thread is then terminated).
   */
  request(body: WithoutId<Request>, transfer: readonly Transferable[] = [], timeoutMs?: number): Promise<Reply> {
    const running = this.#running ?? this.spawn();
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.forget(running, id);
              // The next request starts a new thread at once, not on this one while it dies.
              if (this.#running === running) this.#running = undefined;
              reject(new Error(`${this.#options.name} thread did not answer within ${timeoutMs} ms (terminated)`));
              void running.worker.terminate();
            }, timeoutMs);
      timer?.unref();
      running.waiting.set(id, { resolve: resolve as (reply: unknown) => void, reject, timer });
      if (running.waiting.size === 1) running.worker.ref(); // a caller waits: the process stays for the answer
      try {
        running.worker.postMessage({ ...body, id }, [...transfer]);
      } catch (error) {
        clearTimeout(timer);
        this.forget(running, id);
        reject(error as Error);
      }
    });
  }

  /**
   * Ends the thread (if one runs) and fails whatever still waits; resolves once it is gone. With
   * `message`, the thread is asked to end itself (to finish its step and close what it holds)
   * and terminated only if it has not within `graceMs`.
   */
  async close(ask?: { message: unknown; graceMs: number }): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    if (!ask) {
      await running.worker.terminate();
      await running.exited;
      return;
    }
    running.worker.postMessage(ask.message);
    const grace = setTimeout(() => void running.worker.terminate(), ask.graceMs);
    await running.exited;
    clearTimeout(grace);
  }

  /** The running thread, so a test can kill it or watch it end. */
  threadForTests(): Worker | undefined {
    return this.#running?.worker;
  }

  /** `id` waits no more; an idle thread stops holding the process. */
  private forget(running: Running, id: number): void {
    if (running.waiting.delete(id) && running.waiting.size === 0) running.worker.unref();
  }

  private spawn(): Running {
    const { url, name, workerData } = this.#options;
    const worker = new Worker(url, { workerData, name });
    const running: Running = { worker, waiting: new Map(), exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())) };
    worker.on('message', (reply: Reply) => {
      const waiting = running.waiting.get(reply.id);
      if (!waiting) return; // timed out meanwhile
      this.forget(running, reply.id);
      clearTimeout(waiting.timer);
      waiting.resolve(reply);
    });
    const fail = (why: string) => {
      if (this.#running === running) this.#running = undefined;
      for (const waiting of running.waiting.values()) {
        clearTimeout(waiting.timer);
        waiting.reject(new Error(`${name} thread ${why}`));
      }
      running.waiting.clear();
    };
    worker.on('error', (error) => fail(`failed: ${error.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    // Idle, never what keeps boothd alive. After the listeners: adding a 'message' listener refs
    // the worker's port again, an unref before it is undone (tried: the process then never exits).
    worker.unref();
    this.#running = running;
    return running;
  }
}
