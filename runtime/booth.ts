/**
 * The composition root: builds the whole object graph of one booth from a checked manifest and
 * injected clock, logger and randomness. Nothing in the runtime reaches for a global; tests
 * build a booth the same way with a fake clock.
 */
import { join } from 'node:path';
import type { AnyDevice, Clock } from '../hal/index.ts';
import { AuditLog } from './audit/audit-log.ts';
import type { LoadedConfig } from './config/load.ts';
import { ControlServer } from './control/control-server.ts';
import { logDeviceEvents } from './devices/device-event-log.ts';
import { DeviceManager } from './devices/device-manager.ts';
import type { BoothLogger } from './logging/logger.ts';
import { DoorGuard } from './safety/door-guard.ts';
import type { RandomSource } from './supervisor/backoff.ts';
import { Supervisor, type Component } from './supervisor/supervisor.ts';

export interface BoothDependencies {
  clock: Clock;
  logger: BoothLogger;
  random?: RandomSource;
}

export interface BoothStatus {
  boothId: string;
  group: string;
  startedAt: number;
  uptimeMs: number;
  door: { state: string; fireAlarm: boolean };
  devices: Awaited<ReturnType<DeviceManager['health']>>;
  components: ReturnType<Supervisor['status']>;
}

export class Booth {
  readonly config: LoadedConfig['config'];
  readonly clock: Clock;
  readonly logger: BoothLogger;
  readonly audit: AuditLog;
  readonly devices: DeviceManager;
  readonly door: DoorGuard;
  readonly control: ControlServer;
  readonly supervisor: Supervisor;
  #startedAt = 0;

  constructor(loaded: LoadedConfig, dependencies: BoothDependencies) {
    const { clock, logger, random } = dependencies;
    const { config } = loaded;
    this.config = config;
    this.clock = clock;
    this.logger = logger;
    this.audit = new AuditLog(join(config.stateDir, 'audit.log'), clock, logger.child({ component: 'audit' }));
    const devices: AnyDevice[] = loaded.devices.map(({ entry, driver, props }) =>
      driver.create({ id: entry.id, compatible: entry.compatible, bus: entry.bus, clock, stateDir: config.stateDir }, props),
    );
    const backoff = {
      initialMs: config.supervisor.retryInitialMs,
      maxMs: config.supervisor.retryMaxMs,
      jitter: config.supervisor.retryJitter,
    };
    this.devices = new DeviceManager({
      devices,
      clock,
      logger: logger.child({ component: 'devices' }),
      backoff,
      ...(random ? { random } : {}),
    });
    logDeviceEvents(this.devices, logger.child({ component: 'devices' }));
    this.door = new DoorGuard({
      manager: this.devices,
      clock,
      audit: this.audit,
      logger: logger.child({ component: 'door' }),
      maxLockSeconds: config.door.maxLockSeconds,
      lockTimeoutMs: config.door.lockTimeoutMs,
    });
    this.control = new ControlServer(join(config.stateDir, 'boothd.sock'), logger.child({ component: 'control' }));
    this.registerControlCommands();
    this.supervisor = new Supervisor({ clock, logger: logger.child({ component: 'supervisor' }), backoff, ...(random ? { random } : {}) });
    this.supervisor.add(this.doorSafetyComponent()).add(this.devicesComponent()).add(this.controlComponent());
  }

  /** Starts everything in order; the door is released before any other device is opened. */
  async start(): Promise<void> {
    this.#startedAt = this.clock.now();
    this.audit.record('boothd.starting', { booth: this.config.booth.id });
    await this.supervisor.start();
  }

  /** Releases the door first, then stops every component in reverse order. */
  async shutdown(reason: string): Promise<void> {
    await this.door.release(`shutdown: ${reason}`);
    await this.supervisor.stop();
    this.audit.record('boothd.stopped', { reason });
    this.audit.close();
  }

  async status(): Promise<BoothStatus> {
    return {
      boothId: this.config.booth.id,
      group: this.config.booth.group,
      startedAt: this.#startedAt,
      uptimeMs: this.clock.now() - this.#startedAt,
      door: { state: this.door.state, fireAlarm: this.door.fireAlarmActive },
      devices: await this.devices.health(),
      components: this.supervisor.status(),
    };
  }

  private doorSafetyComponent(): Component {
    return {
      name: 'door-safety',
      start: () => this.door.releaseAtStartup(),
      stop: async () => this.door.dispose(),
    };
  }

  private devicesComponent(): Component {
    return {
      name: 'devices',
      start: () => this.devices.openAll(),
      stop: () => this.devices.closeAll(),
    };
  }

  private controlComponent(): Component {
    return { name: 'control', start: () => this.control.start(), stop: () => this.control.stop() };
  }

  private registerControlCommands(): void {
    const reasonOf = (args: Record<string, unknown>, fallback: string) =>
      typeof args.reason === 'string' && args.reason !== '' ? args.reason.slice(0, 200) : fallback;
    this.control.register('status', 'booth, door and device status', () => this.status());
    this.control.register('door.lock', 'lock the door {reason} (refused when unsafe)', async (args) => {
      await this.door.lock(reasonOf(args, 'control socket'));
      return { state: this.door.state };
    });
    this.control.register('door.unlock', 'release the door {reason}; always accepted', async (args) => {
      await this.door.release(reasonOf(args, 'control socket'));
      return { state: this.door.state };
    });
  }
}
