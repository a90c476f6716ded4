/**
 * The faults every driver must survive (issue 5), for the two line-protocol drivers against
 * their wire twins on socat PTY pairs: unplug and replug, a device that stops answering, a slow
 * device, garbage bytes and partial lines, a wrong protocol version — plus the device's own
 * error codes and a device that powers up after the port was opened. Every wait is bounded;
 * nothing depends on a sleep being long enough.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { serialEnvSensorProps, SerialEnvSensor } from '../../drivers/booth-serial-env-sensor/index.ts';
import { serialSignaturePadProps, SerialSignaturePad } from '../../drivers/booth-serial-signature-pad/index.ts';
import { systemClock } from '../../hal/clock.ts';
import { DEVICE_ERROR_CODES, isDeviceError, type DeviceError, type PenSample } from '../../hal/index.ts';
import { mulberry32 } from '../../simulator/imaging/random.ts';
import { EnvSensorTwin, type EnvSensorTwinOptions } from '../../simulator/wire/env-sensor-twin.ts';
import { PtyPair } from '../../simulator/wire/pty-pair.ts';
import { SignaturePadTwin, type SignaturePadTwinOptions } from '../../simulator/wire/signature-pad-twin.ts';
import { nextEvent, waitFor } from '../support/wait.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

type Detail = Record<string, string | number | boolean>;

async function envRig(twinOptions: Partial<EnvSensorTwinOptions> = {}, props: Record<string, unknown> = {}, attach = true) {
  const pair = await PtyPair.open();
  const twin = new EnvSensorTwin(pair, twinOptions);
  if (attach) await twin.attach();
  const device = new SerialEnvSensor(
    { id: 'env', compatible: 'booth,serial-env-sensor', clock: systemClock },
    { path: pair.driverPath, baudRate: 115_200, ...serialEnvSensorProps.parse({ keepAliveMs: 200, helloRetryMs: 100, ...props }) },
  );
  cleanups.push(async () => {
    await device.close();
    await twin.close();
  });
  const detail = async () => (await device.health()).detail as Detail;
  return { pair, twin, device, detail };
}

async function padRig(twinOptions: Partial<SignaturePadTwinOptions> = {}, props: Record<string, unknown> = {}) {
  const pair = await PtyPair.open();
  const twin = new SignaturePadTwin(pair, { autoSign: false, signingMs: 300, ...twinOptions });
  await twin.attach();
  const device = new SerialSignaturePad(
    { id: 'pad', compatible: 'booth,serial-signature-pad', clock: systemClock },
    { path: pair.driverPath, baudRate: 115_200, ...serialSignaturePadProps.parse({ keepAliveMs: 200, helloRetryMs: 100, ...props }) },
  );
  cleanups.push(async () => {
    await device.close();
    await twin.close();
  });
  const detail = async () => (await device.health()).detail as Detail;
  return { pair, twin, device, detail };
}

/** Random bytes from a fixed seed, every value 0–255 possible (NUL, 0xFF, `$`, LF, …). */
function garbage(seed: number, length: number): Buffer {
  const random = mulberry32(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

/**
 * The next `climate` event with these values (the state events that follow HELLO may still be
 * arriving when open resolves, so "the next climate event" is not enough).
 */
function climateEvent(device: SerialEnvSensor, temperatureC: number, humidityPct: number, limitMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      device.off('climate', listener);
      reject(new Error(`no climate event ${temperatureC} °C / ${humidityPct} % within ${limitMs} ms`));
    }, limitMs);
    const listener = (t: number, rh: number) => {
      if (t !== temperatureC || rh !== humidityPct) return;
      clearTimeout(timer);
      device.off('climate', listener);
      resolve();
    };
    device.on('climate', listener);
  });
}

const hasCode = (code: DeviceError['code'], message?: RegExp) => (error: unknown) => {
  assert.ok(isDeviceError(error, code), `expected ${code}, got ${String(error)}`);
  if (message) assert.match(error.message, message);
  return true;
};

