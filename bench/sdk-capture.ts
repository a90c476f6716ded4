/**
 * The "sdk" benchmark: what a slap capture costs through FFI compared with calling the same
 * libbooth_bio_sdk.so from C. Every simulated latency is zero and the SDK reuses its rendered
 * image (static frames), so one capture is the SDK call itself: argument checks, copying the
 * 1600x1500 (2.4 MB) image into the caller's buffer and filling the 280-byte result struct.
 *
 * Five ways, N sequential captures each, in interleaved rounds (median of the rounds):
 * - C: build/sdk/bio-sdk-bench (simulator/sdk/bench_capture.c), linked against the library,
 *   into one reused buffer, and (C fresh) into a malloc'ed buffer per capture;
 * - koffi sync: `bio_capture_fingers` called synchronously on the event loop (the FFI floor,
 *   what the driver must NOT do with a real 30 s capture);
 * - koffi async: the same call through `.async` (a libuv pool thread and back), what the driver uses;
 * - driver: `BioSdkFingerprintScanner.captureSlap` — DeviceCore gate and timeout, the async
 *   call into a new zeroed image buffer the caller then owns, result decoding and validation.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BioSdkFingerprintScanner, biosdkFingerprintProps } from '../drivers/biosdk-fingerprint/index.ts';
import { systemClock } from '../hal/clock.ts';
import { SIM_BIO_SCANNER_SERIAL, SimBioSdkControls, simBioSdkLibraryPath } from '../simulator/sdk/controls.ts';

export interface CaptureTimes {
  meanUs: number;
  p50Us: number;
  p99Us: number;
  /** Event-loop (main thread) busy time per capture, from performance.eventLoopUtilization; Node ways only. */
  loopUs?: number;
}

export interface SdkCaptureFigures {
  captures: number;
  rounds: number;
  c: CaptureTimes;
  cFresh: CaptureTimes;
  koffiSync: CaptureTimes;
  koffiAsync: CaptureTimes;
  driver: CaptureTimes;
}

const WARM_UP = 20;
const SLAP = 1;
const RIGHT_FOUR = 1;
const IMAGE_BYTES = 1600 * 1500;

function summarise(samples: number[]): CaptureTimes {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { meanUs: round(mean), p50Us: round(sorted[Math.floor(sorted.length / 2)]!), p99Us: round(sorted[Math.floor(sorted.length * 0.99)]!) };
}

function median(rounds: CaptureTimes[]): CaptureTimes {
  const pick = (key: keyof CaptureTimes) => [...rounds].map((round) => round[key] ?? Number.NaN).sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
  const times: CaptureTimes = { meanUs: pick('meanUs'), p50Us: pick('p50Us'), p99Us: pick('p99Us') };
  if (rounds[0]?.loopUs !== undefined) times.loopUs = pick('loopUs');
  return times;
}

async function timed(captures: number, capture: () => unknown): Promise<CaptureTimes> {
  for (let i = 0; i < WARM_UP; i += 1) await capture();
  const samples: number[] = [];
  const before = performance.eventLoopUtilization();
  for (let i = 0; i < captures; i += 1) {
    const started = performance.now();
    await capture();
    samples.push((performance.now() - started) * 1000);
  }
  const busy = performance.eventLoopUtilization(before);
  return { ...summarise(samples), loopUs: Math.round((busy.active * 1000 * 10) / captures) / 10 };
}

function cProgram(captures: number, fresh: boolean): CaptureTimes {
  const program = join(import.meta.dirname, '..', 'build', 'sdk', 'bio-sdk-bench');
  const output = execFileSync(program, [String(captures), ...(fresh ? ['fresh'] : [])], { encoding: 'utf8' });
  const parsed = JSON.parse(output) as CaptureTimes & { captures: number };
  return { meanUs: parsed.meanUs, p50Us: parsed.p50Us, p99Us: parsed.p99Us };
}

/** Raw koffi, no driver: bio_init, open the scanner, N captures sync then N async, close, shutdown. */
async function rawKoffi(library: string, captures: number): Promise<{ sync: CaptureTimes; async: CaptureTimes }> {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load(library);
  const init = lib.func('bio_init', 'int32_t', ['int32_t']);
  const shutdown = lib.func('bio_shutdown', 'int32_t', []);
  const open = lib.func('bio_open', 'int32_t', ['const char *', 'void *']);
  const close = lib.func('bio_close', 'int32_t', ['int32_t']);
  const capture = lib.func('bio_capture_fingers', 'int32_t', ['int32_t', 'int32_t', 'int32_t', 'int32_t', 'void *', 'uint32_t', 'void *']);
  if (init(0x020401) !== 0) throw new Error('bio_init failed');
  const handleOut = new Int32Array(1);
  if (open(SIM_BIO_SCANNER_SERIAL, handleOut) !== 0) throw new Error('bio_open failed');
  const handle = handleOut[0]!;
  const image = new Uint8Array(IMAGE_BYTES);
  const result = new Uint8Array(280);
  const check = (status: number) => {
    if (status !== 0) throw new Error(`bio_capture_fingers returned ${status}`);
  };
  try {
    const sync = await timed(captures, () => check(capture(handle, SLAP, RIGHT_FOUR, 5000, image, image.length, result) as number));
    const async = await timed(
      captures,
      () =>
        new Promise<void>((resolve, reject) => {
          capture.async(handle, SLAP, RIGHT_FOUR, 5000, image, image.length, result, (error: unknown, status: number) => {
            if (error) reject(error);
            else {
              check(status);
              resolve();
            }
          });
        }),
    );
    return { sync, async };
  } finally {
    close(handle);
    shutdown();
  }
}

async function driver(library: string, captures: number): Promise<CaptureTimes> {
  const scanner = new BioSdkFingerprintScanner(
    { id: 'scanner', compatible: 'biosdk,fingerprint', clock: systemClock },
    library,
    biosdkFingerprintProps.parse({}),
  );
  await scanner.open({ timeoutMs: 5000 });
  try {
    return await timed(captures, async () => {
      const slap = await scanner.captureSlap('right-four', { timeoutMs: 5000 });
      if (slap.fingers.length !== 4) throw new Error('unexpected slap');
    });
  } finally {
    await scanner.close();
  }
}

export async function measureSdkCapture(captures: number, rounds = 3): Promise<SdkCaptureFigures> {
  const library = simBioSdkLibraryPath();
  const controls = new SimBioSdkControls(library);
  controls.resetAll();
  controls.setTiming(null, { openMs: 0, opMs: 0, placeMs: 0, previewFrames: 0, resetMs: 0 });
  controls.setStaticFrames(null, true);
  const c: CaptureTimes[] = [];
  const cFresh: CaptureTimes[] = [];
  const sync: CaptureTimes[] = [];
  const async: CaptureTimes[] = [];
  const viaDriver: CaptureTimes[] = [];
  for (let round = 0; round < rounds; round += 1) {
    c.push(cProgram(captures, false));
    cFresh.push(cProgram(captures, true));
    const raw = await rawKoffi(library, captures);
    sync.push(raw.sync);
    async.push(raw.async);
    viaDriver.push(await driver(library, captures));
  }
  controls.resetAll();
  return { captures, rounds, c: median(c), cFresh: median(cFresh), koffiSync: median(sync), koffiAsync: median(async), driver: median(viaDriver) };
}
