/**
 * Faults the `enttec,dmx-usb-pro` driver must survive, caused from the widget's side of a real
 * PTY pair: unplug and replug, a widget that falls silent, garbage and partial frames on the
 * line, a garbled answer, a slow widget, a different widget on the same port. Timing-sensitive
 * cases run on a fake clock shared by the driver and the twin; the rest use the system clock
 * with event-driven, bounded waits.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { systemClock, type Clock } from '../../hal/clock.ts';
import { isDeviceError, type DeviceError } from '../../hal/errors.ts';
import { dmxUsbProProps, EnttecDmxUsbPro } from '../../drivers/enttec-dmx-usb-pro/index.ts';
import { percentTo16Bit } from '../../drivers/enttec-dmx-usb-pro/universe.ts';
import { DmxWidgetTwin, WIDGET_LABEL } from '../../simulator/wire/dmx-widget-twin.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { nextEvent, waitFor } from '../support/wait.ts';

async function rig(clock: Clock, props: Record<string, unknown> = {}) {
  const twin = await DmxWidgetTwin.start({ clock, serial: '00420815' });
  const device = new EnttecDmxUsbPro(
    { id: 'lights', compatible: 'enttec,dmx-usb-pro', clock, port: { path: twin.pair.driverPath, baudRate: 115_200 } },
    dmxUsbProProps.parse(props),
  );
  const faults: DeviceError[] = [];
  device.on('fault', (error) => faults.push(error));
  const cleanup = async () => {
    await device.close();
    await twin.close();
  };
  return { twin, device, faults, cleanup };
}

const detail = async (device: EnttecDmxUsbPro) => (await device.health()).detail ?? {};

describe('enttec,dmx-usb-pro: unplug and replug', () => {
  it('is lost at once when the cable is pulled, ENODEV until replugged, then re-opens and restores the look', async (t) => {
    const { twin, device, cleanup } = await rig(systemClock);
    try {
      await device.open({ timeoutMs: 5000 });
      await device.setLevel('key', 60);
      await waitFor(() => ((twin.slot(1) << 8) | twin.slot(2)) === percentTo16Bit(60), 'key at 60 % on the wire');

      const lost = nextEvent<[DeviceError]>(device, 'lost', 2000);
      const pulledAt = performance.now();
      void twin.unplug();
      const [error] = await lost;
      const detectionMs = performance.now() - pulledAt;
      t.diagnostic(`unplug detected after ${detectionMs.toFixed(1)} ms (port hang-up, no keep-alive needed)`);
      assert.ok(isDeviceError(error, 'ENODEV') && /disconnected/.test(error.message), error.message);
      assert.equal(device.state, 'lost');
      await assert.rejects(device.setLevel('key', 10), (e) => isDeviceError(e, 'ENODEV'));
      const health = await device.health();
      assert.equal(health.ok, false);
      assert.equal(health.lastError?.code, 'ENODEV');
      await assert.rejects(device.open({ timeoutMs: 500 }), (e) => isDeviceError(e, 'ENODEV') && /no serial port/.test(e.message));

      await twin.replug();
      assert.equal(twin.slot(1), 0, 'the replugged widget starts dark');
      const info = await device.open({ timeoutMs: 5000 });
      assert.equal(info.serial, '00420815');
      await waitFor(() => ((twin.slot(1) << 8) | twin.slot(2)) === percentTo16Bit(60), 'the held levels resent after re-open');
      assert.equal((await device.levels()).key, 60);
      assert.equal((await device.health()).ok, true);
    } finally {
      await cleanup();
    }
  });
});

describe('enttec,dmx-usb-pro: a widget that stops answering', () => {
  it('faults on the first missed keep-alive and is lost after lostAfterMisses, at a predictable time', async () => {
    const clock = new FakeClock();
    const { twin, device, faults, cleanup } = await rig(clock, { keepAliveMs: 1000, answerTimeoutMs: 500, lostAfterMisses: 2 });
    try {
      await device.open();
      let lostAt: number | undefined;
      device.on('lost', () => (lostAt = clock.now()));
      const silentFrom = clock.now();
      twin.goSilent();
      const seen = twin.requestsSeen(WIDGET_LABEL.getSerial);
      await clock.advance(1000);
      await waitFor(() => twin.requestsSeen(WIDGET_LABEL.getSerial) === seen + 1, 'keep-alive 1 at the widget');
      await clock.advance(500);
      assert.equal(faults.at(-1)?.code, 'ETIMEDOUT');
      assert.match(faults.at(-1)?.message ?? '', /keep-alive 1\/2 unanswered/);
      const health = await device.health();
      assert.equal(health.ok, false, 'a missed answer makes the device unhealthy');
      assert.equal(health.detail?.missedAnswers, 1);
      assert.equal(device.state, 'ready');
      await clock.advance(500);
      await waitFor(() => twin.requestsSeen(WIDGET_LABEL.getSerial) === seen + 2, 'keep-alive 2 at the widget');
      await clock.advance(500);
      assert.equal(device.state, 'lost');
      // keepAliveMs × lostAfterMisses + answerTimeoutMs after the widget fell silent (worst case).
      assert.equal((lostAt ?? 0) - silentFrom, 2500);
      assert.match((await device.health()).lastError?.message ?? '', /stopped answering/);

      // Still silent: open gives up after identifyTimeoutMs with ETIMEDOUT.
      await assert.rejects(clock.drive(device.open(), 10_000), (e) => isDeviceError(e, 'ETIMEDOUT') && /serial-number request within 2000 ms/.test(e.message));
      twin.goSilent(false);
      await device.open();
      assert.equal(device.state, 'ready');
    } finally {
      await cleanup();
    }
  });

  it('treats another widget answering the keep-alive as a loss (the widget was swapped)', async () => {
    const clock = new FakeClock();
    const { twin, device, cleanup } = await rig(clock, { keepAliveMs: 1000 });
    try {
      await device.open();
      twin.setSerial('11112222');
      const lost = nextEvent<[DeviceError]>(device, 'lost', 2000);
      await clock.advance(1000);
      const [error] = await lost;
      assert.match(error.message, /different widget answered \(serial 11112222, expected 00420815\)/);
      const info = await device.open();
      assert.equal(info.serial, '11112222');
    } finally {
      await cleanup();
    }
  });
});

describe('enttec,dmx-usb-pro: garbage and partial frames from the widget', () => {
  it('counts garbage, reports one EBADMSG fault, and keeps working', async () => {
    const { twin, device, faults, cleanup } = await rig(systemClock, { keepAliveMs: 0 });
    try {
      await device.open({ timeoutMs: 5000 });
      const fault = nextEvent<[DeviceError]>(device, 'fault', 2000);
      twin.sendGarbage();
      const [error] = await fault;
      assert.ok(isDeviceError(error, 'EBADMSG'), error.message);
      // 00 FF E7 skipped, 7E 06 FF FF rejected (length 65535), 06 FF FF 42 13 E7 10 skipped.
      await waitFor(async () => {
        const now = await detail(device);
        return now.badFrames === 1 && now.garbageBytes === 10;
      }, 'one bad frame and 10 garbage bytes in health');
      assert.equal((await device.health()).lastError?.code, 'EBADMSG');
      assert.deepEqual(Object.keys(await device.levels()), ['key', 'fill', 'ambient', 'scanner']);

      // Pseudo-random noise, with many stray start bytes.
      let seed = 7;
      const noise = Buffer.alloc(8192, 0).map(() => {
        seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
        return seed % 5 === 0 ? 0x7e : seed & 0xff;
      });
      twin.sendRaw(noise);
      await waitFor(async () => Number((await detail(device)).garbageBytes) > 4000, 'the noise to be read');
      await device.setLevel('fill', 30, { timeoutMs: 2000 });
      assert.equal((await device.levels({ timeoutMs: 2000 })).fill, 30);
      assert.equal(device.state, 'ready');
      assert.equal(faults.length, 1, 'faults are rate-limited to one per code every 5 s');
    } finally {
      await cleanup();
    }
  });

  it('recovers an answer swallowed by a lying frame header once the line goes quiet (interByteTimeoutMs)', async () => {
    const { twin, device, cleanup } = await rig(systemClock, { keepAliveMs: 0, interByteTimeoutMs: 30 });
    try {
      await device.open({ timeoutMs: 5000 });
      twin.sendRaw(Uint8Array.of(0x7e, 0x03, 0x58, 0x02)); // a header promising 600 bytes that never come
      const levels = await device.levels({ timeoutMs: 2000 });
      assert.equal(levels.key, 0);
      const health = await detail(device);
      assert.equal(health.badFrames, 1);
    } finally {
      await cleanup();
    }
  });

  it('rejects a garbled answer with EBADMSG and answers the next command', async () => {
    const { twin, device, cleanup } = await rig(systemClock, { keepAliveMs: 0 });
    try {
      await device.open({ timeoutMs: 5000 });
      twin.failNextRequest('EBADMSG', WIDGET_LABEL.getParameters);
      await assert.rejects(device.levels(), (e) => isDeviceError(e, 'EBADMSG') && /parameter reply has 2 bytes/.test(e.message));
      await device.levels();
      assert.equal(device.state, 'ready');
    } finally {
      await cleanup();
    }
  });

  it('refuses a widget whose identity does not decode (wrong protocol) with EBADMSG at open', async () => {
    const { twin, device, cleanup } = await rig(systemClock);
    try {
      twin.failNextRequest('EBADMSG', WIDGET_LABEL.getSerial);
      await assert.rejects(device.open({ timeoutMs: 5000 }), (e) => isDeviceError(e, 'EBADMSG') && /serial-number reply has 2 bytes/.test(e.message));
      assert.equal(device.state, 'closed');
      await device.open({ timeoutMs: 5000 });
    } finally {
      await cleanup();
    }
  });
});

describe('enttec,dmx-usb-pro: a slow widget', () => {
  it('opens when the widget answers late but in time, times a late command out, and drops the late answer', async () => {
    const clock = new FakeClock();
    const { twin, device, cleanup } = await rig(clock, { keepAliveMs: 0, identifyRetryMs: 1000 });
    try {
      twin.setAnswerDelay(300);
      const opening = device.open();
      await waitFor(() => twin.requestsSeen(WIDGET_LABEL.getSerial) === 1, 'the serial-number request');
      await clock.advance(300);
      await waitFor(() => twin.requestsSeen(WIDGET_LABEL.getParameters) === 1, 'the parameters request');
      await clock.advance(300);
      await opening;

      const late = assert.rejects(device.levels({ timeoutMs: 100 }), (e) => isDeviceError(e, 'ETIMEDOUT'));
      await waitFor(() => twin.requestsSeen(WIDGET_LABEL.getParameters) === 2, 'the levels request');
      await clock.advance(100);
      await late;
      assert.equal(device.state, 'ready');
      await clock.advance(200);
      await waitFor(async () => (await detail(device)).lateAnswers === 1, 'the late answer to arrive and be dropped');

      const patient = device.levels({ timeoutMs: 1000 });
      await waitFor(() => twin.requestsSeen(WIDGET_LABEL.getParameters) === 3, 'the next levels request');
      await clock.advance(300);
      assert.equal((await patient).key, 0);
    } finally {
      await cleanup();
    }
  });
});
