/**
 * The uploader's view of the outbox with the heavy work on a worker thread (upload-worker.ts):
 * the list of pending packages is read here (a small query), chunks and erases come back as
 * promises. A worker that dies fails what it was doing with a clear error and is started again
 * on the next request: the uploader then backs off that package as it does for any read error.
 */
import { Worker } from 'node:worker_threads';
import type { UploadSource } from '../../protocols/capture/uploader.ts';
import type { Outbox } from './outbox.ts';
import type { UploadWorkerData, UploadWorkerReply, UploadWorkerRequest } from './upload-worker.ts';

const WORKER_URL = new URL('./upload-worker.ts', import.meta.url);
/** A worker that does not finish closing its connection in this time is terminated. */
const CLOSE_GRACE_MS = 5_000;

/** One reader and one writer: a second reader measured no faster (bench/RESULTS.md). */
type Role = 'reader' | 'writer';
interface Thread {
  worker: Worker;
  waiting: Map<number, Waiting>;
  /** Settles when the thread has ended, however it ended. */
  exited: Promise<void>;
}

interface Waiting {
  resolve(reply: UploadWorkerReply): void;
  reject(error: Error): void;
}

/** Distributes what an upload request needs: the Omit keeps `id` ours to assign. */
type Request = Exclude<UploadWorkerRequest, { op: 'close' }>;
type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

export class WorkerUploadSource implements UploadSource {
  readonly #outbox: Outbox;
  /**
   * The reader thread reads and chunks; the writer thread does every write (attempt counts, erases).
   * An erase ends in a checkpoint that writes the zeroed pages to the database file and waits
   * for fsync; the next package's chunks must not queue behind it, nor wait for its lock.
   */
  readonly #threads = new Map<Role, Thread>();
  #nextId = 1;

  /** `outbox` is the owner's connection, opened (and checked) before the first request. */
  constructor(outbox: Outbox) {
    this.#outbox = outbox;
  }

  pending(limit: number): Array<{ packageId: string; attempts: number }> {
    return this.#outbox.pending(limit);
  }

  async chunks(packageId: string, maxChunkBytes: number): Promise<Uint8Array[]> {
    // Both settle before either failure is thrown: no rejection is left unhandled.
    const [read, counted] = await Promise.allSettled([this.request({ op: 'chunks', packageId, maxChunkBytes }), this.request({ op: 'attempt', packageId })]);
    if (read.status === 'rejected') throw read.reason;
    if (counted.status === 'rejected') throw counted.reason;
    const reply = read.value;
    if (!('buffer' in reply)) throw new Error(`upload worker: unexpected reply to chunks of ${packageId}`);
    let offset = 0;
    return reply.lengths.map((length) => {
      const chunk = new Uint8Array(reply.buffer, offset, length);
      offset += length;
      return chunk;
    });
  }

  async erase(packageId: string): Promise<boolean> {
    const reply = await this.request({ op: 'erase', packageId });
    if (!('erased' in reply)) throw new Error(`upload worker: unexpected reply to erase of ${packageId}`);
    return reply.erased;
  }

  /** Lets the workers finish their current step and close their connections; fails whatever still waits. */
  async close(): Promise<void> {
    const threads = [...this.#threads.values()];
    this.#threads.clear();
    await Promise.all(
      threads.map(async ({ worker, exited }) => {
        worker.postMessage({ op: 'close' } satisfies UploadWorkerRequest);
        const grace = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
        await exited;
        clearTimeout(grace);
      }),
    );
  }

  private request(body: RequestBody): Promise<UploadWorkerReply> {
    const role: Role = body.op === 'chunks' ? 'reader' : 'writer';
    const { worker, waiting } = this.#threads.get(role) ?? this.spawn(role);
    const id = this.#nextId++;
    return new Promise<UploadWorkerReply>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...body, id } as UploadWorkerRequest);
    }).then((reply) => {
      if (!reply.ok) throw Object.assign(new Error(reply.message), { name: 'OutboxError', code: reply.code });
      return reply;
    });
  }

  /** The running threads, so a test can kill one. */
  threadsForTests(): Worker[] {
    return [...this.#threads.values()].map((thread) => thread.worker);
  }

  private spawn(role: Role): Thread {
    const worker = new Worker(WORKER_URL, { workerData: { outboxDir: this.#outbox.dir } satisfies UploadWorkerData });
    worker.unref(); // never what keeps boothd alive
    const current: Thread = { worker, waiting: new Map<number, Waiting>(), exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())) };
    worker.on('message', (reply: UploadWorkerReply) => {
      current.waiting.get(reply.id)?.resolve(reply);
      current.waiting.delete(reply.id);
    });
    const fail = (why: string) => {
      if (this.#threads.get(role) === current) this.#threads.delete(role);
      for (const waiting of current.waiting.values()) waiting.reject(new Error(`upload ${role} thread ${why}`));
      current.waiting.clear();
    };
    worker.on('error', (error) => fail(`failed: ${error.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    this.#threads.set(role, current);
    return current;
  }
}
