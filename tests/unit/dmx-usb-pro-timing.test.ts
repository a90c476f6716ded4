/**
 * Fade, refresh and keep-alive timing of the `enttec,dmx-usb-pro` driver on a fake clock. The
 * driver and the widget twin share the clock; bytes travel over a real PTY pair. Each step moves
 * the clock, then waits (bounded) for the twin to see the frame it caused before moving on, so
 * the twin's timestamps are exact fake times and nothing depends on how fast the machine is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeviceError } from '../../hal/errors.ts';
import { dmxUsbProProps, EnttecDmxUsbPro } from '../../drivers/enttec-dmx-usb-pro/index.ts';
import { percentTo16Bit, percentTo8Bit } from '../../drivers/enttec-dmx-usb-pro/universe.ts';
import { DmxWidgetTwin, WIDGET_LABEL } from '../../simulator/wire/dmx-widget-twin.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { waitFor } from '../support/wait.ts';

async function rig(props: Record<string, unknown>) {
  const clock = new FakeClock();
  const twin = await DmxWidgetTwin.start({ clock });
  const device = new EnttecDmxUsbPro(
    { id: 'lights', compatible: 'enttec,dmx-usb-pro', clock, port: { path: twin.pair.driverPath, baudRate: 115_200 } },
    dmxUsbProProps.parse({ channels: { key: { slot: 1, fineSlot: 2 }, fill: { slot: 3, fineSlot: 4 }, ambient: 5, scanner: 6 }, ...props }),
  );
  await device.open();
  await waitFor(() => twin.framesReceived === 1, 'the frame sent at open');
  const frames = async (count: number) => waitFor(() => twin.framesReceived === count, `${count} frames at the twin`);
  const key16 = () => (twin.slot(1) << 8) | twin.slot(2);
  const cleanup = async () => {
    await device.close();
    await twin.close();
  };
  return { clock, twin, device, frames, key16, cleanup };
}

describe('enttec,dmx-usb-pro fades on the injected clock', () => {
  it('fades in one frame every fadeFrameMs, interpolating, and lands exactly on the target', async () => {
    const { clock, twin, device, frames, key16, cleanup } = await rig({ fadeMs: 100, fadeFrameMs: 25, keepAliveMs: 0 });
    try {
      const start = clock.now();
      const events: unknown[] = [];
      device.on('level', (...event) => events.push(event));
      const done = device.setLevel('key', 100);
      const seen: number[] = [];
      for (let k = 1; k <= 4; k += 1) {
        await clock.advance(25);
        await frames(1 + k);
        seen.push(key16());
      }
      await done;
      assert.deepEqual(seen, [25, 50, 75, 100].map(percentTo16Bit), '16-bit key level at each frame');
      assert.deepEqual(twin.frameTimes.slice(1).map((t) => t - start), [25, 50, 75, 100], 'one frame every 25 ms');
      assert.deepEqual(events, [['key', 100]], 'one level event, with the final level');
      assert.equal((await device.levels()).key, 100);
      assert.equal(twin.lastFrameSlots, 512, 'every frame carries the whole universe');
    } finally {
      await cleanup();
    }
  });

  it('fades a scene: every channel of it moves together, down as well as up', async () => {
    const { clock, twin, device, frames, key16, cleanup } = await rig({ fadeMs: 50, fadeFrameMs: 25, keepAliveMs: 0 });
    try {
      // Start from the portrait look (the fade to it is driven the same way).
      const toPortrait = device.setScene('portrait');
      for (let k = 1; k <= 2; k += 1) {
        await clock.advance(25);
        await frames(1 + k);
      }
      await toPortrait;
      assert.equal(key16(), percentTo16Bit(90));
      assert.equal(twin.slot(5), percentTo8Bit(50));
      const toFingerprint = device.setScene('fingerprint'); // key 90→20, ambient 50→60, scanner 0→100
      await clock.advance(25);
      await frames(4);
      assert.equal(key16(), percentTo16Bit(55));
      assert.equal(twin.slot(5), percentTo8Bit(55));
      assert.equal(twin.slot(6), percentTo8Bit(50));
      await clock.advance(25);
      await frames(5);
      await toFingerprint;
      assert.deepEqual(await device.levels(), { key: 20, fill: 20, ambient: 60, scanner: 100 });
      assert.equal(twin.slot(6), 255);
    } finally {
      await cleanup();
    }
  });

  it('a fade cut short by its caller leaves the levels where the last frame put them', async () => {
    const { clock, twin, device, frames, cleanup } = await rig({ fadeMs: 100, fadeFrameMs: 25, keepAliveMs: 0 });
    try {
      const controller = new AbortController();
      const fading = device.setLevel('ambient', 100, { signal: controller.signal });
      await clock.advance(25);
      await frames(2);
      await clock.advance(25);
      await frames(3);
      controller.abort();
      await assert.rejects(fading, (error) => isDeviceError(error, 'ECANCELED'));
      assert.equal((await device.levels()).ambient, 50);
      assert.equal(twin.slot(5), percentTo8Bit(50));
      await clock.advance(100); // where the rest of the fade would have been: nothing more is sent
      assert.equal(twin.frameTimes.at(-1), clock.now() - 100);
    } finally {
      await cleanup();
    }
  });
});

describe('enttec,dmx-usb-pro keep-alive refresh on the injected clock', () => {
  it('resends the universe every refreshMs while idle, restarts the countdown after each frame, and stops at close', async () => {
    const { clock, twin, device, frames, cleanup } = await rig({ refreshMs: 200, keepAliveMs: 0 });
    try {
      const start = twin.frameTimes[0] as number;
      for (let k = 1; k <= 5; k += 1) {
        await clock.advance(200);
        await frames(1 + k);
      }
      await clock.advance(120);
      await device.setLevel('scanner', 100); // a frame at +1120: the next refresh is due at +1320, not +1200
      await frames(7);
      await clock.advance(200);
      await frames(8);
      assert.deepEqual(
        twin.frameTimes.map((t) => t - start),
        [0, 200, 400, 600, 800, 1000, 1120, 1320],
        'frame times on the fake clock',
      );
      assert.equal(twin.slot(6), 255, 'refresh frames carry the current levels');
      await waitFor(async () => (await device.health()).detail?.framesSent === 8, 'health to count 8 frames sent');
      assert.equal((await device.health()).detail?.lastWriteAt, clock.now());

      await device.close();
      assert.equal(clock.pending, 0, 'no refresh or keep-alive timer survives close');
      await clock.advance(2000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(twin.framesReceived, 8, 'no frames after close');
    } finally {
      await cleanup();
    }
  });

  it('asks the widget for its serial number every keepAliveMs while idle and stays healthy while it answers', async () => {
    const { clock, twin, device, cleanup } = await rig({ refreshMs: 5000, keepAliveMs: 500 });
    try {
      const opened = twin.requestsSeen(WIDGET_LABEL.getSerial);
      for (let k = 1; k <= 3; k += 1) {
        await clock.advance(500);
        await waitFor(() => twin.requestsSeen(WIDGET_LABEL.getSerial) === opened + k, `keep-alive ${k}`);
        await waitFor(async () => (await device.health()).detail?.lastAnswerAt === clock.now(), `answer to keep-alive ${k}`);
      }
      const health = await device.health();
      assert.equal(health.ok, true);
      assert.equal(health.detail?.missedAnswers, 0);
    } finally {
      await cleanup();
    }
  });
});
