/**
 * The PNG encoder thread: runs protocols' encodePng (the very encoder the session record uses
 * on its own) on the pixels it is handed, so boothd's event loop never spends a palm's ~136 ms
 * deflating. Both ways the buffers are transferred, not copied.
 *
 * Protocol (runtime/imaging/png-thread-encoder.ts is the other end): each request carries an id
 * and gets exactly one reply with the same id.
 */
import { parentPort } from 'node:worker_threads';
import { encodePng, type RasterImage } from '../../protocols/imaging/png.ts';

export interface PngWorkerRequest {
  id: number;
  image: RasterImage;
}

export type PngWorkerReply = { id: number; ok: true; png: Uint8Array } | { id: number; ok: false; message: string };

const port = parentPort;
if (!port) throw new Error('png-worker.ts runs as a worker thread only');

port.on('message', (request: PngWorkerRequest) => {
  let reply: PngWorkerReply;
  try {
    reply = { id: request.id, ok: true, png: encodePng(request.image) };
  } catch (error) {
    port.postMessage({ id: request.id, ok: false, message: (error as Error).message ?? String(error) } satisfies PngWorkerReply);
    return;
  }
  port.postMessage(reply, [reply.png.buffer as ArrayBuffer]);
});
