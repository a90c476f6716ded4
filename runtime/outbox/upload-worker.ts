/**
 * An upload worker thread: everything heavy the uploader needs from the outbox runs on two of
 * these, each with a connection of its own, so boothd's event loop (door, session, telemetry)
 * only publishes ready chunks. The reader reads a package, decrypts it (at rest) and chunks it
 * (hashing only a package stored without its chunk hashes) — it never writes; the writer counts attempts and crypto-erases, so the two never
 * wait for each other's locks. The chunk hashes come stored with the package (made once at
 * accept). Chunks are written into a shared buffer the request lends (a slot the main thread
 * reuses once the package is done with: no allocation, nothing for the main thread's garbage
 * collector); a package too big for the slot crosses back as one transferred ArrayBuffer.
 *
 * Protocol (runtime/outbox/worker-upload-source.ts is the other end): requests carry an id,
 * each gets exactly one reply with the same id; `close` ends the thread after the connection closes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../hal/clock.ts';
import { chunkLayout, writeChunks } from '../../protocols/capture/transfer-codec.ts';
import { Outbox } from './outbox.ts';
import { lowerThreadPriority } from '../threads/thread-priority.ts';

export type UploadWorkerRequest =
  | { op: 'chunks'; id: number; packageId: string; maxChunkBytes: number; slot?: SharedArrayBuffer }
  | { op: 'attempt'; id: number; packageId: string }
  | { op: 'erase'; id: number; packageId: string }
  /** Answered once the thread is up and attached: lets the owner start the threads before the upload. */
  | { op: 'ready'; id: number }
  | { op: 'close' };

export type UploadWorkerReply =
  /** The chunks' lengths, back to back from offset 0 of the request's slot, or of `buffer` when they did not fit it. */
  | { id: number; ok: true; lengths: number[]; buffer?: ArrayBuffer }
  | { id: number; ok: true; erased: boolean }
  | { id: number; ok: true; counted: true }
  | { id: number; ok: true; ready: true }
  | { id: number; ok: false; code: string; message: string };

export interface UploadWorkerData {
  outboxDir: string;
}

const port = parentPort;
if (!port) throw new Error('upload-worker.ts runs as a worker thread only');
lowerThreadPriority(10);
const { outboxDir } = workerData as UploadWorkerData;
const outbox = Outbox.secondConnection(outboxDir, systemClock);
let attachError: unknown;
try {
  outbox.attach();
} catch (error) {
  attachError = error; // reported with every request, so the uploader logs it and backs off
}

port.on('message', (request: UploadWorkerRequest) => {
  if (request.op === 'close') {
    outbox.close();
    port.close();
    return;
  }
  try {
    if (attachError) throw attachError;
    if (request.op === 'ready') {
      port.postMessage({ id: request.id, ok: true, ready: true } satisfies UploadWorkerReply);
    } else if (request.op === 'chunks') {
      const { packageId, maxChunkBytes, slot } = request;
      const { sealed, digests } = outbox.readForUpload(packageId);
      const { storageBytes } = chunkLayout(packageId, sealed.length, maxChunkBytes);
      const inSlot = slot !== undefined && slot.byteLength >= storageBytes;
      // A slot comes back as another object over the same memory: the reply names it by leaving `buffer` out.
      const buffer = inSlot ? undefined : new ArrayBuffer(storageBytes);
      const lengths = writeChunks(packageId, sealed, maxChunkBytes, new Uint8Array(buffer ?? slot!, 0, storageBytes), digests);
      const reply: UploadWorkerReply = { id: request.id, ok: true, lengths, ...(buffer ? { buffer } : {}) };
      port.postMessage(reply, buffer ? [buffer] : []);
    } else if (request.op === 'attempt') {
      outbox.markAttempt(request.packageId);
      port.postMessage({ id: request.id, ok: true, counted: true } satisfies UploadWorkerReply);
    } else {
      port.postMessage({ id: request.id, ok: true, erased: outbox.erase(request.packageId) } satisfies UploadWorkerReply);
    }
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    port.postMessage({ id: request.id, ok: false, code: typeof code === 'string' ? code : 'EIO', message: String(message ?? error) } satisfies UploadWorkerReply);
  }
});
