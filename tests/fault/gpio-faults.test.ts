/**
 * The faults the GPIO drivers must survive (issue 5), on the fake chip behind their binding and a
 * fake clock (every timer — debounce, watch, event-wait slices, command timeouts, the bolt's travel
 * — moves only when a test advances it): a line held by another consumer (EBUSY naming it), a
 * chip that goes away and comes back (ENODEV, `lost` once, recovery), bouncing inputs, edges the
 * kernel's queue dropped, event waits that time out and a close that must not wait for them long,
 * a read that hangs, a read that fails — and the door released through all of it.
 */
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import { isDeviceError, type DeviceError } from '../../hal/index.ts';
import { GpioDoorLock, gpioDoorLockProps } from '../../drivers/gpio-door-lock/index.ts';
import { GpioSensors, gpioSensorsProps } from '../../drivers/gpio-sensors/index.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { FakeGpioChip } from '../support/fake-gpio-chip.ts';
import { GPIO_DOOR_PROPS, GPIO_SENSORS_PROPS, GPIO_WIRING, GpioBoothRig, LINE, type GpioWiring } from '../support/gpio-rig.ts';

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

interface Bench {
  clock: FakeClock;
  chip: FakeGpioChip;
  rig: GpioBoothRig;
  door(props?: object, id?: string): GpioDoorLock;
  sensors(props?: object, id?: string): GpioSensors;
}

function bench(wiring: GpioWiring = GPIO_WIRING): Bench {
  const clock = new FakeClock();
  const chip = new FakeGpioChip({ clock });
  const rig = new GpioBoothRig(chip, wiring);
  const devices: Array<{ close(): Promise<void> }> = [];
  cleanups.push(async () => {
    const closing = Promise.all(devices.map((device) => device.close()));
    await clock.drive(closing, 5000);
    rig.dispose();
    chip.releaseHangs();
  });
  const context = (id: string, compatible: string) => ({ id, compatible, clock });
  return {
    clock,
    chip,
    rig,
    door: (props = GPIO_DOOR_PROPS, id = 'door') => {
      const device = new GpioDoorLock(context(id, 'gpio,door-lock'), gpioDoorLockProps.parse(props), { gpio: chip, chip: 'gpiochip0' });
      devices.push(device);
      return device;
    },
    sensors: (props = GPIO_SENSORS_PROPS, id = 'sensors') => {
      const device = new GpioSensors(context(id, 'gpio,sensors'), gpioSensorsProps.parse(props), { gpio: chip, chip: 'gpiochip0' });
      devices.push(device);
      return device;
    },
  };
}

function record(emitter: unknown, event: string): unknown[][] {
  const seen: unknown[][] = [];
  (emitter as EventEmitter).on(event, (...args: unknown[]) => seen.push(args));
  return seen;
}

