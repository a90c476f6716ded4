/**
 * The faults every driver must survive (issue 5), on the Firmata drivers against the board twin:
 * one board shared by three devices, unplug/replug, garbage and a report cut by noise, a board
 * that stops answering (at open and later), a slow board, a wrong protocol version, a firmware
 * without a needed pin mode, a board that restarts on its own — and the door released through all
 * of it. Every wait is bounded; the heartbeat runs at test speed (FAST_BOARD).
 */
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import { SerialPort } from 'serialport';
import { FirmataBoards } from '../../drivers/firmata/board-registry.ts';
import { FirmataDoorLock, firmataDoorLockProps } from '../../drivers/firmata-door-lock/index.ts';
import { FirmataPwmLighting, firmataPwmLightingProps } from '../../drivers/firmata-pwm-lighting/index.ts';
import { FirmataSensors, firmataSensorsProps } from '../../drivers/firmata-sensors/index.ts';
import { systemClock } from '../../hal/clock.ts';
import { isDeviceError, type DeviceError } from '../../hal/index.ts';
import { ARDUINO_UNO } from '../../simulator/wire/firmata-board-profiles.ts';
import type { FirmataTwinOptions } from '../../simulator/wire/firmata-board-twin.ts';
import { BOOTH_WIRING, DOOR_PROPS, FAST_BOARD, firmataBooth, LIGHTING_PROPS, PIN, SENSORS_PROPS, type FirmataBooth } from '../support/firmata-rig.ts';
import { nextEvent, waitFor } from '../support/wait.ts';

let booth: FirmataBooth | undefined;
let devices: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const device of devices) await device.close();
  devices = [];
  await booth?.close();
  booth = undefined;
});

async function firmataDevices(options: FirmataTwinOptions = {}, doorProps: object = DOOR_PROPS) {
  booth = await firmataBooth(options, { ...BOOTH_WIRING, relay: { pin: PIN.relay, ...((doorProps as { relay?: { activeLow?: boolean } }).relay ?? {}) } });
  const boards = new FirmataBoards();
  const on = { boards, path: booth.pair.driverPath, baudRate: 57_600 };
  const context = (id: string, compatible: string) => ({ id, compatible, clock: systemClock });
  const door = new FirmataDoorLock(context('door', 'firmata,door-lock'), firmataDoorLockProps.parse(doorProps), on);
  const sensors = new FirmataSensors(context('sensors', 'firmata,sensors'), firmataSensorsProps.parse(SENSORS_PROPS), on);
  const lights = new FirmataPwmLighting(context('lights', 'firmata,pwm-lighting'), firmataPwmLightingProps.parse(LIGHTING_PROPS), on);
  devices = [lights, sensors, door];
  return { booth, boards, door, sensors, lights };
}

const openAll = async (...list: Array<{ open(options: { timeoutMs: number }): Promise<unknown> }>) => {
  for (const device of list) await device.open({ timeoutMs: 5000 });
};

/** Whether another program could open the serial port now (the driver let go of its lock). */
async function portIsFree(path: string): Promise<boolean> {
  const port = new SerialPort({ path, baudRate: 57_600, autoOpen: false });
  const opened = await new Promise<boolean>((resolve) => port.open((error) => resolve(!error)));
  if (opened) await new Promise<void>((resolve) => port.close(() => resolve()));
  return opened;
}

function countEvents(emitter: unknown, event: string): { count: number; args: unknown[][] } {
  const seen = { count: 0, args: [] as unknown[][] };
  (emitter as EventEmitter).on(event, (...args: unknown[]) => {
    seen.count += 1;
    seen.args.push(args);
  });
  return seen;
}

