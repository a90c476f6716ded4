/**
 * Which part of a wire booth (`devices: wire`) plays each device of its manifest, and what a step
 * cannot do there. A device is reached one of three ways:
 *
 * - `line`: a serial device (Firmata board, signature pad, env sensor, DMX widget) whose twin the
 *   rig runs on the device end of a PTY pair;
 * - `sdk`: a `biosdk,*` device on the simulated vendor SDK inside boothd, through its `sim.sdk-*`
 *   control commands, by the device's serial;
 * - `sim`: a device the template keeps simulated (`sim,*`, e.g. the passport reader), through its
 *   `sim.*` hooks as on the simulated booth.
 *
 * `refusedSteps` reads the scenario against that before anything starts, so a step the booth
 * cannot play makes the scenario `error` with the step, the device and the reason, instead of a
 * failure halfway through.
 */
import { readFileSync } from 'node:fs';
import { SIM_BIO_CAMERA_SERIAL, SIM_BIO_SCANNER_SERIAL } from '../../simulator/sdk/controls.ts';
import { wireFaultRefusal, type WireFault } from '../../simulator/wire/twin-faults.ts';
import { boardProfileFor, firmataWiring, planWireBooth, type SerialLine, type WireDevice, type WirePlan } from '../../simulator/wire/wire-manifest.ts';
import { WIRE_TEMPLATE, type RigConfig } from './rig-config.ts';
import type { Step } from './scenario-schema.ts';

export type Route =
  | { via: 'line'; device: WireDevice; line: SerialLine }
  | { via: 'sdk'; device: WireDevice; serial: string }
  | { via: 'sim'; device: WireDevice };

/** The Firmata inputs a scenario moves. */
export type WiredInputName = 'occupancy' | 'exitButton' | 'fireAlarm';

const INPUT_TEXT: Record<WiredInputName, { sim: string; words: string }> = {
  occupancy: { sim: 'occupancy', words: 'an occupancy (PIR) input' },
  exitButton: { sim: 'exit button', words: 'an exit-button input' },
  fireAlarm: { sim: 'fire alarm', words: 'a fire-alarm input' },
};

export class WireRoutes {
  readonly plan: WirePlan;

  constructor(plan: WirePlan) {
    this.plan = plan;
  }

  /** Reads the template of a `devices: wire` rig (throws when a device has no twin). */
  static ofRig(rig: RigConfig): WireRoutes {
    const file = rig.manifest ?? WIRE_TEMPLATE;
    return new WireRoutes(planWireBooth(readFileSync(file, 'utf8'), file));
  }

  route(id: string): Route | undefined {
    const device = this.plan.devices.find((candidate) => candidate.id === id);
    return device ? this.#routeOf(device) : undefined;
  }

  /** The first device of one of these compatibles, in the manifest's order of the list. */
  ofClass(...compatibles: string[]): Route | undefined {
    for (const compatible of compatibles) {
      const device = this.plan.devices.find((candidate) => candidate.compatible === compatible);
      if (device) return this.#routeOf(device);
    }
    return undefined;
  }

  scanner(): Route | undefined {
    return this.ofClass('biosdk,fingerprint', 'sim,fingerprint');
  }

  camera(): Route | undefined {
    return this.ofClass('biosdk,camera', 'sim,camera');
  }

  /** No document reader has a real driver (and so no wire twin) yet: only a simulated one plays. */
  documentReader(): Route | undefined {
    return this.ofClass('sim,document-reader');
  }

  doorLock(): Route | undefined {
    return this.ofClass('firmata,door-lock', 'sim,door-lock');
  }

