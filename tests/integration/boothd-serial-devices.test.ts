/**
 * The real boothd process on the real line-protocol drivers: the signature pad and the env
 * sensor on socat PTY pairs, their wire twins in this test process. Unplugging the pad's PTY
 * gives the pad a Sparkplug DDEATH (the sensor stays up); plugging it back in gives a DBIRTH
 * once the device manager has re-opened it — without restarting boothd.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { EnvSensorTwin } from '../../simulator/wire/env-sensor-twin.ts';
import { PtyPair } from '../../simulator/wire/pty-pair.ts';
import { SignaturePadTwin } from '../../simulator/wire/signature-pad-twin.ts';
import { BoothdSandbox } from '../support/boothd-process.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodePayload } from '../../protocols/sparkplug/payload.ts';
import { aliasTable, metricNamed, SparkplugObserver } from '../support/sparkplug-observer.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

const booth = (padPath: string, envPath: string) => (stateDir: string) => `
booth: { id: serial-01, group: wire }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 } }
sparkplug: { sampleSeconds: 5, dataBatchMs: 20 }
supervisor: { retryInitialMs: 100, retryMaxMs: 400, retryJitter: 0.1 }
devices:
  - id: pad
    compatible: booth,serial-signature-pad
    bus: { type: serial, path: ${padPath}, baudRate: 115200 }
    props: { keepAliveMs: 250, helloRetryMs: 100 }
  - id: env
    compatible: booth,serial-env-sensor
    bus: { type: serial, path: ${envPath}, baudRate: 115200 }
    props: { keepAliveMs: 250, helloRetryMs: 100 }
`;

describe('boothd on the serial line-protocol drivers', () => {
  it('publishes DDEATH for the pad when its PTY is unplugged and DBIRTH when it is plugged back in', async () => {
    const padPair = await PtyPair.open();
    const pad = new SignaturePadTwin(padPair, { autoSign: false });
    cleanups.push(() => pad.close());
    const envPair = await PtyPair.open();
    const env = new EnvSensorTwin(envPair, { temperatureC: 23.5, humidityPct: 38 });
    cleanups.push(() => env.close());
    await Promise.all([pad.attach(), env.attach()]);

    const box = new BoothdSandbox(booth(padPair.driverPath, envPair.driverPath));
    cleanups.push(() => box.cleanup());
    const run = box.start();
    const running = await run.waitForLine((line) => line.msg?.startsWith('boothd running'), 'boothd running');
    await run.waitForLine((line) => line.msg === 'pad ready (BoothPad SP-8)', 'the pad opened');
    await run.waitForLine((line) => line.msg === 'env ready (BoothEnv TH-2U)', 'the env sensor opened');
    const observer = await SparkplugObserver.connect(String(running.broker));
    cleanups.push(() => observer.close());

    const status = await run.control('status');
    const devices = (status.result as { devices: Array<{ id: string; ok: boolean; state: string }> }).devices;
    assert.deepEqual(devices.map((d) => [d.id, d.state, d.ok]), [['pad', 'ready', true], ['env', 'ready', true]]);

    // The births went out before we subscribed: ask for them again (rebirth needs no signature).
    const mark = observer.mark();
    const rebirth = encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }] });
    await observer.publish('spBv1.0/wire/NCMD/serial-01', rebirth);
    const envBirth = await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === 'env', 'DBIRTH env', 10_000, mark);
    assert.equal(metricNamed(envBirth.payload, 'Health/OK')?.boolean_value, true);
    assert.equal(metricNamed(envBirth.payload, 'Sensors/UPS On Battery')?.boolean_value, false);
    await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === 'pad', 'DBIRTH pad', 10_000, mark);

    await pad.unplug();
    const ddeath = await observer.waitFor((m) => m.type === 'DDEATH' && m.device === 'pad', 'DDEATH pad', 10_000, mark);
    await run.waitForLine((line) => line.msg?.startsWith('pad lost: pad: transport: ENODEV') ?? false, 'the loss logged');
    const lostStatus = await run.control('status');
    const padRow = (lostStatus.result as { devices: Array<{ id: string; ok: boolean; lastError?: { code: string } }> }).devices.find((d) => d.id === 'pad');
    assert.equal(padRow?.ok, false);
    assert.equal(padRow?.lastError?.code, 'ENODEV');

    await pad.replug();
    const dbirth = await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === 'pad' && m.index > ddeath.index, 'DBIRTH pad', 10_000, mark);
    assert.equal(metricNamed(dbirth.payload, 'Info/Model')?.string_value, 'BoothPad SP-8');
    assert.equal(metricNamed(dbirth.payload, 'Info/Compatible')?.string_value, 'booth,serial-signature-pad');
    assert.equal(metricNamed(dbirth.payload, 'Connection/State')?.string_value, 'ready');
    assert.ok(
      !observer.messages.slice(mark).some((m) => m.type === 'DDEATH' && m.device === 'env'),
      'the env sensor went down with the pad',
    );

    // The sensor's readings reach Sparkplug through the driver and the wire.
    const upsAlias = aliasTable(envBirth.payload).get('Sensors/UPS On Battery');
    env.setUpsOnBattery(true);
    await observer.waitFor(
      (m) => m.type === 'DDATA' && m.device === 'env' && (m.payload?.metrics.some((metric) => metric.alias === upsAlias && metric.boolean_value === true) ?? false),
      'DDATA env: Sensors/UPS On Battery = true',
      10_000,
      mark,
    );
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });
});
