/**
 * Faults the `biosdk,*` drivers must survive, played by the simulated vendor SDK (a C library
 * loaded through koffi, its hardware side driven by sim_bio_* controls): unplug/replug, a call
 * that hangs (and one that even ignores bio_cancel), a slow device, garbage in the SDK's result
 * structs, a library of the wrong version — and the event loop staying free while the SDK blocks.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLoopLag } from '../../runtime/telemetry/event-loop-lag.ts';
import { afterEach, describe, it } from 'node:test';
import { isDeviceError, type DeviceError, type PreviewFrame } from '../../hal/index.ts';
import { bioSdkLeases } from '../../drivers/biosdk/library.ts';
import { bioSdkVersion, SimBioCorrupt, SimBioHang, simBioSdkLibraryPath } from '../../simulator/sdk/controls.ts';
import { BioSdkFingerprintScanner, biosdkFingerprintProps } from '../../drivers/biosdk-fingerprint/index.ts';
import { systemClock } from '../../hal/clock.ts';
import {
  bioSdkControls,
  newCamera,
  newScanner,
  resetBioSdk,
  SIM_BIO_CAMERA_SERIAL as CAMERA,
  SIM_BIO_SCANNER_SERIAL as SCANNER,
} from '../support/bio-sdk-harness.ts';
import { nextEvent, waitFor } from '../support/wait.ts';

const library = simBioSdkLibraryPath();
const opened: Array<{ close(): Promise<void> }> = [];

/** Opens a device and closes it after the test, so every test starts with the SDK shut down. */
async function open<D extends { open(options?: { timeoutMs?: number }): Promise<unknown>; close(): Promise<void> }>(device: D): Promise<D> {
  opened.push(device);
  await device.open({ timeoutMs: 5000 });
  return device;
}

afterEach(async () => {
  for (const device of opened.splice(0)) await device.close();
  await waitFor(() => bioSdkLeases(library) === 0 && !bioSdkControls().libraryStats().initialized, 'the SDK to shut down', 5000);
});

const code = (expected: DeviceError['code']) => (error: unknown) => {
  assert.ok(isDeviceError(error, expected), `expected ${expected}, got ${String(error)}`);
  return true;
};

describe('biosdk: one SDK per process', () => {
  it('initialises the library once for the scanner and the camera, and shuts it down after the last close', async () => {
    const controls = resetBioSdk();
    const scanner = newScanner();
    const camera = newCamera();
    await Promise.all([scanner.open({ timeoutMs: 5000 }), camera.open({ timeoutMs: 5000 })]);
    assert.deepEqual(controls.libraryStats(), { inits: 1, shutdowns: 0, initialized: true });
    assert.equal(bioSdkLeases(library), 2);
    await scanner.close();
    assert.equal(controls.libraryStats().initialized, true, 'the camera still holds the SDK');
    assert.equal((await camera.capture({ timeoutMs: 5000 })).checks.faceFound, true);
    await camera.close();
    assert.deepEqual(controls.libraryStats(), { inits: 1, shutdowns: 1, initialized: false });
    assert.equal(bioSdkLeases(library), 0);
  });
});

