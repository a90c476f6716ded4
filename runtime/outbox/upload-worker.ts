/**
 * An upload worker thread: everything heavy the uploader needs from the outbox runs on two of
 * these, each with a connection of its own, so boothd's event loop (door, session, telemetry)
 * only publishes ready chunks. The reader reads a package, decrypts it (at rest) and hashes and
 * chunks it — it never writes; the writer counts attempts and crypto-erases, so the two never
 * wait for each other's locks. Chunks cross back as one transferred ArrayBuffer per
 * package: no copy, and one object for the main thread's garbage collector.
 *
 * Protocol (runtime/outbox/worker-upload-source.ts is the other end): requests carry an id,
 * each gets exactly one reply with the same id; `close` ends the thread after the connection closes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../hal/clock.ts';
import { splitIntoChunks } from '../../protocols/capture/transfer-codec.ts';
import { Outbox } from './outbox.ts';

export type UploadWorkerRequest =
  | { op: 'chunks'; id: number; packageId: string; maxChunkBytes: number }
  | { op: 'attempt'; id: number; packageId: string }
  | { op: 'erase'; id: number; packageId: string }
  | { op: 'close' };

export type UploadWorkerReply =
  | { id: number; ok: true; buffer: ArrayBuffer; lengths: number[] }
  | { id: number; ok: true; erased: boolean }
  | { id: number; ok: true; counted: true }
  | { id: number; ok: false; code: string; message: string };

export interface UploadWorkerData {
  outboxDir: string;
}

const port = parentPort;
if (!port) throw new Error('upload-worker.ts runs as a worker thread only');
const { outboxDir } = workerData as UploadWorkerData;
// Limits are the owner's business (it accepts); this connection never accepts.
const outbox = new Outbox(outboxDir, systemClock, { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER });
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
    if (request.op === 'chunks') {
      const chunks = splitIntoChunks(request.packageId, outbox.read(request.packageId), request.maxChunkBytes);
      const buffer = chunks[0]!.buffer as ArrayBuffer; // splitIntoChunks puts every chunk in one ArrayBuffer
      const reply: UploadWorkerReply = { id: request.id, ok: true, buffer, lengths: chunks.map((chunk) => chunk.byteLength) };
      port.postMessage(reply, [buffer]);
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
