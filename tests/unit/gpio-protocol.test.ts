/**
 * The pure half of the GPIO drivers: request flags, timeouts as timespecs, edge events, errno →
 * HAL codes, the props schemas, and `gpio,door-lock` / `gpio,sensors` in the manifest (gpio bus
 * only, nothing touched until open).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../hal/clock.ts';
import type { DoorLock, Sensors } from '../../hal/index.ts';
import { gpioDoorLockProps } from '../../drivers/gpio-door-lock/config.ts';
import { doorStatus } from '../../drivers/gpio-door-lock/protocol.ts';
import { gpioSensorsProps } from '../../drivers/gpio-sensors/config.ts';
import { edgeEvents, inputNames } from '../../drivers/gpio-sensors/protocol.ts';
import { gpioChipOf } from '../../drivers/gpio/config.ts';
import { errnoHint, halCodeForErrno } from '../../drivers/gpio/errors.ts';
import { consumerName, edgeEvent, GpioProtocolError, inTimeOrder, isV1Version, koffiType, RequestFlag, requestFlags, timespecOf } from '../../drivers/gpio/protocol.ts';
import { ConfigError } from '../../runtime/config/errors.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';

describe('libgpiod v1 data', () => {
  it('makes request flags from active-low and bias', () => {
    assert.equal(requestFlags({ activeLow: false }), 0);
    assert.equal(requestFlags({ activeLow: true }), RequestFlag.ACTIVE_LOW);
    assert.equal(requestFlags({ activeLow: true, bias: 'pull-up' }), RequestFlag.ACTIVE_LOW | RequestFlag.BIAS_PULL_UP);
    assert.equal(requestFlags({ activeLow: false, bias: 'pull-down' }), RequestFlag.BIAS_PULL_DOWN);
    assert.equal(requestFlags({ activeLow: false, bias: 'disable' }), RequestFlag.BIAS_DISABLE);
    assert.equal(requestFlags({ activeLow: false, bias: 'as-is' }), 0);
  });

  it('turns a wait timeout into a timespec', () => {
    assert.deepEqual(timespecOf(100), { tv_sec: 0, tv_nsec: 100_000_000 });
    assert.deepEqual(timespecOf(2500), { tv_sec: 2, tv_nsec: 500_000_000 });
    assert.deepEqual(timespecOf(0), { tv_sec: 0, tv_nsec: 0 });
    assert.deepEqual(timespecOf(-5), { tv_sec: 0, tv_nsec: 0 });
    assert.deepEqual(timespecOf(1.9), { tv_sec: 0, tv_nsec: 1_000_000 });
  });

  it('reads a rising edge as "went active", a falling one as "went inactive", and refuses others', () => {
    assert.deepEqual(edgeEvent(7, { ts: { tv_sec: 12, tv_nsec: 345 }, event_type: 1 }), { offset: 7, active: true, timestampNs: 12_000_000_345n });
    assert.deepEqual(edgeEvent(7, { ts: { tv_sec: 0n, tv_nsec: 5n }, event_type: 2 }), { offset: 7, active: false, timestampNs: 5n });
    assert.throws(() => edgeEvent(7, { ts: { tv_sec: 0, tv_nsec: 0 }, event_type: 3 }), GpioProtocolError);
  });

  it('orders the events of several lines by their timestamps, stable for ties', () => {
    const event = (offset: number, timestampNs: bigint) => ({ offset, active: true, timestampNs });
    assert.deepEqual(
      inTimeOrder([event(1, 30n), event(2, 10n), event(3, 30n), event(4, 20n)]).map((e) => e.offset),
      [2, 4, 1, 3],
    );
  });

  it('maps errno names to HAL codes, with hints a technician can act on', () => {
    assert.equal(halCodeForErrno('ENOENT'), 'ENODEV');
    assert.equal(halCodeForErrno('ENODEV'), 'ENODEV');
    assert.equal(halCodeForErrno('ENOTTY'), 'ENODEV');
    assert.equal(halCodeForErrno('EBUSY'), 'EBUSY');
    assert.equal(halCodeForErrno('EINVAL'), 'ENOTSUP');
    assert.equal(halCodeForErrno('EACCES'), 'EIO');
    assert.equal(halCodeForErrno('EIO'), 'EIO');
    assert.match(errnoHint('EACCES') ?? '', /permission denied/);
    assert.match(errnoHint('ENOENT') ?? '', /no such GPIO chip/);
  });

  it('accepts libgpiod 1.x only, names consumers after the device, and passes struct pointers as void *', () => {
    assert.ok(isV1Version('1.6.3'));
    assert.ok(!isV1Version('2.1'));
    assert.equal(consumerName('door'), 'boothd:door');
    assert.equal(consumerName('x'.repeat(40)).length, 31);
    assert.equal(koffiType('struct gpiod_line *'), 'void *');
    assert.equal(koffiType('const struct timespec *'), 'void *');
    assert.equal(koffiType('const char *'), 'const char *');
    assert.equal(koffiType('unsigned int'), 'unsigned int');
  });
});

describe('gpio,* props and pure mappings', () => {
  it('gives the door lock its defaults and refuses a line used twice', () => {
    const props = gpioDoorLockProps.parse({ relay: { line: 17 }, doorContact: { line: 22, activeLow: true } });
    assert.deepEqual(props.relay, { line: 17, activeLow: false });
    assert.deepEqual(props.doorContact, { line: 22, activeLow: true, bias: 'as-is', debounceMs: 20, debounce: 'settle' });
    assert.equal(props.boltConfirmMs, 500);
    assert.equal(props.watchMs, 500);
    const twice = gpioDoorLockProps.safeParse({ relay: { line: 17 }, boltSensor: { line: 17 } });
    assert.ok(!twice.success);
    assert.match(JSON.stringify(twice.error.issues), /line 17 is already used by relay\.line/);
    assert.ok(!gpioDoorLockProps.safeParse({ relay: { line: 17, pin: 3 } }).success, 'unknown keys are errors');
  });

  it('gives the sensors their debounce defaults (leading for what acts on the door), and wants an input', () => {
    const props = gpioSensorsProps.parse({ inputs: { 'exit-button': { line: 23 }, occupancy: { line: 25, bias: 'pull-down' } } });
    assert.equal(props.inputs['exit-button']?.debounce, 'leading');
    assert.equal(props.inputs['exit-button']?.debounceMs, 30);
    assert.equal(props.inputs.occupancy?.debounce, 'settle');
    assert.equal(props.inputs.occupancy?.bias, 'pull-down');
    assert.ok(!gpioSensorsProps.safeParse({ inputs: {} }).success);
    assert.ok(!gpioSensorsProps.safeParse({ inputs: { tamper: { line: 3 }, ups: { line: 3 } } }).success);
  });

  it('reports the bolt from the sensor when there is one, the relay otherwise', () => {
    assert.deepEqual(doorStatus({ relayEnergised: true, boltEngaged: undefined, doorOpen: undefined }), { bolt: 'locked', contact: 'closed' });
    assert.deepEqual(doorStatus({ relayEnergised: true, boltEngaged: false, doorOpen: true }), { bolt: 'unlocked', contact: 'open' });
  });

  it('orders inputs and says which edges are events', () => {
    assert.deepEqual(inputNames({ tamper: {}, 'fire-alarm': {}, 'exit-button': {} }), ['exit-button', 'fire-alarm', 'tamper']);
    assert.deepEqual(edgeEvents('exit-button', true, false), ['exit-button']);
    assert.deepEqual(edgeEvents('exit-button', true, true), [], 'a button held at open is not a press');
    assert.deepEqual(edgeEvents('exit-button', false, false), []);
    assert.deepEqual(edgeEvents('fire-alarm', false, true), ['fire-alarm']);
    assert.deepEqual(edgeEvents('occupancy', true, false), []);
  });

  it('takes the chip from a gpio bus only', () => {
    assert.equal(gpioChipOf({ type: 'gpio', chip: 'gpiochip0' }, 'door'), 'gpiochip0');
    assert.throws(() => gpioChipOf({ type: 'serial' }, 'door'), /door: a GPIO device needs bus \{ type: gpio, chip \}/);
  });
});

describe('gpio,* in the manifest', () => {
  const registry = builtinDrivers();
  const manifest = (devices: string) => `
booth: { id: booth-7 }
stateDir: state
devices:
${devices}
`;
  const problems = (text: string): string[] => {
    try {
      parseConfig(text, 'booth.yaml', { registry, env: {} });
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return [...error.problems];
    }
    assert.fail('accepted');
  };

  it('builds both devices on the gpio bus without touching the chip, and their open names the missing chip', async () => {
    const loaded = parseConfig(
      manifest(`  - id: door
    compatible: gpio,door-lock
    bus: { type: gpio, chip: gpiochip999 }
    props: { relay: { line: 17 }, boltSensor: { line: 18 }, doorContact: { line: 22, activeLow: true } }
  - id: sensors
    compatible: gpio,sensors
    bus: { type: gpio, chip: gpiochip999 }
    props: { inputs: { exit-button: { line: 23, activeLow: true }, fire-alarm: { line: 24, activeLow: true } } }`),
      'booth.yaml',
      { registry, env: {} },
    );
    const [doorEntry, sensorsEntry] = loaded.devices;
    assert.ok(doorEntry && sensorsEntry);
    const create = (resolved: typeof doorEntry) =>
      resolved.driver.create({ id: resolved.entry.id, compatible: resolved.entry.compatible, bus: resolved.entry.bus, clock: systemClock, stateDir: '/tmp' }, resolved.props);
    const door = create(doorEntry) as DoorLock;
    const sensors = create(sensorsEntry) as Sensors;
    assert.equal(door.state, 'closed');
    assert.deepEqual([...door.capabilities].sort(), ['bolt-sensor', 'door-contact', 'forced-entry-detect']);
    assert.deepEqual([...sensors.capabilities].sort(), ['exit-button', 'fire-alarm']);
    for (const device of [door, sensors]) {
      await assert.rejects(device.open({ timeoutMs: 2000 }), (error: unknown) => {
        const { code, message } = error as { code?: string; message: string };
        // ENODEV naming the chip; ENOTSUP when libgpiod itself is not installed on this machine.
        assert.ok(code === 'ENODEV' ? message.includes('"gpiochip999"') : code === 'ENOTSUP' && /libgpiod/.test(message), message);
        return true;
      });
    }
  });

  it('is refused on another bus, and bad props are named by their path', () => {
    assert.match(problems(manifest(`  - id: door
    compatible: gpio,door-lock
    props: { relay: { line: 17 } }`)).join('\n'), /cannot sit on a "sim" bus; expected gpio/);
    assert.match(problems(manifest(`  - id: sensors
    compatible: gpio,sensors
    bus: { type: gpio, chip: gpiochip0 }
    props: { inputs: { exit-button: { line: -1 } } }`)).join('\n'), /devices\[0\]\.props\.inputs\.exit-button\.line/);
  });
});
