/**
 * The wire booth (`devices: wire`): boothd runs the REAL drivers of the rig's template (default
 * config/booth.example.yaml) against wire-level twins the rig runs in its own process — a socat
 * PTY pair per serial path with the Firmata board (the booth's wiring), the signature pad, the env
 * sensor and the DMX widget on the device ends — and the simulated vendor SDK that boothd loads.
 * The steps act where a real person or a real fault would: on the twins' pins and lines, on the
 * SDK's hardware controls (`sim.sdk-*` on boothd's control socket), and on the devices the
 * template keeps simulated (`sim.*`). The door is read from the Firmata twin's bolt, which
 * follows the relay output boothd drives. wire-routes.ts says which part plays which device and
 * what a step cannot do here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { generateBoothKeyPair, writeKeyPair } from '../../protocols/capture/keys.ts';
import { BIO_FAILURE_STATUS } from '../../simulator/sdk/control-commands.ts';
import { simBioSdkLibraryPath } from '../../simulator/sdk/controls.ts';
import { SignaturePadTwin } from '../../simulator/wire/signature-pad-twin.ts';
import { WireBooth, type WireBoard } from '../../simulator/wire/wire-booth.ts';
import type { WireFault } from '../../simulator/wire/twin-faults.ts';
import type { ReadTemplate } from './booth-manifest.ts';
import { simDeviceStep, type BodyStep, type BoothHardware, type Control } from './booth-hardware.ts';
import type { ChildRegistry } from './child-registry.ts';
import type { Bolt } from './door-bolt.ts';
import { WIRE_TEMPLATE, type RigConfig } from './rig-config.ts';
import type { DeviceStep } from './step-schema.ts';
import { StepFailure } from './step-failure.ts';
import type { Timeline } from './timeline.ts';
import { describeRoute, WireRoutes, type Route, type WiredInputName } from './wire-routes.ts';

/** How long the person holds the exit button: well past the driver's 30 ms debounce. */
const EXIT_PRESS_MS = 150;
const BOLT_POLL_MS = 50;
/** The simulated SDK's person is as quick as the sim scanner's (placeDelayMs 200); the pad signs in 0.5 s. */
const SDK_ENV = { SIM_BIO_PLACE_MS: '200' };
const PAD_SIGNING_MS = 500;

/** What an SDK device's `fail-next` code is in bio_status terms (EBADMSG is a lying result instead). */
const SDK_STATUS_FOR: Record<string, keyof typeof BIO_FAILURE_STATUS> = {
  ETIMEDOUT: 'BIO_E_TIMEOUT',
  EIO: 'BIO_E_HARDWARE',
  ENODEV: 'BIO_E_NO_DEVICE',
  EBUSY: 'BIO_E_BUSY',
};

export interface WireSetup {
  wire: WireBooth;
  routes: WireRoutes;
  /** The template with the twins' PTYs and the simulated SDK put in, for buildBoothManifest. */
  template: ReadTemplate;
}

/**
 * Starts the twins of the rig's template under `workDir` (socat tracked by `registry`, each line
 * told in the timeline) and derives the template boothd will run on them. On failure whatever
 * started is stopped again before the error is thrown.
 */
export async function startWireBooth(rig: RigConfig, workDir: string, registry: ChildRegistry, timeline: Timeline): Promise<WireSetup> {
  const file = rig.manifest ?? WIRE_TEMPLATE;
  const text = readFileSync(file, 'utf8');
  const routes = WireRoutes.ofRig(rig);
  const wire = new WireBooth(routes.plan, {
    ptyDir: join(workDir, 'pty'),
    makePad: (pair) => new SignaturePadTwin(pair, { signingMs: PAD_SIGNING_MS }),
    onSocat: (socat, line) => registry.track(socat, `socat (${line.name})`),
    onTwin: (line, description, pair) => timeline.event(`twin: ${description} on ${line.path} (socat pid ${pair.pid})`),
  });
  await wire.start();
  try {
    const keysDir = join(workDir, 'keys');
    // The template's signed-command key is replaced too: a rig run trusts no real central key.
    writeKeyPair(keysDir, 'commands', generateBoothKeyPair());
    const derived = wire.deriveManifest(text, {
      sourceName: file,
      stateDir: join(workDir, 'state'),
      keysDir,
      sdkLibrary: simBioSdkLibraryPath(),
      brokerPort: 0,
      primaryHost: 'booth-rig-central',
    });
    timeline.event('vendor SDK: the simulated one (build/sdk/libbooth_bio_sdk.so), inside boothd');
    return { wire, routes, template: { mapping: parse(derived) as Record<string, unknown>, dir: dirname(file) } };
  } catch (error) {
    await wire.close();
    throw error;
  }
}

