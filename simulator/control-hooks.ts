/**
 * The simulated booth's test hooks as named commands, so a person at `make run`, a test, or
 * booth-rig can press the exit button or pull a cable on a running boothd through its control
 * socket. Returns nothing for devices that are not simulators.
 */
import type { AnyDevice } from '../hal/index.ts';
import { SimDevice } from './devices/sim-device.ts';
import { SimDocumentReader } from './devices/sim-document-reader.ts';
import { SimDoorLock } from './devices/sim-door-lock.ts';
import { SimSensors } from './devices/sim-sensors.ts';

export interface SimCommand {
  command: string;
  describe: string;
  handler: (args: Record<string, unknown>) => unknown;
}

export function simControlCommands(devices: readonly AnyDevice[]): SimCommand[] {
  const sims = devices.filter((device): device is AnyDevice & SimDevice<never, string> => device instanceof SimDevice);
  if (sims.length === 0) return [];
  const byId = (args: Record<string, unknown>): SimDevice<never, string> => {
    const id = args.device;
    const device = sims.find((sim) => sim.id === id);
    if (!device) throw new Error(`args.device must name a simulated device (${sims.map((sim) => sim.id).join(', ')}); got ${JSON.stringify(id)}`);
    return device;
  };
  const only = <T>(kind: new (...args: never[]) => T, what: string): T => {
    const device = sims.find((sim) => sim instanceof kind);
    if (!device) throw new Error(`this booth has no simulated ${what}`);
    return device as T;
  };
  const flag = (args: Record<string, unknown>, name: string): boolean => {
    const value = args[name] ?? true;
    if (typeof value !== 'boolean') throw new Error(`args.${name} must be true or false; got ${JSON.stringify(value)}`);
    return value;
  };
  return [
    { command: 'sim.unplug', describe: 'pull the cable of {device}', handler: (args) => void byId(args).unplug() },
    { command: 'sim.replug', describe: 'plug {device} back in', handler: (args) => void byId(args).replug() },
    { command: 'sim.exit-button', describe: 'press the exit button', handler: () => void only(SimSensors, 'sensors').pressExitButton() },
    {
      command: 'sim.fire-alarm',
      describe: 'set the fire alarm input {active: boolean}',
      handler: (args) => void only(SimSensors, 'sensors').setFireAlarm(flag(args, 'active')),
    },
    {
      command: 'sim.occupancy',
      describe: 'a person steps in {occupied: true} or out {occupied: false}',
      handler: (args) => void only(SimSensors, 'sensors').setOccupied(flag(args, 'occupied')),
    },
    { command: 'sim.force-door', describe: 'push the door open', handler: () => void only(SimDoorLock, 'door lock').openDoor() },
    {
      command: 'sim.jam-bolt',
      describe: 'the bolt stops following lock commands {jammed: boolean}',
      handler: (args) => void only(SimDoorLock, 'door lock').jamBolt(flag(args, 'jammed')),
    },
    { command: 'sim.close-door', describe: 'let the door swing shut', handler: () => void only(SimDoorLock, 'door lock').closeDoor() },
    {
      command: 'sim.physical-door',
      describe: 'what the simulated lock is physically doing',
      handler: () => ({ bolt: only(SimDoorLock, 'door lock').physicalBolt }),
    },
    {
      command: 'sim.present-mrz',
      describe: 'lay a passport with {lines: string[]} on the reader',
      handler: (args) => {
        const lines = args.lines;
        if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) {
          throw new Error('args.lines must be an array of MRZ lines');
        }
        only(SimDocumentReader, 'document reader').presentMrz(lines);
      },
    },
  ];
}
