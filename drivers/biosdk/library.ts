/**
 * One BioSDK per process, shared by every `biosdk,*` device that names the same library.
 *
 * `bio_init` may be called once per process and the hot-plug callback is library-global, so the
 * scanner and the camera drivers cannot each own the SDK: they take a {@link BioSdkLease}. The
 * first lease loads and initialises the library and registers the two callbacks; the last
 * release shuts it down (on a pool thread — `bio_shutdown` joins the SDK's event thread, which
 * may be waiting for the event loop to run a callback) and only then unregisters the callbacks.
 * Leases dispatch hot-plug events by serial and preview frames by handle.
 *
 * This is the one module-level table in the drivers, on purpose: a dlopen'ed library and its
 * init state are facts of the process, not of an object graph, and two graphs in one process
 * (tests, boothctl next to a probe) must still share them.
 */
import { realpathSync } from 'node:fs';
import { loadBioSdk, type BioSdkCallbacks, type BioSdkFunctions, type RawFrame } from './binding.ts';
import { BioSdkLoadError, statusName } from './errors.ts';
import { BIO_SDK_MAJOR, BIO_SDK_VERSION, BioEvent, BioStatus, formatVersion, majorOf } from './protocol.ts';

export type DeviceEventListener = (event: 'arrived' | 'removed') => void;
export type FrameListener = (frame: RawFrame) => void;

export interface BioSdkLease {
  readonly sdk: BioSdkFunctions;
  readonly libraryPath: string;
  /** The library's version, e.g. "2.4.1". */
  readonly version: string;
  /** The registered frame callback to hand to `bio_set_frame_callback`. */
  readonly frameCallback: bigint;
  /** Hot-plug events for one serial; returns the unsubscribe function. */
  onDeviceEvent(serial: string, listener: DeviceEventListener): () => void;
  /** Preview frames of one handle; returns the unsubscribe function. */
  onFrame(handle: number, listener: FrameListener): () => void;
  /** Gives the lease back; the last one shuts the SDK down. Idempotent. */
  release(): Promise<void>;
}

interface SharedSdk {
  key: string;
  refs: number;
  ready: Promise<void>;
  sdk?: BioSdkFunctions;
  callbacks?: BioSdkCallbacks;
  version: string;
  events: Map<string, Set<DeviceEventListener>>;
  frames: Map<number, FrameListener>;
}

const libraries = new Map<string, SharedSdk>();
/** Shutdowns in progress: a new lease on the same library waits for it before `bio_init`. */
const stopping = new Map<string, Promise<void>>();

/** Loads (once per process) and initialises the BioSDK at `libraryPath`; throws {@link BioSdkLoadError}. */
export async function acquireBioSdk(libraryPath: string): Promise<BioSdkLease> {
  const key = canonical(libraryPath);
  await stopping.get(key);
  let shared = libraries.get(key);
  if (!shared) {
    const created: SharedSdk = { key, refs: 0, ready: Promise.resolve(), version: '', events: new Map(), frames: new Map() };
    created.ready = start(created, libraryPath).catch((error: unknown) => {
      if (libraries.get(key) === created) libraries.delete(key);
      throw error;
    });
    libraries.set(key, created);
    shared = created;
  }
  shared.refs += 1;
  try {
    await shared.ready;
  } catch (error) {
    shared.refs -= 1;
    throw error;
  }
  return lease(shared, libraryPath);
}

/** How many leases are held on a library (diagnostics and tests). */
export function bioSdkLeases(libraryPath: string): number {
  return libraries.get(canonical(libraryPath))?.refs ?? 0;
}

async function start(shared: SharedSdk, libraryPath: string): Promise<void> {
  const binding = loadBioSdk(libraryPath);
  const sdk = binding.functions;
  const version = sdk.getVersion();
  if (majorOf(version) !== BIO_SDK_MAJOR) {
    throw new BioSdkLoadError(
      'ENOTSUP',
      `${libraryPath} is BioSDK ${formatVersion(version)}; this driver speaks BioSDK ${BIO_SDK_MAJOR}.x (built against ${formatVersion(BIO_SDK_VERSION)})`,
    );
  }
  const callbacks = binding.registerCallbacks(
    (serial, event) => dispatchEvent(shared, serial, event),
    (handle, frame) => shared.frames.get(handle)?.(frame),
  );
  sdk.setEventCallback(callbacks.event);
  const status = await sdk.init(BIO_SDK_VERSION);
  if (status !== BioStatus.OK) {
    const reason = sdk.lastError(0) || statusName(status);
    sdk.setEventCallback(null);
    callbacks.unregister();
    const code = status === BioStatus.VERSION_MISMATCH ? 'ENOTSUP' : 'EIO';
    throw new BioSdkLoadError(code, `bio_init of ${libraryPath} failed with ${statusName(status)}: ${reason}`);
  }
  shared.sdk = sdk;
  shared.callbacks = callbacks;
  shared.version = formatVersion(version);
}

function dispatchEvent(shared: SharedSdk, serial: string, event: number): void {
  const name = event === BioEvent.REMOVED ? 'removed' : event === BioEvent.ARRIVED ? 'arrived' : undefined;
  if (!name) return;
  for (const listener of shared.events.get(serial) ?? []) listener(name);
}

function lease(shared: SharedSdk, libraryPath: string): BioSdkLease {
  const sdk = shared.sdk!;
  let released = false;
  return {
    sdk,
    libraryPath,
    version: shared.version,
    frameCallback: shared.callbacks!.frame,
    onDeviceEvent(serial, listener) {
      let set = shared.events.get(serial);
      if (!set) shared.events.set(serial, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    },
    onFrame(handle, listener) {
      shared.frames.set(handle, listener);
      return () => {
        if (shared.frames.get(handle) === listener) shared.frames.delete(handle);
      };
    },
    async release() {
      if (released) return;
      released = true;
      shared.refs -= 1;
      if (shared.refs > 0) return;
      if (libraries.get(shared.key) === shared) libraries.delete(shared.key);
      const done = stop(shared).finally(() => {
        if (stopping.get(shared.key) === done) stopping.delete(shared.key);
      });
      stopping.set(shared.key, done);
      await done;
    },
  };
}

async function stop(shared: SharedSdk): Promise<void> {
  const sdk = shared.sdk!;
  sdk.setEventCallback(null);
  // On a pool thread: bio_shutdown joins SDK threads that may be waiting for this event loop.
  await sdk.shutdown().catch(() => undefined);
  shared.callbacks?.unregister();
  shared.events.clear();
  shared.frames.clear();
}

/** The same library reached by two paths must be one entry: dlopen would hand back one handle. */
function canonical(libraryPath: string): string {
  if (!libraryPath.includes('/')) return libraryPath; // a soname the dynamic loader searches
  try {
    return realpathSync(libraryPath);
  } catch {
    return libraryPath;
  }
}
