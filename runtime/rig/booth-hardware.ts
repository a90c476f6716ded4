/**
 * The booth's hardware as the scenario steps act on it: the person's body (walking in and out, the
 * exit button, hands on the scanner, a face before the camera, a passport on the reader), the
 * devices misbehaving, the building's fire alarm, the power, and the lock's physical bolt that
 * `expect: door` reads. Two booths play it:
 *
 * - `SimHardware` (here): the in-process `sim,*` devices inside boothd, through their test hooks
 *   on boothd's control socket (simulator/control-hooks.ts);
 * - `WireHardware` (wire-hardware.ts): boothd's real drivers against the wire-level twins the rig
 *   runs (`devices: wire`).
 */
import type { Bolt } from './door-bolt.ts';
import { DoorBolt } from './door-bolt.ts';
import type { DeviceStep, PersonStep } from './step-schema.ts';

/** The person steps that act on hardware rather than on the screen. */
export type BodyStep = Extract<PersonStep, 'enter' | 'leave' | 'press-exit'> | Exclude<PersonStep, string>;

/** Sends a control command to the running boothd (a refusal fails the step). */
export type Control = (command: string, args?: Record<string, unknown>) => Promise<unknown>;

export interface BoothHardware {
  /** A person step at the hardware; returns a detail for the timeline, if any. */
  person(step: BodyStep): Promise<string | undefined>;
  /** A device fault; returns a detail for the timeline, if any. */
  device(step: DeviceStep): Promise<string | undefined>;
  /** The building's fire alarm input. */
  fireAlarm(active: boolean): Promise<string | undefined>;
  /** Where the lock's bolt physically is, also while boothd is down. */
  physicalBolt(): Promise<Bolt>;
  /** Calls `onChange` whenever the bolt moves (for the timeline), until `stop`. */
  watchBolt(onChange: (bolt: Bolt) => void): void;
  /** The booth's power is gone (boothd has just been killed): the hardware loses it too. */
  powerCut(): Promise<string | undefined>;
  /** The power is back, before boothd starts again. */
  powerOn(): Promise<void>;
  /** Environment boothd needs for this hardware. */
  boothdEnv(): Record<string, string>;
  /** Stops watching and takes down whatever the rig runs for this hardware; throws what could not be. */
  stop(): Promise<void>;
}

/** The simulated booth: every step is one of the sim devices' hooks on boothd's control socket. */
export class SimHardware implements BoothHardware {
  readonly #control: Control;
  /** The simulated lock's state file (its physical bolt), when the door is simulated. */
  readonly #bolt: DoorBolt | undefined;

  constructor(control: Control, lockStateFile: string | undefined) {
    this.#control = control;
    this.#bolt = lockStateFile ? new DoorBolt(lockStateFile) : undefined;
  }

  async person(step: BodyStep): Promise<string | undefined> {
    const control = this.#control;
    if (step === 'enter') await control('sim.occupancy', { occupied: true });
    else if (step === 'leave') {
      await control('sim.occupancy', { occupied: false });
      // A person takes their passport with them (a booth without a reader ignores this).
      await control('sim.remove-document', {});
    } else if (step === 'press-exit') await control('sim.exit-button');
    else if ('finger-quality' in step) await control('sim.finger-quality', { quality: step['finger-quality'] });
    else if ('wrong-hand' in step) await control('sim.wrong-hand', { wrong: step['wrong-hand'] });
    else if ('fingers-missing' in step) await control('sim.fingers-missing', { fingers: step['fingers-missing'] });
    else if ('face' in step) await control('sim.face', { subject: step.face });
    else if ('passport' in step) await control('sim.present-mrz', { lines: step.passport });
    return undefined;
  }

  async device(step: DeviceStep): Promise<string | undefined> {
    await simDeviceStep(step, this.#control);
    return undefined;
  }

  async fireAlarm(active: boolean): Promise<string | undefined> {
    await this.#control('sim.fire-alarm', { active });
    return undefined;
  }

  /** From the sim lock's state file, else from boothd's sim hook. */
  async physicalBolt(): Promise<Bolt> {
    if (this.#bolt) return this.#bolt.read();
    const result = (await this.#control('sim.physical-door')) as { bolt: Bolt };
    return result.bolt;
  }

  watchBolt(onChange: (bolt: Bolt) => void): void {
    this.#bolt?.watch(onChange);
  }

  /** The fail-safe lock loses power with boothd: its bolt opens. */
  async powerCut(): Promise<string | undefined> {
    this.#bolt?.loseLockPower();
    return undefined;
  }

  async powerOn(): Promise<void> {}

  boothdEnv(): Record<string, string> {
    return {};
  }

  async stop(): Promise<void> {
    this.#bolt?.unwatch();
  }
}

/** A device fault on a simulated device, through its hooks. */
export async function simDeviceStep(step: DeviceStep, control: Control): Promise<void> {
  if ('unplug' in step) await control('sim.unplug', { device: step.unplug });
  else if ('replug' in step) await control('sim.replug', { device: step.replug });
  else if ('hang' in step) await control('sim.hang', { device: step.hang });
  else if ('fail-next' in step) await control('sim.fail-next', { device: step['fail-next'].device, code: step['fail-next'].code });
  else if ('slow' in step) await control('sim.latency', { device: step.slow.device, latencyMs: step.slow.latencyMs });
  else if ('jam-bolt' in step) await control('sim.jam-bolt', { jammed: step['jam-bolt'] });
  else if ('force-door' in step) await control('sim.force-door');
}
