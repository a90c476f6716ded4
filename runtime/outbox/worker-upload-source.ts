/**
 * The uploader's view of the outbox with the heavy work on a worker thread (upload-worker.ts):
 * the list of pending packages is read here (a small query), chunks and erases come back as
 * promises. A worker that dies fails what it was doing with a clear error and is started again
 * on the next request: the uploader then backs off that package as it does for any read error.
 *
 * Chunk memory is recycled: each read borrows a slot (a SharedArrayBuffer) from a small pool, the
 * reader thread writes the chunks into it, and the uploader gives it back (`release`) once no
 * chunk of it is in flight or can be sent again. At ~2 MiB per package and hundreds of packages a
 * second, fresh buffers per package made the main thread's garbage collector the upload's main
 * cost and its event-loop lag (bench/RESULTS.md).
 */
import type { Worker } from 'node:worker_threads';
import { chunkLayout } from '../../protocols/capture/transfer-codec.ts';
import type { UploadSource } from '../../protocols/capture/uploader.ts';
import type { Outbox } from './outbox.ts';
import { RequestThread, type WithoutId } from '../threads/request-thread.ts';
import type { UploadWorkerData, UploadWorkerReply, UploadWorkerRequest } from './upload-worker.ts';

const WORKER_URL = new URL('./upload-worker.ts', import.meta.url);
/** A worker that does not finish closing its connection in this time is terminated. */
const CLOSE_GRACE_MS = 5_000;
/** Slots are sized in these steps, so packages of nearly the same size share them. */
const SLOT_STEP_BYTES = 256 * 1024;
/** A package bigger than this gets a buffer of its own (transferred, then garbage). */
const MAX_SLOT_BYTES = 32 * 1024 * 1024;
/** Free slots kept for reuse, in bytes: enough for the packages the uploader holds at once. */
const MAX_POOLED_BYTES = 48 * 1024 * 1024;

/** One reader and one writer: a second reader measured no faster (bench/RESULTS.md). */
type Role = 'reader' | 'writer';
type Request = Exclude<UploadWorkerRequest, { op: 'close' }>;

export class WorkerUploadSource implements UploadSource {
  readonly #outbox: Outbox;
  /**
   * The reader thread reads and chunks; the writer thread does every write (attempt counts, erases).
   * An erase ends in a checkpoint that writes the zeroed pages to the database file and waits
   * for fsync; the next package's chunks must not queue behind it, nor wait for its lock.
   */
  readonly #threads: Record<Role, RequestThread<Request, UploadWorkerReply>>;
  /** Sealed sizes of the packages last listed as pending, to size their slots. */
  #sizes = new Map<string, number>();
  /**
   * Slots free for the next read, and the ones lent out with chunks (only those can be released).
   * Weak: a slot whose chunks are never released (a publish failed) is simply garbage once unused.
   */
  readonly #free: SharedArrayBuffer[] = [];
  readonly #lent = new WeakSet<SharedArrayBuffer>();
  /** An attempt count that failed, reported by the next `chunks`. */
  #attemptFailure: unknown;

  /** `outbox` is the owner's connection, opened (and checked) before the first request. */
  constructor(outbox: Outbox) {
    this.#outbox = outbox;
    const thread = (role: Role) =>
      new RequestThread<Request, UploadWorkerReply>({ url: WORKER_URL, name: `upload ${role}`, workerData: { outboxDir: outbox.dir } satisfies UploadWorkerData });
    this.#threads = { reader: thread('reader'), writer: thread('writer') };
  }

  pending(limit: number): Array<{ packageId: string; attempts: number }> {
    const items = this.#outbox.pending(limit);
    this.#sizes = new Map(items.map((item) => [item.packageId, item.bytes]));
    return items;
  }

