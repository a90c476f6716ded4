/**
 * The lifecycle, door-lock and sensors contracts against the GPIO drivers (`gpio,door-lock`,
 * `gpio,sensors`) on a chip behind their binding interface: the in-process fake chip by default
 * (this machine's kernel has no gpio-sim), or a real gpio-sim chip through libgpiod when
 * BOOTH_GPIO_SIM names one (docs/drivers/gpio.md). The hooks are the chip's and its booth wiring's:
 * unplug/replug make the chip disappear and come back, hang/fail act on the next line read (every
 * command reads a line).
 */
import { systemClock } from '../../hal/clock.ts';
import type { DoorLock, Sensors } from '../../hal/index.ts';
import { GpioDoorLock, gpioDoorLockProps } from '../../drivers/gpio-door-lock/index.ts';
import { GpioSensors, gpioSensorsProps } from '../../drivers/gpio-sensors/index.ts';
import { GPIO_DOOR_PROPS, GPIO_SENSORS_PROPS, gpioBooth } from '../support/gpio-rig.ts';
import { doorLockContract, type DoorLockHooks } from './door-lock.contract.ts';
import type { Harness } from './harness.ts';
import { sensorsContract, type SensorsHooks } from './sensors.contract.ts';

const context = (id: string, compatible: string) => ({ id, compatible, clock: systemClock });
const on = process.env.BOOTH_GPIO_SIM ? ' (gpio-sim)' : '';

doorLockContract(`gpio,door-lock${on}`, async (): Promise<Harness<DoorLock, DoorLockHooks>> => {
  const booth = await gpioBooth();
  const device = new GpioDoorLock(context('door', 'gpio,door-lock'), gpioDoorLockProps.parse(GPIO_DOOR_PROPS), { gpio: booth.binding, chip: booth.chip });
  const { rig } = booth;
  const hooks = {
    ...booth.common,
    openDoor: () => rig.openDoor(),
    closeDoor: () => rig.closeDoor(),
    jamBolt: (jammed: boolean) => rig.jamBolt(jammed),
    get physicalBolt() {
      return rig.physicalBolt;
    },
  };
  return { device, hooks, cleanup: booth.close };
});

sensorsContract(`gpio,sensors${on}`, async (): Promise<Harness<Sensors, SensorsHooks>> => {
  const booth = await gpioBooth();
  const device = new GpioSensors(context('sensors', 'gpio,sensors'), gpioSensorsProps.parse(GPIO_SENSORS_PROPS), { gpio: booth.binding, chip: booth.chip });
  const { rig } = booth;
  const hooks: SensorsHooks & typeof booth.common = {
    ...booth.common,
    setOccupied: (occupied) => rig.setOccupied(occupied),
    pressExitButton: () => rig.pressExitButton(),
    setFireAlarm: (active) => rig.setFireAlarm(active),
    setDoorOpen: (open) => rig.setDoorOpen(open),
    setTamper: (tampered) => rig.setTamper(tampered),
    setUpsOnBattery: (onBattery) => rig.setUpsOnBattery(onBattery),
    setClimate: () => {
      throw new Error('GPIO lines carry no climate');
    },
  };
  return { device, hooks, cleanup: booth.close };
}, ['exit-button', 'fire-alarm', 'occupancy', 'door-contact', 'tamper', 'ups']);