describe('unplug and replug', () => {
  it('env: the port closing under the driver is noticed at once; ENODEV until replugged; re-open recovers', async (t) => {
    const { twin, device } = await envRig();
    await device.open();
    let lostAt = 0;
    device.once('lost', () => (lostAt = performance.now()));
    const lost = nextEvent<[DeviceError]>(device, 'lost', 2000);
    const unpluggedAt = performance.now();
    await twin.unplug();
    const [error] = await lost;
    const detectionMs = lostAt - unpluggedAt;
    t.diagnostic(`unplug → lost: ${detectionMs.toFixed(1)} ms (${error.message})`);
    // The kernel's hang-up usually closes the port at once; when serialport misses it, the next
    // keep-alive PING's write fails: within one keep-alive period (200 ms here) either way.
    assert.ok(detectionMs < 1000, `lost ${detectionMs} ms after the unplug`);
    assert.ok(isDeviceError(error, 'ENODEV'));
    assert.match(error.message, /^env: transport: ENODEV: (the serial device disconnected|the serial port closed|write failed: EIO)/);
    assert.equal(device.state, 'lost');
    const health = await device.health();
    assert.equal(health.ok, false);
    assert.equal(health.lastError?.code, 'ENODEV');
    await assert.rejects(device.read({ timeoutMs: 500 }), hasCode('ENODEV'));
    await assert.rejects(device.open({ timeoutMs: 500 }), hasCode('ENODEV', /no serial device at .*driver-end/));

    await twin.replug();
    twin.setClimate(24.5, 41);
    await device.open({ timeoutMs: 3000 });
    assert.equal(device.state, 'ready');
    const snapshot = await device.read();
    assert.deepEqual([snapshot.temperatureC, snapshot.humidityPct], [24.5, 41]);
    assert.equal((await device.health()).ok, true);
  });

  it('pad: unplugged in the middle of a signature, the collect fails ENODEV at once; after replug a new collect works', async () => {
    const { twin, device } = await padRig();
    await device.open();
    const pending = device.collect('Sign here', { timeoutMs: 10_000 });
    await waitFor(() => twin.prompt === 'Sign here', 'the prompt on the pad');
    twin.pen({ x: 10, y: 10, pressure: 400, t: 0 });
    const failed = assert.rejects(pending, hasCode('ENODEV'));
    const startedAt = performance.now();
    await twin.unplug();
    await failed;
    assert.ok(performance.now() - startedAt < 1000, 'the collect waited for its timeout instead');
    assert.equal(device.state, 'lost');

    await twin.replug();
    assert.equal(twin.prompt, undefined, 'a pad that lost power shows no prompt');
    await device.open({ timeoutMs: 3000 });
    twin.setAutoSign(true);
    const signature = await device.collect('Sign again', { timeoutMs: 10_000 });
    assert.ok(signature.samples.length > 20);
    await waitFor(() => twin.prompt === undefined, 'the prompt hidden after the collect');
  });
});

