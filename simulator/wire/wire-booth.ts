/**
 * The wire-level booth of a manifest on real drivers: a socat PTY pair for every serial path of
 * the manifest with the twin that plays what hangs on it on the device end — the Firmata I/O
 * board with the booth's wiring (lock, bolt sensor, door contact, exit button, PIR, fire alarm …),
 * the signature pad, the environment sensor, the DMX widget. The driver ends replace the serial
 * paths in the derived manifest (wire-manifest.ts); the vendor SDK behind an sdk bus is the
 * simulated one, which lives in boothd's own process and is reached through its control socket.
 *
 * Used by `make run-wire` and by booth-rig's `devices: wire`. Besides starting and stopping, it
 * plays the cable and the firmware of each line: unplug, replug, hang, garbage, errors, slowness,
 * and the power of the whole booth — each the way the twin on that line can (`wireFaultRefusal`
 * says beforehand what a line cannot do).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceErrorCode } from '../../hal/errors.ts';
import { DmxWidgetTwin } from './dmx-widget-twin.ts';
import { EnvSensorTwin } from './env-sensor-twin.ts';
import { FirmataBoardTwin } from './firmata-board-twin.ts';
import { FirmataBoothRig } from './firmata-booth-wiring.ts';
import { PtyPair } from './pty-pair.ts';
import { SignaturePadTwin } from './signature-pad-twin.ts';
import { boardFaults, lineDeviceFaults, playFault, widgetFaults, wireFaultRefusal, type FaultPlayer, type WireFault } from './twin-faults.ts';
import {
  boardProfileFor,
  deriveWireManifest,
  dmxPatch,
  firmataWiring,
  planWireBooth,
  type DeriveOptions,
  type DmxPatch,
  type SerialLine,
  type TwinKind,
  type WirePlan,
} from './wire-manifest.ts';

export interface WireBoard {
  line: SerialLine;
  twin: FirmataBoardTwin;
  rig: FirmataBoothRig;
  relayPin: number | undefined;
}

export interface WirePad {
  line: SerialLine;
  twin: SignaturePadTwin;
}

export interface WireEnv {
  line: SerialLine;
  twin: EnvSensorTwin;
}

export interface WireDmx {
  line: SerialLine;
  twin: DmxWidgetTwin;
  patch: DmxPatch;
}

export interface WireBoothOptions {
  /** Where the PTY pairs go, one folder per line (removed by `close`). */
  ptyDir: string;
  /** A line's twin is up: what it plays, for a log. */
  onTwin?: (line: SerialLine, description: string, pair: PtyPair) => void;
  /** Every socat started (at start and at each replug), e.g. to kill it should the owner crash. */
  onSocat?: (socat: ChildProcess, line: SerialLine) => void;
  /** The pad twin for a signature-pad line (default: a SignaturePadTwin with its defaults). */
  makePad?: (pair: PtyPair, line: SerialLine) => SignaturePadTwin;
}

export class WireBooth {
  readonly plan: WirePlan;
  readonly pairs = new Map<string, PtyPair>();
  readonly boards: WireBoard[] = [];
  readonly pads: WirePad[] = [];
  readonly envs: WireEnv[] = [];
  readonly dmx: WireDmx[] = [];
  readonly #options: WireBoothOptions;

  constructor(plan: WirePlan, options: WireBoothOptions) {
    this.plan = plan;
    this.#options = options;
  }

  /** The booth of a manifest's text (`file` names it in errors); throws when a device has no twin. */
  static fromManifest(text: string, file: string, options: WireBoothOptions): WireBooth {
    return new WireBooth(planWireBooth(text, file), options);
  }

