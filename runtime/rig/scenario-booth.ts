/**
 * Everything one scenario runs against, fresh each time: a work dir, mosquitto, the central
 * simulators, the rig's Sparkplug watch, the booth's hardware (the simulated devices inside
 * boothd, or with `devices: wire` the wire-level twins on PTY pairs the rig runs), boothd as a
 * process and the kiosk socket. `stop()` takes it all down again — boothd by SIGTERM then
 * SIGKILL, the twins and their socat, mosquitto by PID — whatever state a failed step left it in.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { sendControlCommand } from '../control/control-client.ts';
import { buildBoothManifest, type BoothManifest } from './booth-manifest.ts';
import { BoothdClock } from './boothd-clock.ts';
import type { ChildRegistry } from './child-registry.ts';
import { SimHardware, type BoothHardware } from './booth-hardware.ts';
import type { Bolt } from './door-bolt.ts';
import { KioskLink } from './kiosk-link.ts';
import type { Observations } from './observations.ts';
import { RigBoothd, type BoothdLine } from './rig-boothd.ts';
import { RigBroker } from './rig-broker.ts';
import { makeScenarioKeys, RigCentral } from './rig-central.ts';
import type { RigConfig } from './rig-config.ts';
import type { Scenario } from './scenario-schema.ts';
import { SparkplugWatch } from './sparkplug-watch.ts';
import { StateTmpfs } from './state-tmpfs.ts';
import { StepFailure } from './step-failure.ts';
import type { Timeline } from './timeline.ts';
import { startWireBooth, WireHardware, type WireSetup } from './wire-hardware.ts';

const BOOTHD_START_LIMIT_MS = 30_000;
const CENTRAL_START_LIMIT_MS = 10_000;
const CONTROL_LIMIT_MS = 10_000;
export const PRIMARY_HOST_ID = 'booth-rig-central';

export interface ScenarioBoothOptions {
  rig: RigConfig;
  scenario: Scenario;
  workDir: string;
  registry: ChildRegistry;
  timeline: Timeline;
  observations: Observations;
}

export class ScenarioBooth {
  readonly workDir: string;
  readonly stateDir: string;
  readonly boothdLog: string;
  readonly manifest: BoothManifest;
  readonly broker: RigBroker;
  readonly tmpfs: StateTmpfs | undefined;
  readonly boothdClock: BoothdClock | undefined;
  /** What the person and the faults act on, and where the door's bolt is read. */
  readonly hardware: BoothHardware;
  readonly #options: ScenarioBoothOptions;
  readonly #manifestFile: string;
  readonly #central: RigCentral;
  #watch: SparkplugWatch | undefined;
  #boothd: RigBoothd | undefined;
  /** Every boothd this scenario started (power-on starts another). */
  readonly #runs: RigBoothd[] = [];
  #kiosk: KioskLink | undefined;
  #socket: string;
  /** Set while the rig itself stops or kills boothd, so that exit is not told as a crash. */
  #boothdExitExpected = false;
  #stall: NodeJS.Timeout | undefined;

  private constructor(options: ScenarioBoothOptions, broker: RigBroker, tmpfs: StateTmpfs | undefined, wire: WireSetup | undefined) {
    this.#options = options;
    this.workDir = options.workDir;
    this.stateDir = join(options.workDir, 'state');
    this.boothdLog = join(options.workDir, 'boothd.log');
    this.#manifestFile = join(options.workDir, 'boothd.yaml');
    this.#socket = join(this.stateDir, 'boothd.sock');
    this.broker = broker;
    this.tmpfs = tmpfs;
    const keys = makeScenarioKeys(join(options.workDir, 'keys'));
    this.manifest = buildBoothManifest(options.rig, options.scenario.booth, {
      stateDir: this.stateDir,
      brokerUrl: broker.url,
      primaryHost: PRIMARY_HOST_ID,
      boothKeyFile: keys.boothKeyFile,
      centralPublicKeyFile: keys.centralPublicKeyFile,
      hardwareDir: join(options.workDir, 'hardware'),
    }, wire?.template);
    writeFileSync(this.#manifestFile, stringify(this.manifest.manifest));
    this.boothdClock = usesStep(options.scenario, 'clock-jump') ? new BoothdClock(options.workDir) : undefined;
    const control = (command: string, args?: Record<string, unknown>) => this.control(command, args);
    this.hardware = wire ? new WireHardware(wire, control) : new SimHardware(control, this.manifest.lockStateFile);
    this.#central = new RigCentral({
      brokerUrl: broker.url,
      hostId: PRIMARY_HOST_ID,
      boothId: this.manifest.boothId,
      keys,
      outDir: join(options.workDir, 'central'),
      onReceiver: (report) => options.observations.onReceiver(report),
    });
  }

  /**
   * Brings the whole booth up. On failure whatever did start is stopped again before the error
   * is thrown, so the caller has nothing to clean but the work dir.
   */
  static async start(options: ScenarioBoothOptions): Promise<ScenarioBooth> {
    const { timeline, workDir, registry } = options;
    mkdirSync(join(workDir, 'state'), { recursive: true });
    let tmpfs: StateTmpfs | undefined;
    if (usesStep(options.scenario, 'disk-full')) {
      tmpfs = new StateTmpfs(join(workDir, 'state'));
      tmpfs.mount();
      timeline.event('state dir on its own tmpfs (the scenario fills the disk)');
    }
    let broker: RigBroker;
    try {
      broker = await RigBroker.start(workDir, registry);
    } catch (error) {
      tmpfs?.unmount();
      throw error;
    }
    timeline.event(`mosquitto listening on 127.0.0.1:${broker.port} (pid ${broker.pid})`);
    let booth: ScenarioBooth | undefined;
    let wire: WireSetup | undefined;
    try {
      if (options.rig.devices === 'wire') wire = await startWireBooth(options.rig, workDir, registry, timeline);
      booth = new ScenarioBooth(options, broker, tmpfs, wire);
      booth.#watch = new SparkplugWatch({
        group: booth.manifest.group,
        node: booth.manifest.boothId,
        onMessage: (message) => options.observations.onSparkplug(message),
      });
      booth.#watch.watch(booth.#central.host); // before the host is online: boothd cannot birth earlier
      await booth.#central.start(CENTRAL_START_LIMIT_MS);
      timeline.event(`central online: primary host ${PRIMARY_HOST_ID}, capture receiver`);
      booth.hardware.watchBolt((bolt) => timeline.event(`door bolt ${bolt}`));
      await booth.startBoothd();
      return booth;
    } catch (error) {
      if (booth) await booth.stop();
      else {
        await wire?.wire.close();
        await broker.stop();
        tmpfs?.unmount();
      }
      throw error;
    }
  }

  get boothd(): RigBoothd | undefined {
    return this.#boothd;
  }

  get kiosk(): KioskLink | undefined {
    return this.#kiosk?.open ? this.#kiosk : undefined;
  }

  get central(): RigCentral {
    return this.#central;
  }

  get boothdRunning(): boolean {
    return this.#boothd?.running ?? false;
  }

  /** Starts boothd on this scenario's manifest and state dir and opens the kiosk socket. */
  async startBoothd(): Promise<void> {
    if (this.boothdRunning) throw new StepFailure(`boothd is already running (pid ${this.#boothd!.pid})`);
    const { timeline, observations, registry, rig } = this.#options;
    const boothd = new RigBoothd(
      { launcher: rig.boothd, manifestFile: this.#manifestFile, logFile: this.boothdLog, env: { ...this.hardware.boothdEnv(), ...this.boothdClock?.env() } },
      registry,
    );
    this.#boothd = boothd;
    this.#runs.push(boothd);
    this.#boothdExitExpected = false;
    timeline.event(`boothd started (pid ${boothd.pid})`, this.boothdClock ? `clock offset ${this.boothdClock.offsetSeconds} s` : undefined);
    void boothd.exited.then(({ code, signal }) => {
      if (this.#boothd !== boothd) return;
      if (this.#boothdExitExpected) timeline.event(`boothd exited (${signal ?? `code ${code}`})`);
      else timeline.event(`boothd exited on its own (${signal ?? `code ${code}`})`, undefined, false);
    });
    try {
      const running = await boothd.waitForLine((line) => /^boothd running/.test(line.msg ?? ''), '"boothd running"', BOOTHD_START_LIMIT_MS);
      if (typeof running.socket === 'string') this.#socket = running.socket;
      const kioskLine = await boothd.waitForLine((line) => /^kiosk screen at /.test(line.msg ?? ''), 'the kiosk URL', BOOTHD_START_LIMIT_MS);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(String(kioskLine.msg))?.[0];
      if (!url) throw new Error(`no kiosk URL in "${String(kioskLine.msg)}"`);
      this.#kiosk = await KioskLink.connect(
        url,
        (message) => observations.onKiosk(message),
        () => {
          if (this.boothdRunning && !this.#boothdExitExpected) timeline.event('kiosk socket closed by boothd', undefined, false);
        },
      );
      // The pong proves the hello (the first snapshot) has been observed.
      await this.#kiosk.ping();
      timeline.event(`kiosk connected at ${url}`);
    } catch (error) {
      throw new StepFailure(`boothd did not come up: ${(error as Error).message} (log: ${this.boothdLog})`, { cause: error });
    }
  }

  /** Sends a control command to boothd; its refusal or absence fails the step. */
  async control(command: string, args: Record<string, unknown> = {}): Promise<unknown> {
    if (!this.boothdRunning) throw new StepFailure(`boothd is not running, so it cannot take "${command}"`);
    let answer;
    try {
      answer = await sendControlCommand(this.#socket, command, args, CONTROL_LIMIT_MS);
    } catch (error) {
      throw new StepFailure(`boothd's control socket failed on "${command}": ${(error as Error).message}`, { cause: error });
    }
    if (!answer.ok) throw new StepFailure(`boothd refused "${command}": ${answer.error ?? 'no reason given'}`);
    return answer.result;
  }

  /** The lock's physical bolt, as the hardware holds it (also while boothd is down). */
  async physicalBolt(): Promise<Bolt> {
    return this.hardware.physicalBolt();
  }

  /** boothd dies with the power, and so does the fail-safe lock's hold on the bolt. */
  async powerCut(): Promise<string | undefined> {
    const boothd = this.#boothd;
    if (!boothd?.running) throw new StepFailure('the power is already off (boothd is not running)');
    this.#boothdExitExpected = true;
    this.#kiosk?.close();
    await boothd.kill();
    return this.hardware.powerCut();
  }

  /** The power comes back: the hardware first, then boothd starts as systemd would start it. */
  async powerOn(): Promise<void> {
    if (this.boothdRunning) throw new StepFailure(`boothd is already running (pid ${this.#boothd!.pid})`);
    await this.hardware.powerOn();
    await this.startBoothd();
  }

  /** Freezes the broker for `seconds`, then lets it go on; the scenario carries on meanwhile. */
  stallNetwork(seconds: number): void {
    if (!this.broker.running) throw new StepFailure('the broker is down; there is no network traffic to stall');
    clearTimeout(this.#stall);
    this.broker.freeze();
    this.#stall = setTimeout(() => {
      this.#stall = undefined;
      this.broker.thaw();
      this.#options.timeline.event('network stall over (mosquitto continued)');
    }, seconds * 1000);
  }

  /** The log lines of every boothd of this scenario, oldest first. */
  boothdLines(): BoothdLine[] {
    return this.#runs.flatMap((run) => run.lines);
  }

  /** The audit log lines as objects (a line that is not JSON is skipped). */
  auditEntries(): Array<Record<string, unknown>> {
    const file = join(this.stateDir, 'audit.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          return line === '' ? [] : [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** Takes everything down; never throws. Returns what could not be stopped cleanly. */
  async stop(): Promise<string[]> {
    const problems: string[] = [];
    const attempt = async (what: string, action: () => unknown) => {
      try {
        await action();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
      }
    };
    clearTimeout(this.#stall);
    this.broker.thaw();
    this.#boothdExitExpected = true;
    this.#kiosk?.close();
    await attempt('boothd', async () => {
      const ended = await this.#boothd?.stop();
      if (ended === 'killed') problems.push('boothd did not stop on SIGTERM within 10 s and was killed');
      if (ended === 'lingering') problems.push(`boothd (pid ${this.#boothd?.pid}) survived SIGKILL`);
    });
    await attempt('hardware', () => this.hardware.stop());
    this.#watch?.stop();
    await attempt('central', () => this.#central.stop());
    await attempt('mosquitto', () => this.broker.stop());
    await attempt('audit log copy', () => {
      const audit = join(this.stateDir, 'audit.log');
      if (existsSync(audit)) copyFileSync(audit, join(this.workDir, 'audit.log'));
    });
    await attempt('tmpfs', () => this.tmpfs?.unmount());
    return problems;
  }
}

/** Whether any step of the scenario is this infra step (a step that needs setting up at start). */
function usesStep(scenario: Scenario, name: 'disk-full' | 'clock-jump'): boolean {
  return scenario.steps.some((step) => step.kind === 'infra' && typeof step.infra === 'object' && name in step.infra);
}
