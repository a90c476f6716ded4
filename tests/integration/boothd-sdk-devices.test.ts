/**
 * The real boothd process on the vendor SDK drivers (the simulated BioSDK built by `make sdk`):
 * pulling the scanner's USB cable inside boothd's process gives a Sparkplug DDEATH for the scanner
 * only, plugging it back a DBIRTH once the device manager has re-opened it — without restarting
 * boothd — and the camera on the same SDK stays up throughout.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { SIM_BIO_SCANNER_SERIAL, simBioSdkLibraryPath } from '../../simulator/sdk/controls.ts';
import { BoothdSandbox } from '../support/boothd-process.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodePayload } from '../../protocols/sparkplug/payload.ts';
import { metricNamed, SparkplugObserver } from '../support/sparkplug-observer.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

const booth = (library: string) => (stateDir: string) => `
booth: { id: sdk-01, group: wire }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 } }
sparkplug: { sampleSeconds: 5, dataBatchMs: 20 }
supervisor: { retryInitialMs: 100, retryMaxMs: 400, retryJitter: 0.1 }
devices:
  - { id: scanner, compatible: "biosdk,fingerprint", bus: { type: sdk, library: ${library} } }
  - { id: camera, compatible: "biosdk,camera", bus: { type: sdk, library: ${library} } }
`;

describe('boothd on the vendor SDK drivers', () => {
  it('publishes DDEATH for the scanner when its cable is pulled and DBIRTH when it is back; the camera stays up', async () => {
    const box = new BoothdSandbox(booth(simBioSdkLibraryPath()));
    cleanups.push(() => box.cleanup());
    const run = box.start();
    const running = await run.waitForLine((line) => line.msg?.startsWith('boothd running') === true, 'boothd running');
    await run.waitForLine((line) => /^scanner ready/.test(line.msg ?? ''), 'the scanner opened');
    await run.waitForLine((line) => /^camera ready/.test(line.msg ?? ''), 'the camera opened');
    const observer = await SparkplugObserver.connect(String(running.broker));
    cleanups.push(() => observer.close());

    const mark = observer.mark();
    const rebirth = encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }] });
    await observer.publish('spBv1.0/wire/NCMD/sdk-01', rebirth);
    await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === 'scanner', 'DBIRTH scanner', 10_000, mark);

    const unplugged = await run.control('sim.sdk-unplug', { serial: SIM_BIO_SCANNER_SERIAL });
    assert.equal(unplugged.ok, true, unplugged.error);
    const ddeath = await observer.waitFor((m) => m.type === 'DDEATH' && m.device === 'scanner', 'DDEATH scanner', 10_000, mark);
    const lost = await run.control('status');
    const scanner = (lost.result as { devices: Array<{ id: string; ok: boolean; lastError?: { code: string } }> }).devices.find((d) => d.id === 'scanner');
    assert.equal(scanner?.ok, false);
    assert.equal(scanner?.lastError?.code, 'ENODEV');

    assert.equal((await run.control('sim.sdk-replug', { serial: SIM_BIO_SCANNER_SERIAL })).ok, true);
    const dbirth = await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === 'scanner' && m.index > ddeath.index, 'DBIRTH scanner after replug', 10_000, mark);
    assert.equal(metricNamed(dbirth.payload, 'Info/Compatible')?.string_value, 'biosdk,fingerprint');
    assert.equal(metricNamed(dbirth.payload, 'Info/Serial')?.string_value, SIM_BIO_SCANNER_SERIAL);
    assert.equal(metricNamed(dbirth.payload, 'Connection/State')?.string_value, 'ready');
    assert.ok(!observer.messages.slice(mark).some((m) => m.type === 'DDEATH' && m.device === 'camera'), 'the camera stayed up');

    const bad = await run.control('sim.sdk-unplug', { serial: 7 });
    assert.equal(bad.ok, false);
    assert.match(bad.error ?? '', /args\.serial must be a device serial/);
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });
});
