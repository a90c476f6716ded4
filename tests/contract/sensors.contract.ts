/**
 * Sensors contract: edge events for exit button and fire alarm, snapshot reads, climate. Each
 * implementation declares the inputs it has (`capabilities`, default all); the cases needing an
 * input it lacks are not registered, a case checks that the device reports exactly the declared
 * capabilities, and inputs it lacks must read false and never change (hal/sensors.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinarySensor, Sensors, SensorsCapability } from '../../hal/index.ts';
import { nextEvent } from '../support/wait.ts';
import { openedHarness, type HarnessFactory } from './harness.ts';
import { lifecycleContract } from './lifecycle.contract.ts';

export interface SensorsHooks {
  setOccupied(occupied: boolean): void;
  pressExitButton(): void;
  setFireAlarm(active: boolean): void;
  setDoorOpen(open: boolean): void;
  setTamper(tampered: boolean): void;
  setUpsOnBattery(onBattery: boolean): void;
  setClimate(temperatureC: number, humidityPct: number): void;
}

const CAPABILITY_OF: Record<BinarySensor, SensorsCapability> = {
  occupied: 'occupancy',
  doorOpen: 'door-contact',
  exitButtonPressed: 'exit-button',
  fireAlarm: 'fire-alarm',
  tamper: 'tamper',
  upsOnBattery: 'ups',
};

const ALL_CAPABILITIES: readonly SensorsCapability[] = ['occupancy', 'door-contact', 'exit-button', 'fire-alarm', 'tamper', 'climate', 'ups'];

export function sensorsContract(name: string, factory: HarnessFactory<Sensors, SensorsHooks>, capabilities: readonly SensorsCapability[] = ALL_CAPABILITIES): void {
  lifecycleContract(name, factory, (device, options) => device.read(options));

  describe(`${name}: sensors contract`, () => {
    const opened = openedHarness(factory);
    /** Registers a case only for an implementation that has the input it needs. */
    const withInput = (capability: SensorsCapability) => (capabilities.includes(capability) ? it : () => undefined);

    it('reports exactly the inputs it declares', () => {
      assert.deepEqual([...opened().device.capabilities].sort(), [...capabilities].sort());
    });

    withInput('exit-button')('reports the exit button as an event', async () => {
      const pressed = nextEvent(opened().device, 'exit-button');
      opened().hooks.pressExitButton();
      await pressed;
    });

    withInput('fire-alarm')('reports the fire alarm going active and clearing, and reads it in the snapshot', async () => {
      const { device, hooks } = opened();
      const active = nextEvent<[boolean]>(device, 'fire-alarm');
      hooks.setFireAlarm(true);
      assert.deepEqual(await active, [true]);
      assert.equal((await device.read()).fireAlarm, true);
      const cleared = nextEvent<[boolean]>(device, 'fire-alarm');
      hooks.setFireAlarm(false);
      assert.deepEqual(await cleared, [false]);
      assert.equal((await device.read()).fireAlarm, false);
    });

    it('reports each binary input change with its name', async () => {
      const { device, hooks } = opened();
      const cases: Array<[() => void, BinarySensor, boolean]> = [
        [() => hooks.setOccupied(true), 'occupied', true],
        [() => hooks.setDoorOpen(true), 'doorOpen', true],
        [() => hooks.setTamper(true), 'tamper', true],
        [() => hooks.setUpsOnBattery(true), 'upsOnBattery', true],
      ];
      const present = cases.filter(([, sensor]) => device.capabilities.has(CAPABILITY_OF[sensor]));
      for (const [act, sensor, value] of present) {
        // The next change of that input: on real wires an earlier case's input (the exit button
        // let go after its press) may still report while this one is being moved.
        const change = nextChangeOf(device, sensor);
        act();
        assert.deepEqual(await change, [sensor, value]);
      }
      const snapshot = await device.read();
      for (const [, sensor] of present) assert.equal(snapshot[sensor], true, sensor);
    });

    it('reads every binary input it lacks as false', async () => {
      const { device } = opened();
      const snapshot = await device.read();
      for (const sensor of Object.keys(CAPABILITY_OF) as BinarySensor[]) {
        if (!device.capabilities.has(CAPABILITY_OF[sensor])) assert.equal(snapshot[sensor], false, sensor);
      }
    });

    withInput('climate')('reports climate readings', async () => {
      const climate = nextEvent<[number, number]>(opened().device, 'climate');
      opened().hooks.setClimate(31.5, 62);
      assert.deepEqual(await climate, [31.5, 62]);
      const snapshot = await opened().device.read();
      assert.equal(snapshot.temperatureC, 31.5);
      assert.equal(snapshot.humidityPct, 62);
    });
  });
}

function nextChangeOf(device: Sensors, sensor: BinarySensor, limitMs = 5000): Promise<[BinarySensor, boolean]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      device.off('change', listener);
      reject(new Error(`timed out after ${limitMs} ms waiting for a change of ${sensor}`));
    }, limitMs);
    const listener = (changed: BinarySensor, value: boolean) => {
      if (changed !== sensor) return;
      clearTimeout(timer);
      device.off('change', listener);
      resolve([changed, value]);
    };
    device.on('change', listener);
  });
}