describe('line requests', () => {
  it('requests every line as boothd:<id> with its polarity, and the relay released at once even when a crashed run left it energised', async () => {
    const { chip, clock, door } = bench();
    chip.setLevel(LINE.relay, true); // what a killed boothd leaves behind: the line keeps its last level
    const lock = door();
    await clock.drive(lock.open());
    assert.equal(chip.level(LINE.relay), false, 'requested with the released value');
    assert.deepEqual(
      chip.writes.filter((write) => write.offset === LINE.relay).map(({ high }) => high),
      [false],
      'one write, the request itself',
    );
    assert.deepEqual(chip.holder(LINE.relay), { consumer: 'boothd:door', kind: 'output', activeLow: false });
    assert.deepEqual(chip.holder(LINE.boltSensor), { consumer: 'boothd:door', kind: 'events', activeLow: false });
    assert.deepEqual(chip.holder(LINE.doorContact), { consumer: 'boothd:door', kind: 'events', activeLow: true });
    const info = await clock.drive(lock.open());
    assert.match(info.model, /^GPIO door lock \(relay line 17, bolt sensor line 18, door contact line 22\) on gpiochip0$/);
    assert.equal(info.serial, 'fake-booth-gpio');
  });

  it('drives an active-low relay LOW to lock and HIGH to release, and reads active-low inputs as libgpiod applies them', async () => {
    const { chip, clock, rig, door } = bench({ ...GPIO_WIRING, relay: { line: LINE.relay, activeLow: true } });
    const lock = door({ ...GPIO_DOOR_PROPS, relay: { line: LINE.relay, activeLow: true } });
    await clock.drive(lock.open());
    assert.equal(chip.level(LINE.relay), true, 'released = HIGH for an active-low relay');
    assert.deepEqual(await clock.drive(lock.lock()), { bolt: 'locked', contact: 'closed' });
    assert.equal(chip.level(LINE.relay), false);
    assert.equal(rig.physicalBolt, 'locked');
    await clock.drive(lock.unlock());
    assert.equal(chip.level(LINE.relay), true);
    assert.equal(rig.physicalBolt, 'unlocked');
    // The door contact is active-low: a LOW line is an open door.
    rig.openDoor();
    assert.equal(chip.level(LINE.doorContact), false);
    await clock.advance(30);
    assert.deepEqual(await clock.drive(lock.status()), { bolt: 'unlocked', contact: 'open' });
  });

  it('answers a line held by another consumer with EBUSY naming it, and leaves nothing requested', async () => {
    const { chip, clock, door } = bench();
    const letGo = chip.holdLine(LINE.boltSensor, 'gpioset');
    const lock = door();
    await assert.rejects(clock.drive(lock.open()), (error) => {
      assert.ok(isDeviceError(error, 'EBUSY'), String(error));
      assert.match(error.message, /^door: open: EBUSY: gpiochip0 line 18: request as events: EBUSY \(the line is in use by "gpioset"\)$/);
      return true;
    });
    assert.equal(lock.state, 'closed');
    assert.equal(chip.holder(LINE.relay), undefined, 'the relay requested before the failure is released');
    assert.equal(chip.level(LINE.relay), false);
    letGo();
    await clock.drive(lock.open());
    assert.equal(lock.state, 'ready');
  });

  it('lets two devices share the chip, and refuses a line the other holds', async () => {
    const { chip, clock, door, sensors } = bench();
    const lock = door();
    const inputs = sensors();
    await clock.drive(Promise.all([lock.open(), inputs.open()]));
    const intruder = sensors({ inputs: { tamper: { line: LINE.doorContact } } }, 'intruder');
    await assert.rejects(clock.drive(intruder.open()), (error) => isDeviceError(error, 'EBUSY') && /in use by "boothd:door"/.test(error.message));
    assert.deepEqual(chip.holder(LINE.doorContact)?.consumer, 'boothd:door');
    assert.equal((await clock.drive(lock.status())).bolt, 'unlocked', 'the door is unaffected');
  });

  it('refuses a line beyond the chip with ENOTSUP naming its range', async () => {
    const { clock, door } = bench();
    await assert.rejects(clock.drive(door({ relay: { line: 40 } }).open()), (error) => isDeviceError(error, 'ENOTSUP') && /has lines 0 to 31/.test(error.message));
  });
});

describe('the chip goes away', () => {
  it('unpowers the relay, loses the device once with ENODEV, refuses while gone, and recovers released after replug', async () => {
    const { chip, clock, rig, door } = bench();
    const lock = door();
    await clock.drive(lock.open());
    await clock.drive(lock.lock());
    assert.equal(rig.physicalBolt, 'locked');
    const lost = record(lock, 'lost');
    chip.unplug();
    assert.equal(rig.physicalBolt, 'unlocked', 'no chip, no lock');
    await clock.advance(1);
    assert.equal(lost.length, 1, 'the pending event wait reports the loss at once');
    assert.ok(isDeviceError(lost[0]![0], 'ENODEV'));
    assert.equal(lock.state, 'lost');
    assert.equal((await lock.health()).ok, false);
    await assert.rejects(lock.status(), (error) => isDeviceError(error, 'ENODEV'));
    await assert.rejects(clock.drive(lock.open()), (error) => isDeviceError(error, 'ENODEV') && /GPIO chip "gpiochip0": open: ENOENT/.test(error.message));
    await clock.advance(1000);
    assert.equal(lost.length, 1, 'lost once');

    chip.replug();
    await clock.drive(lock.open());
    assert.equal(chip.level(LINE.relay), false);
    assert.deepEqual(await clock.drive(lock.status()), { bolt: 'unlocked', contact: 'closed' });
    assert.equal(chip.holder(LINE.relay)?.consumer, 'boothd:door');
  });

  it('finds a gone chip through the watch when no event wait is pending (a relay-only lock)', async () => {
    const { chip, clock, door } = bench();
    const lock = door({ relay: { line: LINE.relay }, watchMs: 200 });
    await clock.drive(lock.open());
    assert.equal(chip.waits, 0, 'no inputs, no event wait');
    const lost = record(lock, 'lost');
    chip.unplug();
    await clock.advance(150);
    assert.equal(lost.length, 0);
    await clock.advance(60);
    assert.equal(lost.length, 1);
    assert.match((lost[0]![0] as DeviceError).message, /ENODEV/);
  });

  it('re-opens a door that has not noticed the loss yet, afresh', async () => {
    const { chip, clock, door } = bench();
    const lock = door({ relay: { line: LINE.relay }, watchMs: 5000 });
    await clock.drive(lock.open());
    chip.unplug();
    chip.replug();
    assert.equal(lock.state, 'ready', 'nothing told it yet');
    await clock.drive(lock.open());
    assert.equal(lock.state, 'ready');
    assert.equal(chip.holder(LINE.relay)?.consumer, 'boothd:door', 'requested again on the new chip');
    await clock.drive(lock.lock());
    assert.equal(chip.level(LINE.relay), true);
  });
});