  async chunks(packageId: string, maxChunkBytes: number): Promise<Uint8Array[]> {
    const failure = this.#attemptFailure;
    this.#attemptFailure = undefined;
    if (failure !== undefined) throw failure;
    // The count is not waited for: the writer may be busy erasing, and the chunks must not wait
    // behind it (the count is not fsynced either: a lost one is harmless). The outbox's own
    // failure (a disk error) is reported by the next call; a writer thread that died is simply
    // started again by the next request.
    this.request({ op: 'attempt', packageId }).catch((error: unknown) => {
      if ((error as Error).name === 'OutboxError') this.#attemptFailure ??= error;
    });
    const slot = this.borrow(packageId, maxChunkBytes);
    let reply: UploadWorkerReply;
    try {
      reply = await this.request({ op: 'chunks', packageId, maxChunkBytes, ...(slot ? { slot } : {}) });
    } catch (error) {
      if (slot) this.giveBack(slot); // the reader is done with it
      throw error;
    }
    if (!('lengths' in reply)) {
      if (slot) this.giveBack(slot);
      throw new Error(`upload worker: unexpected reply to chunks of ${packageId}`);
    }
    // The chunks are in the slot now, lent out until `release`; or the package did not fit it.
    const buffer = reply.buffer ?? slot;
    if (!buffer) throw new Error(`upload worker: chunks of ${packageId} came back without a buffer`);
    if (slot) buffer === slot ? this.#lent.add(slot) : this.giveBack(slot);
    let offset = 0;
    return reply.lengths.map((length) => {
      const chunk = new Uint8Array(buffer, offset, length);
      offset += length;
      return chunk;
    });
  }

  /**
   * The uploader is done with these chunks (none in flight, none to be sent again): their slot
   * takes the next package. Anything else, or a second release, is ignored.
   */
  release(chunks: readonly Uint8Array[]): void {
    const buffer = chunks[0]?.buffer;
    if (!(buffer instanceof SharedArrayBuffer) || !this.#lent.delete(buffer)) return;
    this.giveBack(buffer);
  }

  /** The free slots, for tests. */
  freeSlotsForTests(): readonly SharedArrayBuffer[] {
    return this.#free;
  }

  /** The smallest free slot the package fits in, a new one, or none for a package too big to pool. */
  private borrow(packageId: string, maxChunkBytes: number): SharedArrayBuffer | undefined {
    const sealedBytes = this.#sizes.get(packageId);
    if (sealedBytes === undefined) return undefined;
    let needed: number;
    try {
      needed = chunkLayout(packageId, sealedBytes, maxChunkBytes).storageBytes;
    } catch {
      return undefined; // the reader says what is wrong
    }
    if (needed > MAX_SLOT_BYTES) return undefined;
    let best = -1;
    for (const [index, slot] of this.#free.entries()) {
      if (slot.byteLength >= needed && (best < 0 || slot.byteLength < this.#free[best]!.byteLength)) best = index;
    }
    if (best >= 0) return this.#free.splice(best, 1)[0];
    return new SharedArrayBuffer(Math.ceil(needed / SLOT_STEP_BYTES) * SLOT_STEP_BYTES);
  }

  private giveBack(slot: SharedArrayBuffer): void {
    const pooled = this.#free.reduce((sum, free) => sum + free.byteLength, 0);
    if (pooled + slot.byteLength <= MAX_POOLED_BYTES) this.#free.push(slot); // else left to the garbage collector
  }

  async erase(packageId: string): Promise<boolean> {
    const reply = await this.request({ op: 'erase', packageId });
    if (!('erased' in reply)) throw new Error(`upload worker: unexpected reply to erase of ${packageId}`);
    return reply.erased;
  }

  /**
   * Starts both threads now (loading their modules and attaching to the outbox takes ~100 ms of
   * CPU each) rather than on the first upload; resolves once both are up. Call after the owner
   * has opened the outbox. A failure is reported by the requests that follow.
   */
  async warmUp(): Promise<void> {
    await Promise.allSettled([this.request({ op: 'ready' }, 'reader'), this.request({ op: 'ready' }, 'writer')]);
  }

  /** Lets the workers finish their current step and close their connections; fails whatever still waits. */
  async close(): Promise<void> {
    const ask = { message: { op: 'close' } satisfies UploadWorkerRequest, graceMs: CLOSE_GRACE_MS };
    await Promise.all([this.#threads.reader.close(ask), this.#threads.writer.close(ask)]);
  }

  private request(body: WithoutId<Request>, role: Role = body.op === 'chunks' ? 'reader' : 'writer'): Promise<UploadWorkerReply> {
    return this.#threads[role].request(body).then((reply) => {
      if (!reply.ok) throw Object.assign(new Error(reply.message), { name: 'OutboxError', code: reply.code });
      return reply;
    });
  }

  /** The running threads, so a test can kill one. */
  threadsForTests(): Worker[] {
    return [this.#threads.reader.threadForTests(), this.#threads.writer.threadForTests()].filter((worker) => worker !== undefined);
  }
}