export class WireHardware implements BoothHardware {
  readonly #wire: WireBooth;
  readonly #routes: WireRoutes;
  readonly #control: Control;
  #boltTimer: NodeJS.Timeout | undefined;

  constructor({ wire, routes }: WireSetup, control: Control) {
    this.#wire = wire;
    this.#routes = routes;
    this.#control = control;
  }

  async person(step: BodyStep): Promise<string | undefined> {
    if (step === 'enter' || step === 'leave') {
      const occupied = step === 'enter';
      const detail = await this.#input('occupancy', occupied, (board) => board.rig.setOccupied(occupied));
      // A person takes their passport with them.
      if (!occupied && this.#routes.documentReader()) await this.#control('sim.remove-document', {});
      return detail;
    }
    if (step === 'press-exit') return this.#input('exitButton', true, (board) => board.rig.pressExitButton(EXIT_PRESS_MS));
    if ('passport' in step) {
      this.#need(this.#routes.documentReader(), 'passport');
      await this.#control('sim.present-mrz', { lines: step.passport });
      return undefined;
    }
    if ('face' in step) {
      const camera = this.#need(this.#routes.camera(), 'face');
      if (camera.via === 'sdk') await this.#control('sim.sdk-subject', { serial: camera.serial, subject: step.face });
      else await this.#control('sim.face', { subject: step.face });
      return camera.via === 'sdk' ? `camera ${camera.serial} on the simulated SDK` : undefined;
    }
    const scanner = this.#need(this.#routes.scanner(), Object.keys(step)[0]!);
    if (scanner.via !== 'sdk') {
      if ('finger-quality' in step) await this.#control('sim.finger-quality', { quality: step['finger-quality'] });
      else if ('wrong-hand' in step) await this.#control('sim.wrong-hand', { wrong: step['wrong-hand'] });
      else if ('fingers-missing' in step) await this.#control('sim.fingers-missing', { fingers: step['fingers-missing'] });
      return undefined;
    }
    const serial = scanner.serial;
    if ('finger-quality' in step) await this.#control('sim.sdk-quality', { serial, quality: step['finger-quality'] });
    else if ('wrong-hand' in step) await this.#control('sim.sdk-person', { serial, wrongHand: step['wrong-hand'] });
    else if ('fingers-missing' in step) await this.#control('sim.sdk-fingers-missing', { serial, fingers: step['fingers-missing'] });
    return `scanner ${serial} on the simulated SDK`;
  }

  async device(step: DeviceStep): Promise<string | undefined> {
    if ('jam-bolt' in step || 'force-door' in step) {
      const lock = this.#need(this.#routes.doorLock(), 'jam-bolt' in step ? 'jam-bolt' : 'force-door');
      if (lock.via !== 'line') {
        await simDeviceStep(step, this.#control);
        return undefined;
      }
      const board = this.#board(lock.device.id);
      if ('jam-bolt' in step) {
        board.rig.jamBolt(step['jam-bolt']);
        return step['jam-bolt'] ? 'the bolt no longer follows the relay' : 'the bolt follows the relay again';
      }
      board.rig.openDoor();
      return 'door contact open';
    }
    const [fault, id, args] =
      'unplug' in step
        ? (['unplug', step.unplug, {}] as const)
        : 'replug' in step
          ? (['replug', step.replug, {}] as const)
          : 'hang' in step
            ? (['hang', step.hang, {}] as const)
            : 'fail-next' in step
              ? (['fail-next', step['fail-next'].device, { code: step['fail-next'].code }] as const)
              : (['slow', step.slow.device, { latencyMs: step.slow.latencyMs }] as const);
    const route = this.#need(this.#routes.route(id), fault);
    switch (route.via) {
      case 'sim':
        await simDeviceStep(step, this.#control);
        return undefined;
      case 'sdk':
        return this.#sdkFault(route.serial, fault, args);
      case 'line':
        try {
          return `${describeRoute(route)}: ${await this.#wire.fault(route.line.path, fault, args)}`;
        } catch (error) {
          throw new StepFailure(`${fault} on ${describeRoute(route)}: ${(error as Error).message}`, { cause: error });
        }
    }
  }

  async fireAlarm(active: boolean): Promise<string | undefined> {
    return this.#input('fireAlarm', active, (board) => board.rig.setFireAlarm(active));
  }

  /** The Firmata twin's bolt: it follows the relay output boothd drives (and drops without power). */
  async physicalBolt(): Promise<Bolt> {
    const lock = this.#need(this.#routes.doorLock(), 'expect door');
    if (lock.via === 'line') return this.#board(lock.device.id).rig.physicalBolt;
    const result = (await this.#control('sim.physical-door')) as { bolt: Bolt };
    return result.bolt;
  }

  watchBolt(onChange: (bolt: Bolt) => void): void {
    const lock = this.#routes.doorLock();
    if (lock?.via !== 'line') return;
    const board = this.#board(lock.device.id);
    let last = board.rig.physicalBolt;
    this.#boltTimer = setInterval(() => {
      const bolt = board.rig.physicalBolt;
      if (bolt === last) return;
      last = bolt;
      onChange(bolt);
    }, BOLT_POLL_MS);
  }

  /** Every serial device loses power with the booth PC (the Firmata board drops the lock's relay). */
  async powerCut(): Promise<string | undefined> {
    await this.#wire.powerOff();
    return 'the twins lost power (every serial line unplugged)';
  }

  async powerOn(): Promise<void> {
    await this.#wire.powerOn();
  }

  boothdEnv(): Record<string, string> {
    return { ...SDK_ENV };
  }

  async stop(): Promise<void> {
    clearInterval(this.#boltTimer);
    this.#boltTimer = undefined;
    await this.#wire.close();
  }

  async #sdkFault(serial: string, fault: WireFault, args: { code?: string; latencyMs?: number }): Promise<string> {
    switch (fault) {
      case 'unplug':
        await this.#control('sim.sdk-unplug', { serial });
        return `SDK device ${serial}: USB cable out`;
      case 'replug':
        await this.#control('sim.sdk-replug', { serial });
        return `SDK device ${serial}: USB cable back in`;
      case 'hang':
        await this.#control('sim.sdk-hang', { serial, mode: 'until-cancel' });
        return `SDK device ${serial}: the next blocking call never completes by itself`;
      case 'slow':
        await this.#control('sim.sdk-timing', { serial, opMs: args.latencyMs ?? 0 });
        return `SDK device ${serial}: every round trip takes ${args.latencyMs} ms`;
      case 'fail-next':
        if (args.code === 'EBADMSG') {
          await this.#control('sim.sdk-corrupt-next', { serial, kind: 'image-bytes' });
          return `SDK device ${serial}: the next capture returns a result that lies about its image size`;
        }
        await this.#control('sim.sdk-fail-next', { serial, status: SDK_STATUS_FOR[args.code ?? 'EIO'] });
        return `SDK device ${serial}: the next blocking call fails with ${SDK_STATUS_FOR[args.code ?? 'EIO']}`;
    }
  }

  /** Moves an input: on the simulated sensors, or on the Firmata twin's pin it is wired to. */
  async #input(name: WiredInputName, active: boolean, onBoard: (board: WireBoard) => void): Promise<string | undefined> {
    const route = this.#need(this.#routes.input(name), name);
    if (route.via === 'line') {
      onBoard(this.#board(route.device.id));
      return undefined;
    }
    if (name === 'occupancy') await this.#control('sim.occupancy', { occupied: active });
    else if (name === 'exitButton') await this.#control('sim.exit-button');
    else await this.#control('sim.fire-alarm', { active });
    return undefined;
  }

  #board(deviceId: string): WireBoard {
    const board = this.#wire.boardOf(deviceId);
    if (!board) throw new Error(`the Firmata twin of ${deviceId} is not running`);
    return board;
  }

  /** Checked before the scenario started (wire-routes.ts); a miss here is the rig's own error. */
  #need(route: Route | undefined, what: string): Route {
    if (!route) throw new Error(`${what}: nothing on this wire booth plays it (the scenario should have been refused before it ran)`);
    return route;
  }
}