describe('inputs', () => {
  it('gives one press for a bouncing exit button, and reports a fire alarm before its change', async () => {
    const { chip, clock, sensors } = bench();
    const inputs = sensors();
    await clock.drive(inputs.open());
    const presses = record(inputs, 'exit-button');
    const order: string[] = [];
    inputs.on('fire-alarm', () => order.push('fire-alarm'));
    inputs.on('change', (sensor) => order.push(`change ${sensor}`));
    // Active-low button: LOW is pressed. The contact bounces for 8 ms, is held, then bounces open.
    await clock.drive(chip.bounce(LINE.exitButton, [false, true, false, true, false], 2));
    await clock.advance(100);
    await clock.drive(chip.bounce(LINE.exitButton, [true, false, true], 2));
    await clock.advance(100);
    assert.equal(presses.length, 1);
    assert.equal((await clock.drive(inputs.read())).exitButtonPressed, false);
    chip.setLevel(LINE.fireAlarm, false);
    await clock.advance(1);
    assert.deepEqual(order.slice(-2), ['fire-alarm', 'change fireAlarm']);
  });

  it('ignores a door-contact glitch shorter than its settle time, and reports a real opening once', async () => {
    const { chip, clock, sensors } = bench();
    const inputs = sensors();
    await clock.drive(inputs.open());
    const changes = record(inputs, 'change');
    await clock.drive(chip.bounce(LINE.sensorDoorContact, [false, true], 5)); // open for 5 ms (settle: 20 ms)
    await clock.advance(100);
    assert.deepEqual(changes, []);
    const bouncing = chip.bounce(LINE.sensorDoorContact, [false, true, false, true, false], 3);
    await clock.advance(12);
    await bouncing;
    await clock.advance(19);
    assert.deepEqual(changes, [], 'still settling');
    await clock.advance(10);
    assert.deepEqual(changes, [['doorOpen', true]]);
  });

  it('reports inputs already active at open (a fire alarm during a restart), but not a held button as a press', async () => {
    const { clock, rig, sensors } = bench();
    rig.setFireAlarm(true);
    rig.setExitButton(true);
    const inputs = sensors();
    const alarms = record(inputs, 'fire-alarm');
    const presses = record(inputs, 'exit-button');
    const changes = record(inputs, 'change');
    await clock.drive(inputs.open());
    assert.deepEqual(alarms, [[true]]);
    assert.deepEqual(presses, []);
    assert.deepEqual(changes.slice(0, 2), [['fireAlarm', true], ['exitButtonPressed', true]]);
  });

  it('catches up edges the kernel dropped (its queue holds 16) through the watch', async () => {
    const { chip, clock, sensors } = bench();
    const inputs = sensors();
    await clock.drive(inputs.open());
    const changes = record(inputs, 'change');
    // 42 edges at once on the PIR line: the first wakes the wait, 16 queue, 25 are dropped. The last
    // delivered edge says "motion", the line is idle.
    for (let edge = 1; edge <= 42; edge += 1) chip.setLevel(LINE.occupancy, edge % 2 === 1);
    assert.equal(chip.dropped, 25);
    await clock.advance(60);
    assert.deepEqual(changes, [['occupied', true]], 'what the kernel delivered');
    await clock.advance(100 + 60);
    assert.deepEqual(changes, [['occupied', true], ['occupied', false]], 'the watch read the line itself');
    assert.equal((await clock.drive(inputs.read())).occupied, false);
  });
});