describe('biosdk: unplug and replug', () => {
  it('fails a capture in flight with ENODEV, emits lost once, and recovers by re-opening after replug', async () => {
    const controls = resetBioSdk();
    controls.setTiming(SCANNER, { placeMs: 2000, previewFrames: 10 });
    const scanner = await open(newScanner());
    let lost = 0;
    scanner.on('lost', () => void (lost += 1));
    const capture = scanner.captureSlap('right-four', { timeoutMs: 10_000 });
    const rejected = assert.rejects(capture, code('ENODEV'));
    await nextEvent<[PreviewFrame]>(scanner, 'preview', 5000); // the SDK is inside the capture
    controls.unplug(SCANNER);
    await rejected;
    await waitFor(() => lost === 1, 'lost', 2000);
    assert.equal(scanner.state, 'lost');
    assert.equal((await scanner.health()).ok, false);
    await assert.rejects(scanner.open({ timeoutMs: 2000 }), code('ENODEV'));
    controls.replug(SCANNER);
    controls.setTiming(SCANNER, { placeMs: 40, previewFrames: 2 });
    await scanner.open({ timeoutMs: 5000 });
    assert.equal((await scanner.captureSlap('right-four', { timeoutMs: 5000 })).fingers.length, 4);
    assert.equal(lost, 1);
    assert.equal(controls.stats(SCANNER).opens, 2);
  });

  it('a camera unplugged while streaming stops, and streams again after replug and open', async () => {
    const controls = resetBioSdk();
    const camera = await open(newCamera());
    await camera.setPreview(true);
    await nextEvent(camera, 'preview', 5000);
    const lost = nextEvent(camera, 'lost', 2000);
    controls.unplug(CAMERA);
    await lost;
    await assert.rejects(camera.setPreview(true), code('ENODEV'));
    controls.replug(CAMERA);
    await camera.open({ timeoutMs: 5000 });
    await camera.setPreview(true);
    const [frame] = await nextEvent<[Uint8Array]>(camera, 'preview', 5000);
    assert.deepEqual([frame[0], frame[1]], [0xff, 0xd8]);
    await camera.setPreview(false);
  });
});