describe('a device that stops answering', () => {
  it('env: ETIMEDOUT and health "not answering" at once, then lost by the keep-alive; recovers when it talks again', async (t) => {
    const keepAliveMs = 100;
    const { twin, device, detail } = await envRig({}, { keepAliveMs, keepAliveMisses: 3 });
    await device.open();
    let lostAt = 0;
    device.once('lost', () => (lostAt = performance.now()));
    const lost = nextEvent<[DeviceError]>(device, 'lost', 3000);
    const silentAt = performance.now();
    twin.setSilent(true);
    await assert.rejects(device.read({ timeoutMs: 150 }), hasCode('ETIMEDOUT', /no answer within 150 ms/));
    const health = await device.health();
    assert.equal(health.ok, false);
    assert.equal(health.state, 'ready');
    assert.equal(health.lastError?.code, 'ETIMEDOUT');
    assert.equal((health.detail as Detail).link, 'not answering');

    const [error] = await lost;
    const detectionMs = lostAt - silentAt;
    t.diagnostic(`silent → lost: ${detectionMs.toFixed(1)} ms (keep-alive ${keepAliveMs} ms × 3 misses)`);
    assert.match(error.message, /ENODEV: no answer to 3 keep-alive PINGs in a row/);
    // The last PING answered went out at most one period before the silence: 3–4 periods later.
    assert.ok(detectionMs >= 2 * keepAliveMs && detectionMs < 8 * keepAliveMs, `lost after ${detectionMs} ms`);

    twin.setSilent(false);
    await device.open({ timeoutMs: 3000 });
    assert.equal((await device.read()).temperatureC, 22.5);
    assert.equal((await device.health()).ok, true);
    assert.ok(((await detail()).missedPings as number) >= 3, 'the counters are kept across re-opens');
  });

  it('pad: a PROMPT never acknowledged fails the collect with ETIMEDOUT after requestTimeoutMs, and the pad stays usable', async () => {
    const { twin, device } = await padRig({}, { requestTimeoutMs: 200 });
    await device.open();
    twin.hangNextCommand();
    const startedAt = performance.now();
    await assert.rejects(device.collect('Sign', { timeoutMs: 10_000 }), hasCode('ETIMEDOUT', /no answer to PROMPT within 200 ms/));
    assert.ok(performance.now() - startedAt < 2000);
    twin.setAutoSign(true);
    assert.ok((await device.collect('Sign', { timeoutMs: 10_000 })).samples.length > 20);
  });
});

describe('a slow device', () => {
  it('env: slow answers within the timeout are taken; a late answer is counted, never taken for the next one; the keep-alive keeps it', async () => {
    const { twin, device, detail } = await envRig({ latencyMs: 250 }, { keepAliveMs: 500 });
    let lostCount = 0;
    device.on('lost', () => (lostCount += 1));
    await device.open({ timeoutMs: 3000 }); // HELLO is repeated every 100 ms: the slow device answers several
    assert.ok(twin.received.filter((verb) => verb === 'HELLO').length >= 2, 'HELLO was not repeated');
    assert.equal((await device.read({ timeoutMs: 1000 })).temperatureC, 22.5);

    await assert.rejects(device.read({ timeoutMs: 100 }), hasCode('ETIMEDOUT'));
    const climate = climateEvent(device, 30, 55);
    twin.setClimate(30, 55); // events are not slowed down
    await climate;
    const snapshot = await device.read({ timeoutMs: 1000 });
    assert.deepEqual([snapshot.temperatureC, snapshot.humidityPct], [30, 55], 'the late answer (22.5) was taken for this read');
    await waitFor(async () => ((await detail()).lateAnswers as number) >= 1, 'the late answer counted');

    const change = nextEvent<[string, boolean]>(device, 'change');
    twin.setUpsOnBattery(true);
    assert.deepEqual(await change, ['upsOnBattery', true]);
    const counters = await detail();
    assert.equal(counters.lostEvents, 0, 'the repeated HELLOs broke the event numbering');
    assert.equal(counters.missedPings, 0);
    assert.equal(lostCount, 0);
  });

  it('pad: a pad that takes 300 ms per answer still shows the prompt and collects', async () => {
    // Slower than the protocol's 200 ms, so the keep-alive needs more than 300 ms per PING.
    const { twin, device } = await padRig({ latencyMs: 300, autoSign: true }, { keepAliveMs: 500 });
    await device.open({ timeoutMs: 3000 });
    const signature = await device.collect('Sign here', { timeoutMs: 10_000 });
    assert.ok(signature.samples.length > 20);
    assert.equal(twin.received.filter((verb) => verb === 'PROMPT').length, 1);
  });
});

