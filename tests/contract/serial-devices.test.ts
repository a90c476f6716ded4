/**
 * The lifecycle, signature-pad and sensors contracts against the real line-protocol drivers
 * (`booth,serial-signature-pad`, `booth,serial-env-sensor`), each talking over a socat PTY pair
 * to its wire-level twin. The hooks are the twin's: unplug/replug kill and remake the PTY pair,
 * hang/fail act on the next request other than the keep-alive PING.
 */
import { serialEnvSensorProps, SerialEnvSensor } from '../../drivers/booth-serial-env-sensor/index.ts';
import { serialSignaturePadProps, SerialSignaturePad } from '../../drivers/booth-serial-signature-pad/index.ts';
import { systemClock } from '../../hal/clock.ts';
import type { Sensors, SignaturePad } from '../../hal/index.ts';
import { EnvSensorTwin } from '../../simulator/wire/env-sensor-twin.ts';
import { PtyPair } from '../../simulator/wire/pty-pair.ts';
import { SignaturePadTwin } from '../../simulator/wire/signature-pad-twin.ts';
import type { Harness } from './harness.ts';
import { sensorsContract, type SensorsHooks } from './sensors.contract.ts';
import { signaturePadContract, type SignaturePadHooks } from './signature-pad.contract.ts';

const FAST_LINK = { keepAliveMs: 200, helloRetryMs: 100 };

async function padHarness(): Promise<Harness<SignaturePad, SignaturePadHooks>> {
  const pair = await PtyPair.open();
  const twin = new SignaturePadTwin(pair, { signingMs: 400 });
  await twin.attach();
  const compatible = 'booth,serial-signature-pad';
  const device = new SerialSignaturePad(
    { id: 'pad', compatible, clock: systemClock },
    { path: pair.driverPath, baudRate: 115_200, ...serialSignaturePadProps.parse(FAST_LINK) },
  );
  return { device, hooks: twin, cleanup: () => twin.close() };
}

/** The env sensor has climate and UPS only; the contract leaves out what needs the other inputs. */
const absent = (input: string) => () => {
  throw new Error(`the env sensor has no ${input} input`);
};

async function envHarness(): Promise<Harness<Sensors, SensorsHooks>> {
  const pair = await PtyPair.open();
  const twin = new EnvSensorTwin(pair);
  await twin.attach();
  const compatible = 'booth,serial-env-sensor';
  const device = new SerialEnvSensor(
    { id: 'env', compatible, clock: systemClock },
    { path: pair.driverPath, baudRate: 115_200, ...serialEnvSensorProps.parse(FAST_LINK) },
  );
  const hooks: SensorsHooks & Harness<Sensors, SensorsHooks>['hooks'] = {
    unplug: () => twin.unplug(),
    replug: () => twin.replug(),
    hangNextCommand: () => twin.hangNextCommand(),
    failNextCommand: (code) => twin.failNextCommand(code),
    setClimate: (t, rh) => twin.setClimate(t, rh),
    setUpsOnBattery: (onBattery) => twin.setUpsOnBattery(onBattery),
    setOccupied: absent('occupancy'),
    pressExitButton: absent('exit button'),
    setFireAlarm: absent('fire alarm'),
    setDoorOpen: absent('door contact'),
    setTamper: absent('tamper'),
  };
  return { device, hooks, cleanup: () => twin.close() };
}

signaturePadContract('booth,serial-signature-pad', padHarness);
sensorsContract('booth,serial-env-sensor', envHarness, ['climate', 'ups']);