  /** The simulated sensors, else the Firmata board that has this input wired. */
  input(name: WiredInputName): Route | undefined {
    const sim = this.ofClass('sim,sensors');
    if (sim) return sim;
    for (const line of this.plan.lines) {
      if (line.kind !== 'firmata' || !this.#wiring(line)[name]) continue;
      const device = line.devices.find((candidate) => candidate.compatible === 'firmata,sensors') ?? line.devices[0]!;
      return { via: 'line', device, line };
    }
    return undefined;
  }

  /** Whether the door lock's board has a door contact wired (what a forced door is seen by). */
  doorContactWired(line: SerialLine): boolean {
    return (this.#wiring(line).doorContacts ?? []).length > 0;
  }

  /** Why this step cannot be played on this booth, in words naming the step and the device; undefined when it can. */
  refusal(step: Step): string | undefined {
    if (step.kind === 'person') return this.#personRefusal(step.person);
    if (step.kind === 'infra' && (step.infra === 'fire-alarm-on' || step.infra === 'fire-alarm-off')) {
      return this.input('fireAlarm') ? undefined : `${step.infra}: ${this.#noInput('fireAlarm')}`;
    }
    if (step.kind !== 'device') return undefined;
    const fault = step.device;
    if ('jam-bolt' in fault || 'force-door' in fault) {
      const what = 'jam-bolt' in fault ? 'jam-bolt' : 'force-door';
      const lock = this.doorLock();
      if (!lock) return `${what}: this booth has no door lock the rig can reach (firmata,door-lock or sim,door-lock)`;
      if (what === 'force-door' && lock.via === 'line' && !this.doorContactWired(lock.line)) {
        return `force-door: the door lock ${lock.device.id} has no door contact wired on its board, so nothing sees the door open`;
      }
      return undefined;
    }
    const [name, id, code] =
      'unplug' in fault
        ? (['unplug', fault.unplug] as const)
        : 'replug' in fault
          ? (['replug', fault.replug] as const)
          : 'hang' in fault
            ? (['hang', fault.hang] as const)
            : 'fail-next' in fault
              ? (['fail-next', fault['fail-next'].device, fault['fail-next'].code] as const)
              : (['slow', fault.slow.device] as const);
    const route = this.route(id);
    if (!route) return `${name}: this booth has no device "${id}" (its devices: ${this.plan.devices.map((device) => device.id).join(', ')})`;
    if (route.via !== 'line') return undefined;
    const why = wireFaultRefusal(route.line.kind, name as WireFault, code);
    return why ? `${name} on ${describeRoute(route)}: ${why}` : undefined;
  }

  #personRefusal(step: Extract<Step, { kind: 'person' }>['person']): string | undefined {
    if (step === 'enter' || step === 'leave') return this.input('occupancy') ? undefined : `${step}: ${this.#noInput('occupancy')}`;
    if (step === 'press-exit') return this.input('exitButton') ? undefined : `press-exit: ${this.#noInput('exitButton')}`;
    if (typeof step === 'string') return undefined; // on the screen
    if ('finger-quality' in step || 'wrong-hand' in step || 'fingers-missing' in step) {
      const what = Object.keys(step)[0];
      return this.scanner() ? undefined : `${what}: this booth has no fingerprint scanner the rig can reach (biosdk,fingerprint on the simulated SDK, or sim,fingerprint)`;
    }
    if ('face' in step) return this.camera() ? undefined : 'face: this booth has no camera the rig can reach (biosdk,camera on the simulated SDK, or sim,camera)';
    if ('passport' in step) {
      if (this.documentReader()) return undefined;
      const reader = this.plan.devices.find((device) => /document-reader/.test(device.compatible));
      return reader
        ? `passport: the document reader ${reader.id} (${reader.compatible}) is not on the wire: no wire-level twin of a passport reader exists, so nobody can lay a passport on it`
        : 'passport: this booth has no document reader';
    }
    return undefined;
  }

  #noInput(name: WiredInputName): string {
    return `this booth has no ${INPUT_TEXT[name].sim} the rig can move: no sim,sensors device and no Firmata board with ${INPUT_TEXT[name].words} wired`;
  }

  #wiring(line: SerialLine) {
    return firmataWiring(line.devices, boardProfileFor(line.devices));
  }

  #routeOf(device: WireDevice): Route {
    if (device.bus.type === 'sdk') {
      const serial = typeof device.props.serial === 'string' ? device.props.serial : device.compatible === 'biosdk,camera' ? SIM_BIO_CAMERA_SERIAL : SIM_BIO_SCANNER_SERIAL;
      return { via: 'sdk', device, serial };
    }
    const line = this.plan.lines.find((candidate) => candidate.devices.includes(device));
    return line ? { via: 'line', device, line } : { via: 'sim', device };
  }
}

/** "door (firmata,door-lock on /dev/booth-io)". */
export function describeRoute(route: Route): string {
  const where = route.via === 'line' ? ` on ${route.line.path}` : route.via === 'sdk' ? ` on the simulated SDK, serial ${route.serial}` : '';
  return `${route.device.id} (${route.device.compatible}${where})`;
}

/**
 * The steps of a scenario this rig cannot play, with why, known from the files alone (1-based
 * step numbers). Only a wire booth refuses steps; the simulated booth plays them all.
 */
export function refusedSteps(rig: RigConfig, steps: readonly Step[]): Array<{ step: number; message: string }> {
  if (rig.devices !== 'wire') return [];
  const routes = WireRoutes.ofRig(rig);
  return steps.flatMap((step, index) => {
    const message = routes.refusal(step);
    return message ? [{ step: index + 1, message }] : [];
  });
}