describe('garbage bytes and partial lines', () => {
  it('env: random bytes, an overlong line, a bad checksum and half a line are discarded and counted; the next line still works', async () => {
    const { twin, device, detail } = await envRig();
    await device.open();
    const before = await detail();

    twin.sendGarbage(garbage(1, 1000)); // shorter than a line: cut only by its own newlines
    twin.sendGarbage('\n');
    twin.sendGarbage(`$${'A'.repeat(5000)}*00\r\n`);
    twin.sendGarbage(Buffer.of(0x00, 0xff, 0xfe, 0x24, 0x80, 0x0a));
    twin.sendGarbage('$2 OK*00\r\n');
    twin.sendPartialLine('$9 OK t=2');
    const climate = climateEvent(device, 25.5, 45);
    twin.setClimate(25.5, 45); // glued to the half line: still read, from its own "$"
    await climate;

    twin.sendCorruptEvent('UPS', { battery: 1 }); // uses up an event number
    let climateEvents = 0;
    device.on('climate', () => (climateEvents += 1));
    twin.sendEventAsIs('CLIMATE', { t: '500', rh: '40' }); // well framed, out of range
    const change = nextEvent<[string, boolean]>(device, 'change');
    twin.setUpsOnBattery(true);
    assert.deepEqual(await change, ['upsOnBattery', true]);
    assert.equal(climateEvents, 0, 'an out-of-range reading became an event');

    twin.replyNextWith({ ok: { t: '22.5' } });
    await assert.rejects(device.read(), hasCode('EBADMSG', /READ answer lacks/));
    assert.equal((await device.read()).upsOnBattery, true);

    const after = await detail();
    const grew = (key: string) => (after[key] as number) - (before[key] as number);
    assert.ok(grew('badLines') >= 4, `badLines grew by ${grew('badLines')}`);
    assert.equal(grew('overlongLines'), 1);
    assert.equal(grew('lostEvents'), 1);
    assert.equal(grew('badEvents'), 1);
    assert.equal(device.state, 'ready');
    assert.equal((await device.health()).ok, true);
  });

  it('pad: garbage in the middle of a signature costs only the damaged samples', async () => {
    const { twin, device, detail } = await padRig();
    await device.open();
    const before = await detail();
    const pending = device.collect('Sign here', { timeoutMs: 10_000 });
    await waitFor(() => twin.prompt === 'Sign here', 'the prompt on the pad');
    const a: PenSample = { x: 100, y: 100, pressure: 500, t: 0 };
    const b: PenSample = { x: 150, y: 120, pressure: 600, t: 10 };
    const c: PenSample = { x: 200, y: 110, pressure: 550, t: 40 };
    twin.pen(a);
    twin.sendGarbage(garbage(2, 2048));
    twin.sendGarbage('\r\n');
    twin.pen(b);
    twin.sendCorruptEvent('PEN', { x: 160, y: 120, p: 600, t: 20 });
    twin.sendEventAsIs('PEN', { x: 9999, y: 120, p: 600, t: 30 });
    twin.sendPartialLine('$! 9 PEN x=1');
    twin.pen(c);
    twin.pressButton('ok');
    const signature = await pending;
    assert.deepEqual(signature.samples, [a, b, c]);
    assert.deepEqual([signature.width, signature.height], [800, 480]);
    const after = await detail();
    assert.equal((after.lostEvents as number) - (before.lostEvents as number), 1);
    assert.equal((after.badEvents as number) - (before.badEvents as number), 1);
    assert.ok((after.badLines as number) - (before.badLines as number) >= 3);
  });
});

