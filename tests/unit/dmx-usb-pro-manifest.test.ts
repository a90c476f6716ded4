/** `enttec,dmx-usb-pro` in the driver table: serial bus only, props checked, swappable with `sim,lighting`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../hal/clock.ts';
import type { Lighting } from '../../hal/lighting.ts';
import { ConfigError } from '../../runtime/config/errors.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';

const registry = builtinDrivers();

const manifest = (device: string) => `
booth: { id: booth-7 }
stateDir: state
devices:
${device}
`;

function problems(text: string): string[] {
  try {
    parseConfig(text, 'booth.yaml', { registry, env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  assert.fail('accepted');
}

describe('enttec,dmx-usb-pro in the manifest', () => {
  it('is accepted on a serial bus and builds a lighting device with the simulator’s channel and scene names', () => {
    const loaded = parseConfig(
      manifest(`  - id: lights
    compatible: enttec,dmx-usb-pro
    bus: { type: serial, path: /dev/ttyUSB0 }
    props: { fadeMs: 300, channels: { key: { slot: 1, fineSlot: 2 }, fill: { slot: 3, fineSlot: 4 }, ambient: 5, scanner: 6 } }`),
      'booth.yaml',
      { registry, env: {} },
    );
    const [resolved] = loaded.devices;
    assert.ok(resolved);
    const context = { id: 'lights', compatible: resolved.entry.compatible, bus: resolved.entry.bus, clock: systemClock, stateDir: '/tmp' };
    const dmx = resolved.driver.create(context, resolved.props) as Lighting;
    const simEntry = registry.get('sim,lighting');
    assert.ok(simEntry);
    const sim = simEntry.create({ ...context, compatible: 'sim,lighting', bus: { type: 'sim' } }, simEntry.props.parse({})) as Lighting;
    assert.equal(dmx.deviceClass, 'lighting');
    assert.equal(dmx.state, 'closed', 'creating the device touches no hardware');
    assert.deepEqual(dmx.channels, sim.channels);
    assert.deepEqual(dmx.scenes, sim.scenes);
  });

  it('is refused on another bus, and bad props are named by their path', () => {
    const onSim = problems(manifest(`  - id: lights
    compatible: enttec,dmx-usb-pro`));
    assert.match(onSim.join('\n'), /cannot sit on a "sim" bus; expected serial/);
    const badSlot = problems(manifest(`  - id: lights
    compatible: enttec,dmx-usb-pro
    bus: { type: serial, path: /dev/ttyUSB0 }
    props: { channels: { key: 600 } }`));
    assert.match(badSlot.join('\n'), /devices\[0\]\.props\.channels\.key/);
  });
});
