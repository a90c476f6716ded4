/**
 * The BioSDK shared library through koffi: one typed function per C function of
 * `booth_bio_sdk.h`, nothing more. Which calls may block is the header's contract, and this
 * table enforces it: every [blocking] function is exposed only as a Promise over koffi's
 * `.async` (the call runs on a libuv pool thread, never on the event loop); the [non-blocking]
 * ones (`bio_cancel`, `bio_get_status`, `bio_last_error`, the callback setters) are plain
 * synchronous calls, because cancel must not queue behind the pool it is meant to free.
 *
 * koffi is loaded lazily (like runtime/diagnostics/clock-sync.ts does) so a booth without it
 * reports a clear error for these devices instead of failing to start.
 */
import { createRequire } from 'node:module';
import { BioSdkLoadError } from './errors.ts';

type Koffi = typeof import('koffi');
type KoffiFunction = ReturnType<ReturnType<Koffi['load']>['func']>;
type TypeObject = ReturnType<Koffi['proto']>;

/** Memory the SDK writes into: a Buffer or typed array stays put while the async call runs. */
export type OutBuffer = Uint8Array | Int32Array;

export interface BioSdkFunctions {
  getVersion(): number;
  init(hostVersion: number): Promise<number>;
  shutdown(): Promise<number>;
  setEventCallback(callback: bigint | null): number;
  enumerate(out: Uint8Array, capacity: number, count: Int32Array): Promise<number>;
  open(serial: string, handle: Int32Array): Promise<number>;
  close(handle: number): Promise<number>;
  reset(handle: number): Promise<number>;
  cancel(handle: number): number;
  getStatus(handle: number): number;
  lastError(handle: number): string;
  setFrameCallback(handle: number, callback: bigint | null): number;
  /** [non-blocking] Width and height (into `size[0]`, `size[1]`) of the image a capture of this mode returns. */
  getImageSize(handle: number, mode: number, target: number, size: Int32Array): number;
  captureFingers(handle: number, mode: number, target: number, timeoutMs: number, image: Uint8Array, capacity: number, result: Uint8Array): Promise<number>;
  capturePalm(handle: number, palm: number, timeoutMs: number, image: Uint8Array, capacity: number, result: Uint8Array): Promise<number>;
  getQuality(handle: number, segment: number, quality: Int32Array): Promise<number>;
  camCapture(handle: number, timeoutMs: number, jpeg: Uint8Array, capacity: number, result: Uint8Array): Promise<number>;
  camSetExposure(handle: number, mode: number, ev: number): Promise<number>;
  camStartPreview(handle: number, intervalMs: number): Promise<number>;
  camStopPreview(handle: number): Promise<number>;
}

/** A frame as the SDK delivered it, already copied out of SDK memory. */
export interface RawFrame {
  format: number;
  data: Uint8Array;
  width: number;
  height: number;
  /** `segmentCount` packed `bio_segment`s (24 bytes each), copied. */
  segments: Uint8Array;
  segmentCount: number;
}

export type EventListener = (serial: string, event: number) => void;
export type FrameListener = (handle: number, frame: RawFrame) => void;

export interface BioSdkCallbacks {
  event: bigint;
  frame: bigint;
  unregister(): void;
}

export interface BioSdkBinding {
  functions: BioSdkFunctions;
  /**
   * Registers the two process-lifetime callbacks. koffi runs them on the main thread: when the
   * SDK calls them from its own threads (event thread, preview thread, the pool thread of a
   * capture) koffi queues the call to the event loop and that SDK thread waits for it, so the
   * SDK's data is still valid while the listener copies it.
   */
  registerCallbacks(onEvent: EventListener, onFrame: FrameListener): BioSdkCallbacks;
}

const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Arguments of async calls still running in the SDK (see `async` in loadBioSdk). */
const retained = new Set<unknown[]>();
const MAX_FRAME_SEGMENTS = 10;