describe('one Firmata board, three devices', () => {
  it('shares one connection and handshake; the last close lets go of the port', async () => {
    const { booth, boards, door, sensors, lights } = await firmataDevices();
    await openAll(door, sensors, lights);
    assert.equal(boards.size, 1);
    assert.equal(booth.twin.received.get('sysex-6b'), 1, 'one capability query for three devices');
    assert.equal(await portIsFree(booth.pair.driverPath), false, 'the open board holds the port');
    await lights.close();
    await door.lock();
    assert.equal(booth.rig.physicalBolt, 'locked');
    await door.close();
    assert.equal(booth.rig.relayEnergised, false, 'closing the lock releases the relay');
    assert.equal(boards.size, 1, 'sensors still hold the board');
    assert.equal((await sensors.read()).exitButtonPressed, false);
    await sensors.close();
    assert.equal(boards.size, 0);
    assert.equal(await portIsFree(booth.pair.driverPath), true, 'the port is released after the last close');
  });

  it('writes outputs one pin at a time, never a whole port', async () => {
    const { booth, door, sensors, lights } = await firmataDevices();
    await openAll(door, sensors, lights);
    await door.lock();
    await lights.setScene('idle');
    await door.unlock();
    assert.ok((booth.twin.received.get('set-pin-value') ?? 0) >= 3);
    assert.equal(booth.twin.received.get('digital-port'), undefined, 'a DIGITAL_MESSAGE write would also set the pull-ups of input pins on its port');
  });

  it('refuses a pin another device already uses, with EBUSY naming it', async () => {
    const { booth, boards, door } = await firmataDevices();
    await door.open({ timeoutMs: 5000 });
    const intruder = new FirmataPwmLighting(
      { id: 'intruder', compatible: 'firmata,pwm-lighting', clock: systemClock },
      firmataPwmLightingProps.parse({ channels: { lamp: { pin: PIN.relay, dimmable: false } }, board: FAST_BOARD }),
      { boards, path: booth.pair.driverPath, baudRate: 57_600 },
    );
    await assert.rejects(intruder.open({ timeoutMs: 2000 }), (error) => isDeviceError(error, 'EBUSY') && /pin 7 \(lamp\) is already used by door/.test(error.message));
    assert.equal((await door.status()).bolt, 'unlocked', 'the door is unaffected');
  });
  it('refuses a device asking for other board settings than the open connection, naming them', async () => {
    const { booth, boards, door } = await firmataDevices();
    await door.open({ timeoutMs: 5000 });
    const other = new FirmataSensors(
      { id: 'other', compatible: 'firmata,sensors', clock: systemClock },
      firmataSensorsProps.parse({ inputs: { tamper: { pin: PIN.tamper } } }),
      { boards, path: booth.pair.driverPath, baudRate: 57_600 },
    );
    await assert.rejects(other.open({ timeoutMs: 2000 }), (error) => isDeviceError(error, 'EBUSY') && /already open by door with board\.heartbeatMs 100 \(asked: 1000\)/.test(error.message));
  });
});

describe('unplug and replug', () => {
  it('loses every device on the board once (ENODEV) with the lock released, and each recovers by re-opening', async () => {
    const { booth, boards, door, sensors, lights } = await firmataDevices();
    await openAll(door, sensors, lights);
    await door.lock();
    const lost = [door, sensors, lights].map((device) => countEvents(device, 'lost'));
    const allLost = Promise.all([door, sensors, lights].map((device) => nextEvent<[DeviceError]>(device as unknown as EventEmitter, 'lost', 3000)));
    await booth.twin.unplug();
    assert.equal(booth.rig.physicalBolt, 'unlocked', 'no power, no lock');
    for (const [error] of await allLost) assert.ok(isDeviceError(error, 'ENODEV'), String(error));
    assert.deepEqual([door.state, sensors.state, lights.state], ['lost', 'lost', 'lost']);
    assert.equal((await door.health()).ok, false);
    await assert.rejects(door.status({ timeoutMs: 500 }), (error) => isDeviceError(error, 'ENODEV'));
    await assert.rejects(door.open({ timeoutMs: 500 }), (error) => isDeviceError(error, 'ENODEV'));

    await booth.twin.replug();
    await door.open({ timeoutMs: 5000 });
    assert.equal((await door.status()).bolt, 'unlocked');
    assert.equal(sensors.state, 'lost', 'a device stays lost until it is opened again');
    await openAll(sensors, lights);
    assert.equal(boards.size, 1);
    const pressed = nextEvent(sensors as unknown as EventEmitter, 'exit-button', 2000);
    booth.rig.pressExitButton();
    await pressed;
    assert.deepEqual(lost.map((seen) => seen.count), [1, 1, 1]);
  });
});

