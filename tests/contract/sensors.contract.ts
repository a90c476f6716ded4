/** Sensors contract: edge events for exit button and fire alarm, snapshot reads, climate. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sensors } from '../../hal/index.ts';
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

export function sensorsContract(name: string, factory: HarnessFactory<Sensors, SensorsHooks>): void {
  lifecycleContract(name, factory, (device, options) => device.read(options));

  describe(`${name}: sensors contract`, () => {
    const opened = openedHarness(factory);

    it('reports the exit button as an event', async () => {
      const pressed = nextEvent(opened().device, 'exit-button');
      opened().hooks.pressExitButton();
      await pressed;
    });

    it('reports the fire alarm going active and clearing, and reads it in the snapshot', async () => {
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
      const cases: Array<[() => void, string, boolean]> = [
        [() => hooks.setOccupied(true), 'occupied', true],
        [() => hooks.setDoorOpen(true), 'doorOpen', true],
        [() => hooks.setTamper(true), 'tamper', true],
        [() => hooks.setUpsOnBattery(true), 'upsOnBattery', true],
      ];
      for (const [act, sensor, value] of cases) {
        const change = nextEvent<[string, boolean]>(device, 'change');
        act();
        assert.deepEqual(await change, [sensor, value]);
      }
      const snapshot = await device.read();
      assert.equal(snapshot.occupied && snapshot.doorOpen && snapshot.tamper && snapshot.upsOnBattery, true);
    });

    it('reports climate readings', async () => {
      const climate = nextEvent<[number, number]>(opened().device, 'climate');
      opened().hooks.setClimate(31.5, 62);
      assert.deepEqual(await climate, [31.5, 62]);
      const snapshot = await opened().device.read();
      assert.equal(snapshot.temperatureC, 31.5);
      assert.equal(snapshot.humidityPct, 62);
    });
  });
}
