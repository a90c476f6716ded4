// PNG encoding of capture images on a worker thread (runtime/imaging/png-thread-encoder.ts) and
// the session record's use of it: the same bytes as the synchronous encoder, a crashed or stuck
// thread replaced and reported, a discarded session leaving nothing behind, no thread after close.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FingerCapture, PalmCapture, Slap } from '../../hal/fingerprint.ts';
import { encodeCapturePackage } from '../../protocols/capture/package-codec.ts';
import { SessionRecord } from '../../protocols/capture/session-record.ts';
import { encodePng, type RasterImage } from '../../protocols/imaging/png.ts';
import { PngThreadEncoder } from '../../runtime/imaging/png-thread-encoder.ts';
import { renderPalm, renderSlap } from '../../simulator/imaging/fingerprint-image.ts';

const TEST_TIMEOUT_MS = 60_000;
const SESSION = '0190f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6';
const ORIGIN = { deviceId: 'scanner', deviceSerial: 'SN-1', startedAtMs: 1_790_000_000_000, attempt: 1 };

/** A smooth grey ramp with some texture, `width` x `height`, `channels` deep. */
function raster(width: number, height: number, channels: 1 | 3 = 1, seed = 1): RasterImage {
  const pixels = new Uint8Array(width * height * channels);
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * seed + ((i / width) | 0) * 3 + ((i * 2654435761) >>> 28)) & 0xff;
  return { width, height, channels, pixels };
}

const copyOf = (image: RasterImage): RasterImage => ({ ...image, pixels: image.pixels.slice() });

const SLAP_FINGERS: Record<Slap, FingerCapture['fingers'][number]['position'][]> = { 'right-four': [2, 3, 4, 5], 'left-four': [7, 8, 9, 10], 'two-thumbs': [1, 6] };

function slapCapture(slap: Slap, seed: number): FingerCapture {
  const image = renderSlap([{ quality: 80 }, { quality: 70 }, { quality: 90 }, { quality: 60 }].slice(0, slap === 'two-thumbs' ? 2 : 4), { seed, thumbs: slap === 'two-thumbs' });
  return {
    kind: 'slap',
    image: { width: image.width, height: image.height, ppi: image.ppi, pixels: image.pixels },
    fingers: image.boxes.map((box, index) => ({ position: SLAP_FINGERS[slap][index]!, quality: 60 + index, box })),
    liveness: { live: true, score: 96 },
    capturedAt: 1_790_000_001_000 + seed,
  };
}

function palmCapture(palm: PalmCapture['palm'], seed: number): PalmCapture {
  const image = renderPalm(75, { seed });
  return { palm, image: { width: image.width, height: image.height, ppi: image.ppi, pixels: image.pixels }, quality: 75, liveness: { live: true, score: 96 }, capturedAt: 1_790_000_002_000 + seed };
}

/** The same captures, kept into `record` (each call renders fresh pixels: the encoder takes them over). */
function keepAll(record: SessionRecord): void {
  record.language = 'uz';
  record.consent = { given: true, textVersion: '2026-11', atMs: 1_790_000_000_000 };
  record.keepSlap('right-four', slapCapture('right-four', 1), ORIGIN);
  record.keepSlap('left-four', slapCapture('left-four', 2), ORIGIN);
  record.keepSlap('right-four', slapCapture('right-four', 3), { ...ORIGIN, attempt: 2 }); // a better attempt replaces the first
  record.keepSlap('two-thumbs', slapCapture('two-thumbs', 4), ORIGIN);
  record.keepPalm(palmCapture('right-full', 5), ORIGIN);
  record.keepPalm(palmCapture('left-full', 6), ORIGIN);
}