/** Loads the library at `path` and binds every BioSDK function; throws {@link BioSdkLoadError}. */
export function loadBioSdk(path: string): BioSdkBinding {
  const koffi = requireKoffi();
  let library: ReturnType<Koffi['load']>;
  try {
    library = koffi.load(path);
  } catch (error) {
    throw new BioSdkLoadError('ENODEV', `cannot load the BioSDK library ${path}: ${firstLine(error)}`, { cause: error });
  }
  const EventCallback = koffi.proto('void', ['const char *', 'int32_t', 'void *']);
  const FrameCallback = koffi.proto('void', [
    'int32_t', 'int32_t', 'const uint8_t *', 'uint32_t', 'int32_t', 'int32_t', 'const void *', 'int32_t', 'void *',
  ]);
  const bind = (name: string, result: string, args: Array<string | TypeObject>): KoffiFunction => {
    try {
      return library.func(name, result, args);
    } catch (error) {
      throw new BioSdkLoadError('ENOTSUP', `${path} is not a BioSDK 2 library: ${firstLine(error)}`, { cause: error });
    }
  };
  const i32 = 'int32_t';
  const ptr = 'void *';
  const fn = {
    getVersion: bind('bio_get_version', i32, []),
    init: bind('bio_init', i32, [i32]),
    shutdown: bind('bio_shutdown', i32, []),
    setEventCallback: bind('bio_set_event_callback', i32, [koffi.pointer(EventCallback), ptr]),
    enumerate: bind('bio_enumerate', i32, [ptr, i32, ptr]),
    open: bind('bio_open', i32, ['const char *', ptr]),
    close: bind('bio_close', i32, [i32]),
    reset: bind('bio_reset', i32, [i32]),
    cancel: bind('bio_cancel', i32, [i32]),
    getStatus: bind('bio_get_status', i32, [i32]),
    lastError: bind('bio_last_error', i32, [i32, ptr, i32]),
    setFrameCallback: bind('bio_set_frame_callback', i32, [i32, koffi.pointer(FrameCallback), ptr]),
    captureFingers: bind('bio_capture_fingers', i32, [i32, i32, i32, i32, ptr, 'uint32_t', ptr]),
    capturePalm: bind('bio_capture_palm', i32, [i32, i32, i32, ptr, 'uint32_t', ptr]),
    getImageSize: bind('bio_get_image_size', i32, [i32, i32, i32, ptr, ptr]),
    getQuality: bind('bio_get_quality', i32, [i32, i32, ptr]),
    camCapture: bind('bio_cam_capture', i32, [i32, i32, ptr, 'uint32_t', ptr]),
    camSetExposure: bind('bio_cam_set_exposure', i32, [i32, i32, 'double']),
    camStartPreview: bind('bio_cam_start_preview', i32, [i32, i32]),
    camStopPreview: bind('bio_cam_stop_preview', i32, [i32]),
  };
  // koffi hands C the memory of a Buffer/TypedArray argument without keeping the object alive:
  // the completion callback holds `args`, so nothing the SDK writes into can be collected before
  // the call returns — even a call the driver gave up on.
  const async = (target: KoffiFunction) => (...args: unknown[]): Promise<number> =>
    new Promise((resolve, reject) => {
      target.async(...args, (error: unknown, status: number) => {
        retained.delete(args);
        if (error) reject(error);
        else resolve(status);
      });
      retained.add(args);
    });
  const errorText = Buffer.alloc(256);

  const functions: BioSdkFunctions = {
    getVersion: () => fn.getVersion() as number,
    init: async(fn.init),
    shutdown: async(fn.shutdown),
    setEventCallback: (callback) => fn.setEventCallback(callback, null) as number,
    enumerate: async(fn.enumerate),
    open: async(fn.open),
    close: async(fn.close),
    reset: async(fn.reset),
    cancel: (handle) => fn.cancel(handle) as number,
    getStatus: (handle) => fn.getStatus(handle) as number,
    lastError: (handle) => {
      const length = fn.lastError(handle, errorText, errorText.length) as number;
      const end = errorText.indexOf(0);
      return errorText.toString('latin1', 0, Math.min(length, end < 0 ? errorText.length : end));
    },
    setFrameCallback: (handle, callback) => fn.setFrameCallback(handle, callback, null) as number,
    getImageSize: (handle, mode, target, size) => fn.getImageSize(handle, mode, target, size, size.subarray(1)) as number,
    captureFingers: async(fn.captureFingers),
    capturePalm: async(fn.capturePalm),
    getQuality: async(fn.getQuality),
    camCapture: async(fn.camCapture),
    camSetExposure: async(fn.camSetExposure),
    camStartPreview: async(fn.camStartPreview),
    camStopPreview: async(fn.camStopPreview),
  };

  return {
    functions,
    registerCallbacks(onEvent, onFrame) {
      const event = koffi.register((serial: string | null, code: number) => {
        if (typeof serial === 'string') onEvent(serial, code);
      }, koffi.pointer(EventCallback));
      const frame = koffi.register(
        (handle: number, format: number, data: bigint | null, bytes: number, width: number, height: number, segments: bigint | null, count: number) => {
          // Copy now: the SDK's memory is only valid until this callback returns.
          if (data === null || bytes <= 0 || bytes > MAX_FRAME_BYTES) return;
          const segmentCount = segments === null ? 0 : Math.max(0, Math.min(count, MAX_FRAME_SEGMENTS));
          onFrame(handle, {
            format,
            data: new Uint8Array(koffi.view(data, bytes).slice(0)),
            width,
            height,
            segments: segmentCount > 0 && segments !== null ? new Uint8Array(koffi.view(segments, segmentCount * 24).slice(0)) : new Uint8Array(0),
            segmentCount,
          });
        },
        koffi.pointer(FrameCallback),
      );
      return {
        event,
        frame,
        unregister: () => {
          koffi.unregister(event);
          koffi.unregister(frame);
        },
      };
    },
  };
}

function requireKoffi(): Koffi {
  try {
    return createRequire(import.meta.url)('koffi') as Koffi;
  } catch (error) {
    throw new BioSdkLoadError('ENOTSUP', `the koffi FFI package could not be loaded: ${firstLine(error)}`, { cause: error });
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}