  /** Makes the PTY pairs and starts a twin on each; on failure closes what it made and throws. */
  async start(): Promise<void> {
    try {
      for (const line of this.plan.lines) await this.startLine(line);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** The PTY end the driver opens in place of a manifest's serial path. */
  driverEnd(path: string): string {
    const pair = this.pairs.get(path);
    if (!pair) throw new Error(`no PTY pair for ${path}`);
    return pair.driverPath;
  }

  /** The manifest boothd runs on this booth (wire-manifest.ts), with this booth's driver ends. */
  deriveManifest(text: string, options: Omit<DeriveOptions, 'driverEnd'>): string {
    return deriveWireManifest(text, { ...options, driverEnd: (path) => this.driverEnd(path) });
  }

  /** The serial line a manifest device is on (undefined: not a serial device). */
  lineOf(deviceId: string): SerialLine | undefined {
    return this.plan.lines.find((line) => line.devices.some((device) => device.id === deviceId));
  }

  /** The Firmata board with this device on it. */
  boardOf(deviceId: string): WireBoard | undefined {
    return this.boards.find((board) => board.line.devices.some((device) => device.id === deviceId));
  }

  /** The board whose wiring has a door lock (its relay), else the first board. */
  get doorBoard(): WireBoard | undefined {
    return this.boards.find((board) => board.relayPin !== undefined) ?? this.boards[0];
  }

  /**
   * Plays a device fault on a line (throws what `wireFaultRefusal` says when it cannot); returns
   * what happened, in words. `fail-next` with EBADMSG is garbage on the line: the Firmata board
   * sends bytes no board sends, a line-protocol device answers its next request with noise.
   */
  async fault(path: string, fault: WireFault, args: { code?: DeviceErrorCode; latencyMs?: number } = {}): Promise<string> {
    const line = this.plan.lines.find((candidate) => candidate.path === path);
    if (!line) throw new Error(`no serial line ${path}`);
    const refusal = wireFaultRefusal(line.kind, fault, args.code);
    if (refusal) throw new Error(refusal);
    const player = this.faultPlayerOf(line);
    if (!player) throw new Error(`the twin of ${path} is not running`);
    return playFault(player, line.kind, fault, { code: args.code ?? 'EIO', latencyMs: args.latencyMs ?? 0 });
  }

  /** How the twin on `line` plays faults; undefined when none runs there. */
  private faultPlayerOf(line: SerialLine): FaultPlayer | undefined {
    const board = this.boards.find((candidate) => candidate.line === line);
    if (board) return boardFaults(board.twin);
    const lineDevice = this.pads.find((pad) => pad.line === line)?.twin ?? this.envs.find((env) => env.line === line)?.twin;
    if (lineDevice) return lineDeviceFaults(lineDevice);
    const widget = this.dmx.find((dmx) => dmx.line === line)?.twin;
    return widget ? widgetFaults(widget) : undefined;
  }

  /** The booth loses power: every line's device with it (the fail-safe lock's relay drops). */
  async powerOff(): Promise<void> {
    for (const line of this.plan.lines) if (this.pairs.get(line.path)?.connected) await this.fault(line.path, 'unplug');
  }

  /** Power is back: every line's device powers up again. */
  async powerOn(): Promise<void> {
    for (const line of this.plan.lines) if (!this.pairs.get(line.path)?.connected) await this.fault(line.path, 'replug');
  }

  /** Stops every twin and removes the PTY pairs (their socat processes end); never throws. */
  async close(): Promise<void> {
    const quietly = (promise: Promise<unknown>) => promise.catch(() => undefined);
    for (const board of this.boards) {
      board.rig.dispose();
      await quietly(board.twin.close());
    }
    for (const { twin } of this.pads) await quietly(twin.close());
    for (const { twin } of this.envs) await quietly(twin.close());
    for (const { twin } of this.dmx) await quietly(twin.close());
    for (const pair of this.pairs.values()) await quietly(pair.close());
    rmSync(this.#options.ptyDir, { recursive: true, force: true });
  }

  private async startLine(line: SerialLine): Promise<void> {
    const folder = join(this.#options.ptyDir, line.name);
    mkdirSync(folder, { recursive: true });
    const onSocat = this.#options.onSocat;
    const pair = await PtyPair.open(folder, { ownProcessGroup: true, ...(onSocat ? { onSocat: (socat) => onSocat(socat, line) } : {}) });
    this.pairs.set(line.path, pair);
    const ids = line.devices.map((device) => device.id).join(', ');
    let description: string;
    switch (line.kind) {
      case 'firmata': {
        const profile = boardProfileFor(line.devices);
        const wiring = firmataWiring(line.devices, profile);
        const twin = await FirmataBoardTwin.start(pair, { profile });
        this.boards.push({ line, twin, rig: new FirmataBoothRig(twin, wiring), relayPin: wiring.relay?.pin });
        description = `StandardFirmata 2.5 board (${profile.name}) with the booth's wiring, for ${ids}`;
        break;
      }
      case 'signature-pad': {
        const twin = this.#options.makePad?.(pair, line) ?? new SignaturePadTwin(pair);
        await twin.attach();
        this.pads.push({ line, twin });
        description = `BSP/1 signature pad, for ${ids}`;
        break;
      }
      case 'env-sensor': {
        const twin = new EnvSensorTwin(pair);
        await twin.attach();
        this.envs.push({ line, twin });
        description = `BES/1 environment sensor, for ${ids}`;
        break;
      }
      case 'dmx': {
        const twin = await DmxWidgetTwin.start({ pair });
        this.dmx.push({ line, twin, patch: dmxPatch(line.devices[0]!) });
        description = `DMX USB Pro widget, for ${ids}`;
        break;
      }
    }
    this.#options.onTwin?.(line, description, pair);
  }
}