describe('PngThreadEncoder', { timeout: TEST_TIMEOUT_MS }, () => {
  it('encodes byte for byte as encodePng does, grey and RGB, and hands the pixels over', async () => {
    const encoder = new PngThreadEncoder();
    try {
      for (const image of [raster(1, 1), raster(17, 5, 3, 7), raster(2000, 2400, 1, 3), raster(640, 480, 3, 11)]) {
        const expected = encodePng(copyOf(image));
        const given = image.pixels;
        const png = await encoder.encode(image);
        assert.deepEqual(png, expected);
        assert.equal(given.byteLength, 0, 'the caller gave its pixels away (transferred, not copied)');
      }
    } finally {
      await encoder.close();
    }
  });

  it('copies pixels that are a view into a bigger buffer, leaving the owner its memory', async () => {
    const encoder = new PngThreadEncoder();
    try {
      const whole = new Uint8Array(64 * 32 + 100).fill(9);
      const image = { width: 64, height: 32, channels: 1 as const, pixels: whole.subarray(50, 50 + 64 * 32) };
      const expected = encodePng(copyOf(image));
      assert.deepEqual(await encoder.encode(image), expected);
      assert.equal(whole.byteLength, 64 * 32 + 100, 'the bigger buffer is not detached');
    } finally {
      await encoder.close();
    }
  });

  it('rejects a malformed image with encodePng\'s message', async () => {
    const encoder = new PngThreadEncoder();
    await assert.rejects(encoder.encode({ width: 4, height: 4, channels: 1, pixels: new Uint8Array(15) }), /pixel buffer has 15 bytes, expected 16/);
    assert.equal(encoder.threadForTests(), undefined, 'nothing was started for it');
  });

  it('a thread that dies fails its job with a clear error; the next job gets a new thread', async () => {
    const encoder = new PngThreadEncoder();
    try {
      const doomed = encoder.encode(raster(2000, 2400));
      const first = encoder.threadForTests();
      assert.ok(first, 'the thread starts with the first job');
      const waiting = encoder.encode(raster(300, 200, 1, 5)); // queued behind the doomed one
      void first.terminate(); // as a crash of the thread
      await assert.rejects(doomed, /png encoder thread exited with code \d+/);
      const expected = encodePng(raster(300, 200, 1, 5));
      assert.deepEqual(await waiting, expected, 'the queued job was not lost with the thread');
      const second = encoder.threadForTests();
      assert.ok(second && second !== first, 'a new thread took over');
    } finally {
      await encoder.close();
    }
  });

  it('a job the thread does not answer in time fails, and the thread is replaced', async () => {
    const encoder = new PngThreadEncoder({ timeoutMs: 1 });
    try {
      const slow = encoder.encode(raster(2000, 2400));
      const first = encoder.threadForTests()!;
      const exited = once(first, 'exit');
      await assert.rejects(slow, /png encoder thread did not answer within 1 ms \(terminated\)/);
      await exited;
      assert.notEqual(encoder.threadForTests(), first);
    } finally {
      await encoder.close();
    }
  });

  it('close ends the thread and fails what still waits; a process that never closes it still exits', async () => {
    const encoder = new PngThreadEncoder();
    await encoder.encode(raster(10, 10));
    const thread = encoder.threadForTests()!;
    const exited = once(thread, 'exit');
    const queued = [encoder.encode(raster(2000, 2400)), encoder.encode(raster(2000, 2400))].map((job) => job.then(() => 'encoded', (error: Error) => error.message));
    await encoder.close();
    await exited;
    assert.equal(encoder.threadForTests(), undefined);
    for (const job of queued) assert.match(await job, /png encoder (closed|thread exited)/);
    assert.equal(encoder.pendingForTests, 0);
    // Idle, the thread is never what keeps boothd alive: a process that forgets to close it ends anyway.
    const script = `
      import { PngThreadEncoder } from ${JSON.stringify(new URL('../../runtime/imaging/png-thread-encoder.ts', import.meta.url).href)};
      const encoder = new PngThreadEncoder();
      const png = await encoder.encode({ width: 8, height: 8, channels: 1, pixels: new Uint8Array(64) });
      console.log(png.length > 0 && encoder.threadForTests() !== undefined ? 'encoded' : 'not encoded');
    `;
    const dir = mkdtempSync(join(tmpdir(), 'png-thread-'));
    try {
      writeFileSync(join(dir, 'forgets-close.mjs'), script);
      const out = execFileSync(process.execPath, [join(dir, 'forgets-close.mjs')], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(out.trim(), 'encoded');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SessionRecord with a PNG encoder thread', { timeout: TEST_TIMEOUT_MS }, () => {
  it('builds the very same package, in the same order, as the synchronous encoder', async () => {
    const encoder = new PngThreadEncoder();
    try {
      const direct = new SessionRecord(SESSION, 1_790_000_000_000);
      keepAll(direct);
      const threaded = new SessionRecord(SESSION, 1_790_000_000_000, { pngEncoder: encoder });
      keepAll(threaded);
      assert.equal(threaded.captureCount, 5, 'kept at once, before the encodings finish');
      assert.throws(() => threaded.build('booth-1', 'COMPLETED', '', 1_790_000_009_000), /still being encoded \(await encoded\(\) first\)/);
      await threaded.encoded();
      const expected = direct.build('booth-1', 'COMPLETED', '', 1_790_000_009_000);
      const actual = threaded.build('booth-1', 'COMPLETED', '', 1_790_000_009_000);
      assert.deepEqual(
        actual.captures.map((capture) => capture.captureId),
        expected.captures.map((capture) => capture.captureId),
      );
      assert.deepEqual(actual, expected);
      assert.deepEqual(encodeCapturePackage(actual), encodeCapturePackage(expected));
    } finally {
      await encoder.close();
    }
  });

  it('an encoding that failed makes encoded() and build() fail, naming the capture; a better attempt clears it', async () => {
    const encoder = new PngThreadEncoder();
    try {
      const record = new SessionRecord(SESSION, 1_790_000_000_000, { pngEncoder: encoder });
      record.consent = { given: true, textVersion: '2026-11', atMs: 1_790_000_000_000 };
      record.keepPalm(palmCapture('right-full', 1), ORIGIN);
      void encoder.threadForTests()!.terminate(); // the thread crashes while it encodes the palm
      await assert.rejects(record.encoded(), /PNG encoding of capture .* \(PALM-21\) failed: png encoder thread exited with code \d+/);
      assert.throws(() => record.build('booth-1', 'COMPLETED', '', 1), /PALM-21\) failed/);
      record.keepPalm(palmCapture('right-full', 2), { ...ORIGIN, attempt: 2 }); // kept again: on a new thread
      await record.encoded();
      const [palm] = record.build('booth-1', 'COMPLETED', '', 1).captures;
      assert.equal(palm!.attempt, 2);
      assert.deepEqual(palm!.image, encodePng({ ...renderPalm(75, { seed: 2 }), channels: 1 }));
    } finally {
      await encoder.close();
    }
  });

  it('a discard while encodings are pending drops them: nothing queued, nothing kept, no late result', async () => {
    const encoder = new PngThreadEncoder();
    try {
      const record = new SessionRecord(SESSION, 1_790_000_000_000, { pngEncoder: encoder });
      record.consent = { given: true, textVersion: '2026-11', atMs: 1_790_000_000_000 };
      for (const [index, palm] of (['right-full', 'left-full', 'right-writer', 'left-writer'] as const).entries()) record.keepPalm(palmCapture(palm, index), ORIGIN);
      assert.equal(encoder.pendingForTests, 4);
      record.discard();
      assert.equal(encoder.pendingForTests, 1, 'the queued jobs are gone; only the one on the thread finishes there');
      assert.equal(record.captureCount, 0);
      await record.encoded(); // nothing to wait for
      // The job on the thread ends; its result goes nowhere.
      while (encoder.pendingForTests > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(record.build('booth-1', 'COMPLETED', '', 1).captures, []);
    } finally {
      await encoder.close();
    }
  });
});
