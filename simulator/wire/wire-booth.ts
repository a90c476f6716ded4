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

/** What the rig (or a test) can do to a line: the device faults of booth-rig's vocabulary. */
export type WireFault = 'unplug' | 'replug' | 'hang' | 'fail-next' | 'slow';

/**
 * Why a fault cannot be played on a line of this kind, or undefined when it can. A StandardFirmata
 * board has no error answers (its writes are never acknowledged), so of `fail-next` it can only
 * play the garbage (EBADMSG).
 */
export function wireFaultRefusal(kind: TwinKind, fault: WireFault, code?: DeviceErrorCode): string | undefined {
  if (kind === 'firmata' && fault === 'fail-next' && code !== 'EBADMSG') {
    return `a StandardFirmata board has no error answers (its writes are never acknowledged), so it cannot fail a command with ${code}; only EBADMSG (garbage on the line) can be played`;
  }
  return undefined;
}

/** What each kind of line does for a fault, in words (for a timeline). */
const FAULT_TEXT: Record<TwinKind, Record<Exclude<WireFault, 'fail-next'>, string>> = {
  firmata: { unplug: 'the I/O board is unplugged (power and cable)', replug: 'the I/O board is plugged back in and powers up', hang: 'the board firmware hangs (nothing read, answered or reported until it powers up again)', slow: 'the board handles every message late' },
  'signature-pad': { unplug: 'the pad is unplugged', replug: 'the pad is plugged back in', hang: 'the pad never answers its next request', slow: 'the pad answers every request late' },
  'env-sensor': { unplug: 'the sensor is unplugged', replug: 'the sensor is plugged back in', hang: 'the sensor never answers its next request', slow: 'the sensor answers every request late' },
  dmx: { unplug: 'the DMX widget is unplugged', replug: 'the DMX widget is plugged back in', hang: 'the widget never answers its next request', slow: 'the widget answers every request late' },
};

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
    const latencyMs = args.latencyMs ?? 0;
    const code = args.code ?? 'EIO';
    const text = fault === 'fail-next' ? undefined : FAULT_TEXT[line.kind][fault];
    const board = this.boards.find((candidate) => candidate.line === line);
    const lineTwin = this.pads.find((pad) => pad.line === line)?.twin ?? this.envs.find((env) => env.line === line)?.twin;
    const widget = this.dmx.find((dmx) => dmx.line === line)?.twin;
    if (board) {
      const twin = board.twin;
      switch (fault) {
        case 'unplug':
          await twin.unplug();
          break;
        case 'replug':
          // A hung firmware is cured only by power: a board still on its cable is power-cycled.
          if (twin.pair.connected) await twin.unplug();
          await twin.replug();
          break;
        case 'hang':
          twin.goSilent(true);
          break;
        case 'slow':
          twin.setLatency(latencyMs);
          break;
        case 'fail-next':
          twin.sendGarbage();
          return 'the board sends bytes no Firmata board sends (garbage on the line)';
      }
      return text!;
    }
    if (lineTwin) {
      switch (fault) {
        case 'unplug':
          await lineTwin.unplug();
          break;
        case 'replug':
          lineTwin.setSilent(false);
          await lineTwin.replug();
          break;
        case 'hang':
          lineTwin.hangNextCommand();
          break;
        case 'slow':
          lineTwin.setLatency(latencyMs);
          break;
        case 'fail-next':
          if (code === 'EBADMSG') {
            lineTwin.garbleNextAnswer();
            return 'the next request is answered with bytes that are not the protocol (garbage on the line)';
          }
          lineTwin.failNextCommand(code);
          return `the next request is answered with the ERR code the host reads as ${code}`;
      }
      return text!;
    }
    if (widget) {
      switch (fault) {
        case 'unplug':
          await widget.unplug();
          break;
        case 'replug':
          await widget.replug();
          break;
        case 'hang':
          widget.hangNextRequest();
          break;
        case 'slow':
          widget.setAnswerDelay(latencyMs);
          break;
        case 'fail-next':
          widget.failNextRequest(code);
          return `the next request is answered the way the driver reads as ${code}`;
      }
      return text!;
    }
    throw new Error(`the twin of ${path} is not running`);
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