describe('biosdk: calls that do not come back', () => {
  it('a wedged call that ignores bio_cancel: ETIMEDOUT at the deadline, then cancel, reset, and the device works', async () => {
    const controls = resetBioSdk();
    const scanner = await open(newScanner({ cancelGraceMs: 100 }));
    controls.hangNext(SCANNER, SimBioHang.WEDGED);
    await assert.rejects(scanner.captureFlat(2, { timeoutMs: 300 }), code('ETIMEDOUT'));
    assert.equal(scanner.state, 'ready');
    // The next command waits for the recovery, then runs.
    const capture = await scanner.captureFlat(2, { timeoutMs: 5000 });
    assert.deepEqual(capture.fingers.map((finger) => finger.position), [2]);
    const stats = controls.stats(SCANNER);
    assert.ok(stats.cancels >= 1, `cancels ${stats.cancels}`);
    assert.equal(stats.resets, 1);
    const health = await scanner.health();
    assert.equal(health.ok, true);
    assert.equal(health.detail?.resets, 1);
    assert.equal(health.lastError?.code, 'ETIMEDOUT');
  });

  it('a capture nobody completes ends with the SDK’s own timeout: ETIMEDOUT, no reset', async () => {
    const controls = resetBioSdk();
    const scanner = await open(newScanner());
    controls.setPerson(SCANNER, { places: false });
    // The SDK is given 800 ms of the 1000: its own BIO_E_TIMEOUT arrives well before the HAL deadline.
    await assert.rejects(scanner.captureSlap('left-four', { timeoutMs: 1000 }), (error: unknown) => {
      assert.ok(isDeviceError(error, 'ETIMEDOUT'));
      assert.match(error.message, /BIO_E_TIMEOUT/);
      return true;
    });
    controls.setPerson(SCANNER, { places: true });
    assert.equal((await scanner.captureSlap('left-four', { timeoutMs: 5000 })).hand, 'left');
    assert.equal(controls.stats(SCANNER).resets, 0);
  });

  it('the caller’s abort cancels the SDK call (no reset) and the device stays usable', async () => {
    const controls = resetBioSdk();
    const camera = await open(newCamera());
    controls.hangNext(CAMERA, SimBioHang.UNTIL_CANCEL);
    const controller = new AbortController();
    const pending = camera.capture({ timeoutMs: 10_000, signal: controller.signal });
    await waitFor(() => controls.stats(CAMERA).calls >= 1, 'the SDK call to start', 2000);
    controller.abort();
    await assert.rejects(pending, code('ECANCELED'));
    assert.equal((await camera.capture({ timeoutMs: 5000 })).checks.faceFound, true);
    const stats = controls.stats(CAMERA);
    assert.ok(stats.cancels >= 1);
    assert.equal(stats.resets, 0);
  });

  it('a slow device still answers within the timeout; a too slow one times out, is reset, and works once fast again', async () => {
    const controls = resetBioSdk();
    const scanner = await open(newScanner());
    controls.setTiming(SCANNER, { opMs: 400 });
    const started = performance.now();
    await scanner.captureFlat(4, { timeoutMs: 5000 });
    assert.ok(performance.now() - started >= 400);
    controls.setTiming(SCANNER, { opMs: 3000 });
    await assert.rejects(scanner.captureFlat(4, { timeoutMs: 300 }), code('ETIMEDOUT'));
    controls.setTiming(SCANNER, { opMs: 2 });
    await scanner.captureFlat(4, { timeoutMs: 5000 });
    assert.equal(controls.stats(SCANNER).resets, 1);
  });

  it('answers health while a long capture holds the SDK, and close() ends that capture at once', async () => {
    const controls = resetBioSdk();
    controls.setTiming(SCANNER, { placeMs: 60_000, previewFrames: 0 });
    const scanner = await open(newScanner());
    const capture = scanner.captureSlap('two-thumbs', { timeoutMs: 90_000 });
    const rejected = assert.rejects(capture, code('ENODEV'));
    await waitFor(() => controls.stats(SCANNER).calls >= 1, 'the capture to reach the SDK', 2000);
    const health = await scanner.health({ timeoutMs: 500 });
    assert.equal(health.ok, true);
    await scanner.close(); // bio_close aborts the call in the SDK; bounded by resetTimeoutMs
    await rejected;
    assert.equal(scanner.state, 'closed');
    assert.equal(controls.stats(SCANNER).closes, 1);
  });

  it('a device whose reset does not answer is given up as lost, and re-opening recovers it', async () => {
    const controls = resetBioSdk();
    const scanner = await open(newScanner({ cancelGraceMs: 50, resetTimeoutMs: 200 }));
    controls.setTiming(SCANNER, { resetMs: 1500 }); // the firmware takes far longer than the driver allows
    controls.hangNext(SCANNER, SimBioHang.WEDGED);
    const lost = nextEvent<[DeviceError]>(scanner, 'lost', 5000);
    await assert.rejects(scanner.captureFlat(2, { timeoutMs: 200 }), code('ETIMEDOUT'));
    const [error] = await lost;
    assert.ok(isDeviceError(error, 'ENODEV'));
    assert.match(error.message, /reset after a hung captureFlat failed \(no answer within 200 ms\)/);
    assert.equal(scanner.state, 'lost');
    controls.setTiming(SCANNER, { resetMs: 10 });
    await scanner.open({ timeoutMs: 8000 }); // what the device manager does after `lost`
    await scanner.captureFlat(2, { timeoutMs: 5000 });
  });
});