describe('event waits, hangs and failures', () => {
  it('waits for edges in slices of 100 ms, and an edge after many empty slices still arrives', async () => {
    const { chip, clock, rig, sensors } = bench();
    const inputs = sensors();
    await clock.drive(inputs.open());
    const before = chip.waits;
    await clock.advance(1000);
    assert.ok(chip.waits - before >= 9 && chip.waits - before <= 11, `${chip.waits - before} waits in 1 s`);
    const presses = record(inputs, 'exit-button');
    await clock.advance(55);
    rig.pressExitButton();
    await clock.advance(1);
    assert.equal(presses.length, 1);
  });

  it('closes within one wait slice, freeing every line, and a hung read cannot hold a close longer than its bound', async () => {
    const { chip, clock, door, sensors } = bench();
    const inputs = sensors();
    await clock.drive(inputs.open());
    let closed = false;
    const closing = inputs.close().then(() => void (closed = true));
    await clock.advance(50);
    assert.equal(closed, false, 'the event wait in flight still holds its lines');
    await clock.advance(60);
    assert.equal(closed, true);
    await closing;
    assert.equal(chip.holder(LINE.exitButton), undefined);
    assert.equal(chip.holder(LINE.ups), undefined);

    const lock = door();
    await clock.drive(lock.open());
    await clock.drive(lock.lock());
    chip.hangNextRead();
    await assert.rejects(clock.drive(lock.status({ timeoutMs: 50 })), (error) => isDeviceError(error, 'ETIMEDOUT'));
    let lockClosed = false;
    const lockClosing = lock.close().then(() => void (lockClosed = true));
    assert.equal(chip.level(LINE.relay), false, 'released before anything else, while the line is still held');
    await clock.advance(550);
    assert.equal(lockClosed, false);
    await clock.advance(100);
    assert.equal(lockClosed, true, 'bounded: 100 ms slice + 500 ms grace');
    await lockClosing;
  });

  it('writes the unlock in the same tick, and a lock pre-empted by it never energises, even when its read answers late', async () => {
    const { chip, clock, rig, door } = bench();
    const lock = door();
    await clock.drive(lock.open());
    await clock.drive(lock.lock());
    const unlocking = lock.unlock();
    assert.equal(chip.level(LINE.relay), false, 'released before unlock() returned');
    assert.equal(rig.physicalBolt, 'unlocked');
    await clock.drive(unlocking);

    const writesBefore = chip.writes.length;
    chip.hangNextRead();
    const hungLock = lock.lock({ timeoutMs: 10_000 });
    const cancelled = assert.rejects(hungLock, (error) => isDeviceError(error, 'ECANCELED'));
    assert.equal((await clock.drive(lock.unlock())).bolt, 'unlocked');
    await cancelled;
    chip.releaseHangs();
    await clock.advance(1000);
    assert.deepEqual(
      chip.writes.slice(writesBefore).filter((write) => write.offset === LINE.relay && write.high),
      [],
      'the relay was never energised',
    );
    assert.equal(rig.physicalBolt, 'unlocked');
  });

  it('refuses to lock when the relay does not read back energised, releasing it', async () => {
    const { chip, clock, door } = bench();
    const lock = door();
    await clock.drive(lock.open());
    chip.failNextRead('EIO');
    await assert.rejects(clock.drive(lock.lock()), (error) => isDeviceError(error, 'EIO') && /injected/.test(error.message));
    assert.equal(chip.level(LINE.relay), false);
    assert.equal(lock.state, 'ready', 'a failed read is not a loss');
  });

  it('reports a read failing outside any command as a fault, not a loss, and is healthy again after the next good round', async () => {
    const { chip, clock, sensors } = bench();
    const inputs = sensors();
    await clock.drive(inputs.open());
    const faults = record(inputs, 'fault');
    chip.failNextRead('EIO');
    await clock.advance(100);
    assert.equal(faults.length, 1);
    assert.ok(isDeviceError(faults[0]![0], 'EIO'));
    assert.equal(inputs.state, 'ready');
    assert.equal((await inputs.health()).ok, false);
    await clock.advance(100);
    assert.equal((await inputs.health()).ok, true);
  });

  it('reports a watch round whose read hangs as ETIMEDOUT, once, and carries on', async () => {
    const { chip, clock, sensors } = bench();
    const inputs = sensors({ ...GPIO_SENSORS_PROPS, watchMs: 100 });
    await clock.drive(inputs.open());
    const faults = record(inputs, 'fault');
    chip.hangNextRead();
    await clock.advance(100 + 400);
    assert.equal(faults.length, 1);
    assert.ok(isDeviceError(faults[0]![0], 'ETIMEDOUT'));
    await clock.advance(200);
    assert.equal(faults.length, 1);
    assert.equal((await inputs.health()).ok, true);
  });
});