describe('inputs when a device opens, and contact bounce', () => {
  it('reports a fire alarm already active at open, and its clearing across a re-open', async () => {
    const { booth, sensors } = await firmataDevices();
    booth.rig.setFireAlarm(true);
    booth.rig.setExitButton(true);
    const alarms = countEvents(sensors, 'fire-alarm');
    const presses = countEvents(sensors, 'exit-button');
    await sensors.open({ timeoutMs: 5000 });
    assert.deepEqual(alarms.args, [[true]], 'the door guard must learn of the alarm');
    assert.equal(presses.count, 0, 'a button already held is not a press');
    const snapshot = await sensors.read();
    assert.equal(snapshot.fireAlarm && snapshot.exitButtonPressed, true);
    await booth.twin.unplug();
    booth.rig.setFireAlarm(false);
    await booth.twin.replug();
    await sensors.open({ timeoutMs: 5000 });
    assert.deepEqual(alarms.args, [[true], [false]], 'cleared while the board was away: reported on re-open');
  });

  it('turns a bouncing press into one exit-button event, at its first edge', async () => {
    const { booth, sensors } = await firmataDevices();
    await sensors.open({ timeoutMs: 5000 });
    const presses = countEvents(sensors, 'exit-button');
    const changes = countEvents(sensors, 'change');
    const first = nextEvent(sensors as unknown as EventEmitter, 'exit-button', 2000);
    for (const pressed of [true, false, true, false, true]) booth.rig.setExitButton(pressed);
    await first;
    // Past the 30 ms lock-out the level (still pressed) is looked at again: no second event.
    const released = nextEvent<[string, boolean]>(sensors as unknown as EventEmitter, 'change', 2000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    booth.rig.setExitButton(false);
    assert.deepEqual(await released, ['exitButtonPressed', false]);
    assert.equal(presses.count, 1);
    assert.deepEqual(changes.args, [
      ['exitButtonPressed', true],
      ['exitButtonPressed', false],
    ]);
  });
});

describe('garbage on the line', () => {
  it('reports EBADMSG once per burst on every device, invents no input change, and keeps working', async () => {
    const { booth, door, sensors, lights } = await firmataDevices();
    await openAll(door, sensors, lights);
    const faults = [door, sensors, lights].map((device) => countEvents(device, 'fault'));
    const changes = countEvents(sensors, 'change');
    const faulted = nextEvent<[DeviceError]>(door as unknown as EventEmitter, 'fault', 2000);
    booth.twin.sendGarbage();
    booth.twin.sendGarbage();
    const [error] = await faulted;
    assert.ok(isDeviceError(error, 'EBADMSG'), String(error));
    assert.match(error.message, /garbage/);
    await waitFor(() => faults.every((seen) => seen.count >= 1), 'a fault on every device', 2000);
    assert.deepEqual((await door.lock()).bolt, 'locked');
    assert.deepEqual((await door.unlock()).bolt, 'unlocked');
    assert.equal((await sensors.read()).exitButtonPressed, false);
    await lights.setLevel('key', 30);
    assert.equal(changes.count, 0, 'garbage must not look like an input change');
    assert.ok(faults.every((seen) => seen.count === 1), `one fault per burst, got ${faults.map((seen) => seen.count)}`);
    assert.ok(Number((await door.health()).detail?.garbageBytes) > 0);
  });

  it('does not let a malformed message reach firmata-io (which would throw inside the serial data event)', async () => {
    const { booth, door, sensors } = await firmataDevices();
    await openAll(door, sensors);
    const faulted = nextEvent<[DeviceError]>(sensors as unknown as EventEmitter, 'fault', 2000);
    // A firmware report without its version bytes, then an analog mapping longer than the board.
    booth.twin.sendGarbage([0xf0, 0x79, 0xf7, 0xf0, 0x6a, ...Array.from({ length: 40 }, () => 0), 0xf7]);
    assert.ok(isDeviceError((await faulted)[0], 'EBADMSG'));
    assert.equal((await door.status()).bolt, 'unlocked');
    assert.equal(door.state, 'ready', 'an unasked firmware report that does not parse is not a restart');
  });

  it('recovers an input report cut short by noise: the board is asked to report its inputs again', async () => {
    const { booth, sensors } = await firmataDevices();
    await sensors.open({ timeoutMs: 5000 });
    const occupied = nextEvent<[string, boolean]>(sensors as unknown as EventEmitter, 'change', 3000);
    booth.twin.corruptNextReport();
    booth.rig.setOccupied(true);
    assert.deepEqual(await occupied, ['occupied', true]);
    assert.equal((await sensors.read()).occupied, true);
  });
});

describe('a board that stops answering', () => {
  it('fails the open with ETIMEDOUT and lets go of the port; opens once the board speaks again', async () => {
    const { booth, boards, door } = await firmataDevices();
    booth.twin.goSilent(true);
    await assert.rejects(door.open({ timeoutMs: 500 }), (error) => isDeviceError(error, 'ETIMEDOUT'));
    assert.equal(door.state, 'closed');
    assert.equal(boards.size, 0);
    assert.equal(await portIsFree(booth.pair.driverPath), true);
    booth.twin.goSilent(false);
    await door.open({ timeoutMs: 5000 });
    assert.equal((await door.status()).bolt, 'unlocked');
  });

  it('is lost within the heartbeat timeout when it hangs later, and recovers by re-opening', async () => {
    const { booth, door, sensors } = await firmataDevices();
    await openAll(door, sensors);
    const lost = nextEvent<[DeviceError]>(door as unknown as EventEmitter, 'lost', 2000);
    const started = Date.now();
    booth.twin.goSilent(true);
    const [error] = await lost;
    assert.ok(isDeviceError(error, 'ENODEV'));
    assert.match(error.message, /stopped answering/);
    assert.ok(Date.now() - started < 1000, 'heartbeat timeout is 400 ms');
    assert.equal(sensors.state, 'lost');
    booth.twin.goSilent(false);
    await openAll(door, sensors);
    assert.equal((await door.status()).bolt, 'unlocked');
  });

  it('answers a slow board within a long enough timeout, and ETIMEDOUT within a short one', async () => {
    const { booth, door } = await firmataDevices();
    await door.open({ timeoutMs: 5000 });
    booth.twin.setLatency(150);
    await assert.rejects(door.status({ timeoutMs: 50 }), (error) => isDeviceError(error, 'ETIMEDOUT'));
    assert.equal((await door.status({ timeoutMs: 2000 })).bolt, 'unlocked');
    assert.equal((await door.lock({ timeoutMs: 3000 })).bolt, 'locked');
    assert.equal(door.state, 'ready');
    booth.twin.setLatency(0);
  });
});

describe('the wrong board', () => {
  it('refuses a board speaking an older protocol with ENOTSUP, and lets go of the port', async () => {
    const { booth, boards, door } = await firmataDevices({ protocol: { major: 2, minor: 3 }, firmware: { name: 'StandardFirmata', major: 2, minor: 3 } });
    await assert.rejects(door.open({ timeoutMs: 2000 }), (error) => isDeviceError(error, 'ENOTSUP') && /protocol 2\.3/.test(error.message));
    assert.equal(boards.size, 0);
    assert.equal(await portIsFree(booth.pair.driverPath), true);
  });

  it('refuses a firmware that lacks a pin mode the manifest needs, naming the pin', async () => {
    const { sensors } = await firmataDevices({ profile: { ...ARDUINO_UNO, name: 'no pull-ups', pullUp: false }, firmware: { name: 'OldFirmata', major: 2, minor: 5 } });
    await assert.rejects(sensors.open({ timeoutMs: 2000 }), (error) => isDeviceError(error, 'ENOTSUP') && /pin 2 \(exit-button\) cannot be PULLUP/.test(error.message));
  });
});

describe('a board that restarts on its own', () => {
  it('puts an active-low relay (energised by the LOW a restart leaves) back to released at once, and is lost', async () => {
    const activeLow = { ...DOOR_PROPS, relay: { pin: PIN.relay, activeLow: true } };
    const { booth, door } = await firmataDevices({}, activeLow);
    await door.open({ timeoutMs: 5000 });
    assert.equal(booth.rig.relayEnergised, false);
    const lost = nextEvent<[DeviceError]>(door as unknown as EventEmitter, 'lost', 2000);
    const from = booth.twin.records.length;
    booth.twin.reboot();
    assert.equal(booth.rig.relayEnergised, true, 'StandardFirmata drives the pin LOW after a reset: an active-low relay locks');
    const [error] = await lost;
    assert.match(error.message, /restarted/);
    await booth.twin.waitForRecord((record) => record.pin === PIN.relay && record.kind === 'digital' && record.value === 1, 'the release (HIGH) on the relay pin', 2000, from);
    assert.equal(booth.rig.relayEnergised, false, 'the driver put it back to released');
    await door.open({ timeoutMs: 5000 });
    assert.equal((await door.status()).bolt, 'unlocked');
  });
});