describe('wrong protocol version', () => {
  it('env: another major is refused at open with ENOTSUP naming both versions; the port is released; a newer minor is accepted', async () => {
    const { twin, device } = await envRig({ version: '2.0' });
    await assert.rejects(device.open({ timeoutMs: 3000 }), hasCode('ENOTSUP', /^env: open: ENOTSUP: the device speaks protocol BES\/2\.0; this driver speaks BES\/1\.x/));
    assert.equal(device.state, 'closed');
    assert.equal((await device.health()).ok, false);
    assert.deepEqual(twin.received, ['HELLO']);
    twin.setProtocolVersion('1.4');
    await device.open({ timeoutMs: 3000 }); // the port was closed, or its lock would refuse this with EBUSY
    assert.equal((await device.read()).humidityPct, 40);
  });

  it('pad: another kind of device, a proto that does not parse, ERR VERSION and a HELLO answer without geometry are refused', async () => {
    const env = await envRig();
    const padOnEnvPort = new SerialSignaturePad(
      { id: 'pad', compatible: 'booth,serial-signature-pad', clock: systemClock },
      { path: env.pair.driverPath, baudRate: 115_200, ...serialSignaturePadProps.parse({}) },
    );
    await assert.rejects(padOnEnvPort.open({ timeoutMs: 3000 }), hasCode('ENOTSUP', /speaks BES\/1\.0, not BSP: another kind of device/));

    const { twin, device } = await padRig({ version: 'x' });
    await assert.rejects(device.open({ timeoutMs: 3000 }), hasCode('EBADMSG', /no valid proto=/));
    twin.setProtocolVersion('1.0');
    twin.replyNextWith({ err: 'VERSION', msg: 'host BSP/1.0 unsupported' });
    await assert.rejects(device.open({ timeoutMs: 3000 }), hasCode('ENOTSUP', /ERR VERSION \(host BSP\/1\.0 unsupported\)/));
    twin.replyNextWith({ ok: { proto: 'BSP/1.0', model: 'M', serial: 'S', fw: '1' } });
    await assert.rejects(device.open({ timeoutMs: 3000 }), hasCode('EBADMSG', /HELLO answer has no valid width/));
    await device.open({ timeoutMs: 3000 });
    assert.equal(device.state, 'ready');
  });
});

describe("the device's own errors", () => {
  it('env: every ERR code arrives as its HAL code, and a FAULT event as the fault event', async () => {
    const { twin, device } = await envRig();
    await device.open();
    for (const code of DEVICE_ERROR_CODES) {
      twin.failNextCommand(code);
      await assert.rejects(device.read(), hasCode(code, /the device refused READ: ERR [A-Z]+ \(simulated device failure\)/));
    }
    twin.replyNextWith({ err: 'SMOKE' });
    await assert.rejects(device.read(), hasCode('EIO', /ERR SMOKE/));
    const fault = nextEvent<[DeviceError]>(device, 'fault');
    twin.raiseFault('EIO', 'humidity element failed');
    const [error] = await fault;
    assert.ok(isDeviceError(error, 'EIO'));
    assert.match(error.message, /env: fault: EIO: the device reports HW: humidity element failed/);
    assert.equal(device.state, 'ready');
  });

  it('pad: a prompt too long for the pad is refused with EBADMSG before anything is sent', async () => {
    const { twin, device } = await padRig();
    await device.open();
    const sent = twin.received.length;
    await assert.rejects(device.collect('я'.repeat(200)), hasCode('EBADMSG', /400 UTF-8 bytes; the pad shows at most 300/));
    assert.deepEqual(twin.received.slice(sent).filter((verb) => verb !== 'PING'), []);
  });
});

describe('a device still powering up', () => {
  it('env: HELLO is repeated until the device answers, so a device that ignored the first ones while booting is found', async () => {
    const { twin, device } = await envRig();
    twin.setSilent(true); // booting: it reads the line but answers nothing yet
    const opening = device.open({ timeoutMs: 3000 });
    await waitFor(() => twin.received.filter((verb) => verb === 'HELLO').length >= 2, 'two HELLOs sent into the void');
    twin.setSilent(false);
    await opening;
    assert.equal(device.state, 'ready');
    assert.equal((await device.read()).temperatureC, 22.5);
  });
});
