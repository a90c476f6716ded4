/**
 * The lifecycle, door-lock, sensors and lighting contracts against the real Firmata drivers
 * (`firmata,door-lock`, `firmata,sensors`, `firmata,pwm-lighting`) over johnny-five + firmata-io
 * on serialport 13, each talking over a socat PTY pair to the Firmata board twin. The hooks are
 * the twin's and its booth wiring's: unplug/replug cut the board's power and the PTY pair,
 * hang/fail act on the next pin-state read-back (every command ends with one).
 */
import { systemClock } from '../../hal/clock.ts';
import type { DoorLock, Lighting, Sensors } from '../../hal/index.ts';
import { FirmataBoards } from '../../drivers/firmata/board-registry.ts';
import { FirmataDoorLock, firmataDoorLockProps } from '../../drivers/firmata-door-lock/index.ts';
import { FirmataPwmLighting, firmataPwmLightingProps } from '../../drivers/firmata-pwm-lighting/index.ts';
import { FirmataSensors, firmataSensorsProps } from '../../drivers/firmata-sensors/index.ts';
import { DOOR_PROPS, firmataBooth, LIGHTING_PROPS, SENSORS_PROPS } from '../support/firmata-rig.ts';
import { doorLockContract, type DoorLockHooks } from './door-lock.contract.ts';
import type { Harness } from './harness.ts';
import { lightingContract } from './lighting.contract.ts';
import { sensorsContract, type SensorsHooks } from './sensors.contract.ts';

const context = (id: string, compatible: string) => ({ id, compatible, clock: systemClock });

doorLockContract('firmata,door-lock', async (): Promise<Harness<DoorLock, DoorLockHooks>> => {
  const booth = await firmataBooth();
  const device = new FirmataDoorLock(context('door', 'firmata,door-lock'), firmataDoorLockProps.parse(DOOR_PROPS), {
    boards: new FirmataBoards(),
    path: booth.pair.driverPath,
    baudRate: 57_600,
  });
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

sensorsContract('firmata,sensors', async (): Promise<Harness<Sensors, SensorsHooks>> => {
  const booth = await firmataBooth();
  const device = new FirmataSensors(context('sensors', 'firmata,sensors'), firmataSensorsProps.parse(SENSORS_PROPS), {
    boards: new FirmataBoards(),
    path: booth.pair.driverPath,
    baudRate: 57_600,
  });
  const { rig } = booth;
  const hooks: SensorsHooks & typeof booth.common = {
    ...booth.common,
    setOccupied: (occupied) => rig.setOccupied(occupied),
    pressExitButton: () => rig.pressExitButton(),
    setFireAlarm: (active) => rig.setFireAlarm(active),
    setDoorOpen: (open) => rig.setDoorOpen(open),
    setTamper: (tampered) => rig.setTamper(tampered),
    setUpsOnBattery: (onBattery) => rig.setUpsOnBattery(onBattery),
    setClimate: (temperatureC, humidityPct) => rig.setClimate(temperatureC, humidityPct),
  };
  return { device, hooks, cleanup: booth.close };
});

lightingContract('firmata,pwm-lighting', async (): Promise<Harness<Lighting, object>> => {
  const booth = await firmataBooth();
  const device = new FirmataPwmLighting(context('lights', 'firmata,pwm-lighting'), firmataPwmLightingProps.parse(LIGHTING_PROPS), {
    boards: new FirmataBoards(),
    path: booth.pair.driverPath,
    baudRate: 57_600,
  });
  return { device, hooks: booth.common, cleanup: booth.close };
});
