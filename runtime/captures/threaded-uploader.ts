/**
 * boothd's side of the capture upload thread (upload-thread.ts): the uploader as the booth sees
 * it — start, stop, "a package is ready", "retry now", whether its link is up — while the
 * uploading itself runs on that thread. A thread that fails or exits is logged and started again
 * with backoff; nothing is lost by it: packages stay in the outbox until central acknowledges
 * them, and the new thread sends every unacknowledged one again.
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { backoffDelay } from '../../hal/backoff.ts';
import type { UploaderEvents, UploaderLogger } from '../../protocols/capture/uploader.ts';
import type { UploadThreadCommand, UploadThreadEvent, UploadThreadSettings } from './upload-thread.ts';

const THREAD_URL = new URL('./upload-thread.ts', import.meta.url);
/** A thread that has not closed its connection and its outbox within this time is terminated. */
const STOP_GRACE_MS = 10_000;
/** How long `retryNow` waits for the thread's answer. */
const RETRY_ANSWER_MS = 5_000;
/** The upload thread yields the CPU to boothd's event loop (Linux niceness; its reader and writer threads run at 10). */
export const UPLOAD_THREAD_NICENESS = 5;

/** The uploader's logger, plus `error` for the thread's own failures. */
export interface ThreadLogger extends UploaderLogger {
  error(fields: object, message?: string): void;
}

export interface ThreadedUploaderOptions {
  settings: UploadThreadSettings;
  logger: ThreadLogger;
}

interface Running {
  worker: Worker;
  /** Settles once the thread said it is up (or it ended first). */
  ready: Promise<void>;
  markReady(): void;
  exited: Promise<void>;
  /** `retry` answers by id. */
  answers: Map<number, (value: number | undefined) => void>;
}

export class ThreadedUploader extends EventEmitter<UploaderEvents> {
  readonly #options: ThreadedUploaderOptions;
  #running: Running | undefined;
  #brokers: string[] = [];
  #stopped = true;
  #connected = false;
  #broker: string | undefined;
  /** Thread restarts in a row without a connection in between: the backoff's attempt. */
  #restarts = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #nextId = 1;

  constructor(options: ThreadedUploaderOptions) {
    super();
    this.#options = options;
  }

  /** Starts the thread, which connects to the brokers (round robin) and uploads until `stop`. */
  start(brokers: string | readonly string[]): void {
    this.#brokers = typeof brokers === 'string' ? [brokers] : [...brokers];
    this.#stopped = false;
    if (!this.#running) this.spawn();
    this.send({ op: 'start', brokers: this.#brokers });
  }

  /** Starts the thread ahead of `start` (loading it and its reader and writer costs ~0.3 s of CPU); resolves once it is up. */
  async warmUp(): Promise<void> {
    await (this.#running ?? this.spawn()).ready;
  }

  /** Whether the thread's broker connection is up (as it last said). */
  get connected(): boolean {
    return this.#connected;
  }

  /** The broker in use or being tried; undefined before the thread said. */
  get broker(): string | undefined {
    return this.#broker;
  }

  /** A new package is durable in the outbox. */
  kick(): void {
    this.send({ op: 'kick' });
  }

  /** A technician's "retry now": every package's backoff is forgotten; resolves with how many were waiting (0 when the thread is not running). */
  async retryNow(): Promise<number> {
    return (await this.ask('retry', RETRY_ANSWER_MS)) ?? 0;
  }

  /** Lets the thread close its connection and the outbox; terminates it if that takes longer than a grace period. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    const running = this.#running;
    if (!running) return;
    const grace = setTimeout(() => void running.worker.terminate(), STOP_GRACE_MS);
    this.send({ op: 'stop' });
    await running.exited;
    clearTimeout(grace);
  }

  /** The running thread, so a test can kill it. */
  threadForTests(): Worker | undefined {
    return this.#running?.worker;
  }

  private spawn(): Running {
    const { settings } = this.#options;
    const worker = new Worker(THREAD_URL, { workerData: settings, name: 'capture uploads' });
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    void exited.then(markReady);
    const running: Running = { worker, ready, markReady, answers: new Map(), exited };
    this.#running = running;
    worker.on('message', (event: UploadThreadEvent) => this.onEvent(running, event));
    worker.on('error', (error) => this.#options.logger.error({ err: error }, `capture upload thread failed: ${error.message}`));
    worker.on('exit', (code) => this.onExit(running, code));
    // boothd's own handles keep it alive; a test that forgets `stop` is not held up by this thread.
    worker.unref();
    return running;
  }

  private onEvent(running: Running, event: UploadThreadEvent): void {
    switch (event.kind) {
      case 'ready':
        running.markReady();
        return;
      case 'link':
        this.#connected = event.connected;
        this.#broker = event.broker;
        if (event.connected) this.#restarts = 0;
        this.emit('link', event.connected, event.broker);
        return;
      case 'accepted':
        this.emit('accepted', event.packageId);
        return;
      case 'rejected':
        this.emit('rejected', event.packageId, event.reason);
        return;
      case 'log':
        this.#options.logger[event.level](event.fields, event.message);
        return;
      case 'reply': {
        const answer = running.answers.get(event.id);
        running.answers.delete(event.id);
        answer?.(event.value);
        return;
      }
    }
  }

  private onExit(running: Running, code: number): void {
    if (this.#running !== running) return;
    this.#running = undefined;
    for (const answer of running.answers.values()) answer(undefined);
    running.answers.clear();
    if (this.#connected) {
      this.#connected = false;
      this.emit('link', false, this.#broker);
    }
    if (this.#stopped) return;
    const { retry } = this.#options.settings;
    const delay = backoffDelay(Math.min(this.#restarts++, 16), { ...retry, jitter: 0 }, () => 0);
    this.#options.logger.error({ exitCode: code, restartInMs: delay }, `capture upload thread exited with code ${code}; starting it again in ${delay} ms`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopped || this.#running) return;
      this.spawn();
      this.send({ op: 'start', brokers: this.#brokers });
    }, delay);
    this.#restartTimer.unref();
  }

  /** Posts a `retry` and waits (bounded) for its answer; undefined when the thread is not there or does not answer. */
  private ask(op: 'retry', timeoutMs: number): Promise<number | undefined> {
    const running = this.#running;
    if (!running) return Promise.resolve(undefined);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        running.answers.delete(id);
        resolve(undefined);
      }, timeoutMs);
      running.answers.set(id, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
      this.send({ op, id });
    });
  }

  private send(command: UploadThreadCommand): void {
    this.#running?.worker.postMessage(command);
  }
}
