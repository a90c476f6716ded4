/**
 * The real boothd process on the DMX lighting driver, the widget's twin on a socat PTY pair in
 * this test process: a scene commanded over Sparkplug reaches the DMX slots on the wire; pulling
 * the widget's cable gives a DDEATH, plugging it back a DBIRTH, and the lights come back to the
 * levels boothd holds — without restarting boothd.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DmxWidgetTwin } from '../../simulator/wire/dmx-widget-twin.ts';
import { BoothdSandbox } from '../support/boothd-process.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodePayload } from '../../protocols/sparkplug/payload.ts';
import { metricNamed, SparkplugObserver } from '../support/sparkplug-observer.ts';
import { waitFor } from '../support/wait.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

const booth = (path: string) => (stateDir: string) => `
booth: { id: dmx-01, group: wire }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 } }
sparkplug: { sampleSeconds: 5, dataBatchMs: 20 }
supervisor: { retryInitialMs: 100, retryMaxMs: 400, retryJitter: 0.1 }
devices:
  - id: lights
    compatible: enttec,dmx-usb-pro
    bus: { type: serial, path: ${path}, baudRate: 115200 }
    props: { keepAliveMs: 200, refreshMs: 200 }
`;

describe('boothd on the DMX lighting driver', () => {
  it('drives the slots on the wire, and publishes DDEATH on unplug and DBIRTH on replug with the levels restored', async () => {
    const widget = await DmxWidgetTwin.start();
    cleanups.push(() => widget.close());
    const box = new BoothdSandbox(booth(widget.pair.driverPath));
    cleanups.push(() => box.cleanup());
    const run = box.start();
    const running = await run.waitForLine((line) => line.msg?.startsWith('boothd running'), 'boothd running');
    await run.waitForLine((line) => /^lights ready/.test(line.msg ?? ''), 'the widget opened');
    const observer = await SparkplugObserver.connect(String(running.broker));
    cleanups.push(() => observer.close());

    // A direct level through boothctl's device action, through boothd: the key light's slots move.
    const set = await run.control('device.action', { device: 'lights', action: 'light', args: { level: 100, channel: 'ambient' } });
    assert.equal(set.ok, true, set.error);
    const levels = (set.result as { data: { levels: Record<string, number> } }).data.levels;
    assert.equal(levels.ambient, 100);
    await waitFor(() => [...Array(512).keys()].some((slot) => widget.slot(slot + 1) === 255), 'a slot at full on the wire', 5000, 10);
    const litSlots = [...Array(512).keys()].map((slot) => slot + 1).filter((slot) => widget.slot(slot) === 255);

    const mark = observer.mark();
    const rebirth = encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }] });
    await observer.publish('spBv1.0/wire/NCMD/dmx-01', rebirth);
    await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === 'lights', 'DBIRTH lights', 10_000, mark);

    await widget.unplug();
    const ddeath = await observer.waitFor((m) => m.type === 'DDEATH' && m.device === 'lights', 'DDEATH lights', 10_000, mark);
    await widget.replug();
    const dbirth = await observer.waitFor((m) => m.type === 'DBIRTH' && m.device === 'lights' && m.index > ddeath.index, 'DBIRTH lights after replug', 10_000, mark);
    assert.equal(metricNamed(dbirth.payload, 'Info/Compatible')?.string_value, 'enttec,dmx-usb-pro');
    assert.equal(metricNamed(dbirth.payload, 'Connection/State')?.string_value, 'ready');
    // The replugged widget gets the levels boothd holds (it would otherwise stay dark).
    await waitFor(() => litSlots.every((slot) => widget.slot(slot) === 255), 'the ambient slots back at full after replug', 5000, 10);

    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });
});