describe('biosdk: garbage from the SDK', () => {
  const scannerCases: Array<[string, (typeof SimBioCorrupt)[keyof typeof SimBioCorrupt], RegExp]> = [
    ['image_bytes that do not match the size', SimBioCorrupt.IMAGE_BYTES, /image_bytes/],
    ['an image larger than the buffer it was given', SimBioCorrupt.DIMENSIONS, /does not fit/],
    ['37 segments and a box outside the image', SimBioCorrupt.SEGMENTS, /segment_count 37/],
    ['the struct size of another SDK version', SimBioCorrupt.STRUCT_SIZE, /struct_size/],
    ['a quality of 250', SimBioCorrupt.QUALITY, /quality 250/],
  ];
  for (const [what, kind, message] of scannerCases) {
    it(`scanner: ${what} is EBADMSG, and the next capture works`, async () => {
      const controls = resetBioSdk();
      const scanner = await open(newScanner());
      controls.corruptNext(SCANNER, kind);
      await assert.rejects(scanner.captureSlap('right-four', { timeoutMs: 5000 }), (error: unknown) => {
        assert.ok(isDeviceError(error, 'EBADMSG'), String(error));
        assert.match(error.message, message);
        return true;
      });
      assert.equal(scanner.state, 'ready');
      assert.equal((await scanner.captureSlap('right-four', { timeoutMs: 5000 })).fingers.length, 4);
    });
  }

  it('scanner: a palm with an impossible quality or size is EBADMSG', async () => {
    const controls = resetBioSdk();
    const scanner = await open(newScanner());
    controls.corruptNext(SCANNER, SimBioCorrupt.QUALITY);
    await assert.rejects(scanner.capturePalm('left-full', { timeoutMs: 5000 }), code('EBADMSG'));
    controls.corruptNext(SCANNER, SimBioCorrupt.DIMENSIONS);
    await assert.rejects(scanner.capturePalm('left-full', { timeoutMs: 5000 }), code('EBADMSG'));
    assert.equal((await scanner.capturePalm('left-full', { timeoutMs: 5000 })).image.height, 2400);
  });

  const cameraCases: Array<[string, (typeof SimBioCorrupt)[keyof typeof SimBioCorrupt], RegExp]> = [
    ['a JPEG without its EOI marker', SimBioCorrupt.JPEG, /EOI/],
    ['jpeg_bytes beyond the buffer', SimBioCorrupt.IMAGE_BYTES, /jpeg_bytes/],
    ['a zero width', SimBioCorrupt.DIMENSIONS, /implausible/],
    ['the struct size of another SDK version', SimBioCorrupt.STRUCT_SIZE, /struct_size/],
    ['face_found = 7', SimBioCorrupt.QUALITY, /face_found/],
  ];
  for (const [what, kind, message] of cameraCases) {
    it(`camera: ${what} is EBADMSG, and the next capture works`, async () => {
      const controls = resetBioSdk();
      const camera = await open(newCamera());
      controls.corruptNext(CAMERA, kind);
      await assert.rejects(camera.capture({ timeoutMs: 5000 }), (error: unknown) => {
        assert.ok(isDeviceError(error, 'EBADMSG'), String(error));
        assert.match(error.message, message);
        return true;
      });
      assert.equal((await camera.capture({ timeoutMs: 5000 })).checks.faceFound, true);
    });
  }

  it('camera: a portrait bigger than the buffer is retried once with a bigger one, up to maxJpegBytes', async () => {
    const controls = resetBioSdk();
    const camera = await open(newCamera({ jpegBufferBytes: 4096 }));
    const portrait = await camera.capture({ timeoutMs: 5000 });
    assert.ok(portrait.jpeg.length > 4096);
    assert.equal(controls.stats(CAMERA).calls, 2);
    await camera.close();
    const capped = await open(newCamera({ jpegBufferBytes: 4096, maxJpegBytes: 8192 }, 'camera-2'));
    await assert.rejects(capped.capture({ timeoutMs: 5000 }), (error: unknown) => {
      assert.ok(isDeviceError(error, 'EBADMSG'), String(error));
      assert.match(error.message, /limit 8192/);
      return true;
    });
  });

  it('the portrait is a JPEG an independent decoder (djpeg) reads at the reported size', async () => {
    resetBioSdk();
    const camera = await open(newCamera());
    const portrait = await camera.capture({ timeoutMs: 5000 });
    const dir = mkdtempSync(join(tmpdir(), 'biosdk-jpeg-'));
    try {
      writeFileSync(join(dir, 'portrait.jpg'), portrait.jpeg);
      execFileSync('djpeg', ['-pnm', '-outfile', join(dir, 'portrait.pgm'), join(dir, 'portrait.jpg')]);
      const header = readFileSync(join(dir, 'portrait.pgm')).subarray(0, 32).toString('latin1').split(/\s+/);
      assert.deepEqual(header.slice(0, 3), ['P5', String(portrait.width), String(portrait.height)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('biosdk: the library itself', () => {
  it('refuses a library of another major version with a clear error, before bio_init', async () => {
    const controls = resetBioSdk();
    controls.setVersion(bioSdkVersion(3, 0, 0));
    const scanner = newScanner();
    await assert.rejects(scanner.open({ timeoutMs: 5000 }), (error: unknown) => {
      assert.ok(isDeviceError(error, 'ENOTSUP'), String(error));
      assert.match(error.message, /BioSDK 3\.0\.0; this driver speaks BioSDK 2\.x/);
      return true;
    });
    assert.equal(scanner.state, 'closed');
    assert.equal((await scanner.health()).lastError?.code, 'ENOTSUP');
    assert.equal(controls.libraryStats().inits, 0);
    controls.setVersion(bioSdkVersion(2, 9, 0)); // a newer minor keeps the ABI
    await open(scanner);
    assert.match((await scanner.open()).firmware, /BioSDK 2\.9\.0/);
  });

  it('a library that is missing is ENODEV; one that is not BioSDK is ENOTSUP', async () => {
    const make = (path: string) =>
      new BioSdkFingerprintScanner({ id: 'scanner', compatible: 'biosdk,fingerprint', clock: systemClock }, path, biosdkFingerprintProps.parse({}));
    const missing = make('/nonexistent/libbooth_bio_sdk.so');
    await assert.rejects(missing.open(), (error: unknown) => {
      assert.ok(isDeviceError(error, 'ENODEV'), String(error));
      assert.match(error.message, /cannot load the BioSDK library \/nonexistent/);
      return true;
    });
    const notBioSdk = make('libc.so.6');
    await assert.rejects(notBioSdk.open(), (error: unknown) => {
      assert.ok(isDeviceError(error, 'ENOTSUP'), String(error));
      assert.match(error.message, /libc\.so\.6 is not a BioSDK 2 library/);
      return true;
    });
    assert.equal(missing.state, 'closed');
    assert.equal(notBioSdk.state, 'closed');
  });
});

describe('biosdk: the event loop during a blocking SDK call', () => {
  it('keeps ticking while a 500 ms capture blocks an SDK thread, where a synchronous FFI call would freeze it', async () => {
    const controls = resetBioSdk();
    controls.setTiming(null, { placeMs: 500, previewFrames: 0 });
    const scanner = await open(newScanner());

    const lag = new EventLoopLag(5);
    let ticks = 0;
    const ticker = setInterval(() => void (ticks += 1), 10);
    lag.start();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the measure runs a few periods before the call
    const started = performance.now();
    await scanner.captureFlat(2, { timeoutMs: 5000 });
    const elapsed = performance.now() - started;
    lag.stop();
    clearInterval(ticker);
    assert.ok(elapsed >= 500, `the capture took ${elapsed} ms`);
    const worstMs = lag.maxMs();
    assert.ok(worstMs < 150, `event loop blocked for ${worstMs.toFixed(1)} ms during the capture`);
    assert.ok(ticks >= 10, `only ${ticks} 10 ms ticks during ${elapsed.toFixed(0)} ms`);

    // The control: the same kind of SDK call made synchronously on the event loop blocks it for the
    // whole call, so the measure above would have caught a driver that did that.
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const sdk = koffi.load(library);
    const openSync = sdk.func('bio_open', 'int32_t', ['const char *', 'void *']);
    const captureSync = sdk.func('bio_cam_capture', 'int32_t', ['int32_t', 'int32_t', 'void *', 'uint32_t', 'void *']);
    const closeSync = sdk.func('bio_close', 'int32_t', ['int32_t']);
    controls.setTiming(CAMERA, { placeMs: 2000 }); // the camera settles for place/4 = 500 ms
    const handle = new Int32Array(1);
    assert.equal(openSync(CAMERA, handle), 0);
    const blocked = new EventLoopLag(5);
    blocked.start();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the measure runs a few periods before the call
    assert.equal(captureSync(handle[0], 5000, Buffer.alloc(4 << 20), 4 << 20, Buffer.alloc(40)), 0);
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the histogram see the late timer
    blocked.stop();
    closeSync(handle[0]);
    assert.ok(blocked.maxMs() >= 400, `a synchronous call blocked the loop only ${blocked.maxMs().toFixed(1)} ms`);
  });
});
