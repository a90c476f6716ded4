/**
 * PNG encoding of capture images on a worker thread (png-worker.ts), so a palm's ~136 ms of
 * deflate never runs on boothd's event loop, where the exit button, the fire alarm, Sparkplug
 * commands and the kiosk screen are served. The output is protocols' encodePng's, byte for byte.
 *
 * One job at a time goes to the thread, the rest wait here in order: a job not yet posted can
 * be dropped when its result is no longer wanted (a discarded session), and a thread that dies
 * fails only the job it was doing — the next one starts a new thread. A job the thread does not
 * answer in `timeoutMs` fails and the thread is replaced. The thread starts on the first job and
 * never keeps the process alive; `close` ends it (Booth.shutdown).
 *
 * The pixels are taken over when a job is accepted: their ArrayBuffer is transferred (the
 * caller's view is left detached, empty), or copied when they are a view into a bigger, shared
 * or non-detachable buffer, whose owner may still use the rest.
 */
import { checkRaster, type PngEncoder, type RasterImage } from '../../protocols/imaging/png.ts';
import { RequestThread } from '../threads/request-thread.ts';
import type { PngWorkerReply, PngWorkerRequest } from './png-worker.ts';

const WORKER_URL = new URL('./png-worker.ts', import.meta.url);
/** A palm takes ~136 ms here; a thread this late is stuck (or the machine is), and is replaced. */
const DEFAULT_TIMEOUT_MS = 10_000;

interface Job {
  image: RasterImage;
  resolve(png: Uint8Array): void;
  reject(error: unknown): void;
  /** Stops listening to the caller's signal. */
  done(): void;
}

export interface PngThreadEncoderOptions {
  /** How long one image may take on the thread. */
  timeoutMs?: number;
}

export class PngThreadEncoder implements PngEncoder {
  readonly #thread = new RequestThread<PngWorkerRequest, PngWorkerReply>({ url: WORKER_URL, name: 'png encoder' });
  readonly #timeoutMs: number;
  readonly #queue: Job[] = [];
  #busy = false;

  constructor(options: PngThreadEncoderOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  encode(image: RasterImage, signal?: AbortSignal): Promise<Uint8Array> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let owned: RasterImage;
    try {
      checkRaster(image);
      owned = { width: image.width, height: image.height, channels: image.channels, pixels: takeOver(image.pixels) };
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = () => {
        const queued = this.#queue.indexOf(job);
        if (queued >= 0) this.#queue.splice(queued, 1); // never posted: its pixels are simply garbage now
        reject(signal!.reason); // a job already on the thread finishes there; its result is dropped
      };
      const job: Job = { image: owned, resolve, reject, done: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(job);
      this.pump();
    });
  }

  /** Jobs waiting or on the thread, for tests. */
  get pendingForTests(): number {
    return this.#queue.length + (this.#busy ? 1 : 0);
  }

  /** The thread, when one runs, for tests. */
  threadForTests(): ReturnType<RequestThread<PngWorkerRequest, PngWorkerReply>['threadForTests']> {
    return this.#thread.threadForTests();
  }

  /** Fails the jobs still waiting and ends the thread (a job on it fails too). */
  async close(): Promise<void> {
    for (const job of this.#queue.splice(0)) {
      job.done();
      job.reject(new Error('png encoder closed'));
    }
    await this.#thread.close();
  }

  private pump(): void {
    if (this.#busy) return;
    const job = this.#queue.shift();
    if (!job) return;
    this.#busy = true;
    let reply: Promise<PngWorkerReply>;
    try {
      reply = this.#thread.request({ image: job.image }, [job.image.pixels.buffer as ArrayBuffer], this.#timeoutMs);
    } catch (error) {
      reply = Promise.reject(error as Error); // the thread could not even be started
    }
    reply
      .then(
        (reply) => (reply.ok ? job.resolve(reply.png) : job.reject(new Error(reply.message))),
        (error: unknown) => job.reject(error),
      )
      .finally(() => {
        job.done();
        this.#busy = false;
        this.pump();
      });
  }
}

/** The pixels in an ArrayBuffer of their own, ready to transfer: moved when they own theirs whole, else copied. */
function takeOver(pixels: Uint8Array): Uint8Array {
  const { buffer } = pixels;
  if (buffer instanceof ArrayBuffer && pixels.byteOffset === 0 && pixels.byteLength === buffer.byteLength) {
    try {
      return new Uint8Array(buffer.transfer());
    } catch {
      // not detachable (memory Node or an addon owns): copied below
    }
  }
  return pixels.slice();
}
