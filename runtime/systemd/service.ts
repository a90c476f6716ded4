/**
 * boothd as a systemd `Type=notify` service: READY=1 once the booth has started (the door
 * released and the devices opened), WATCHDOG=1 from the event loop while the booth is healthy,
 * STOPPING=1 when it begins to stop, STATUS= lines a technician reads in `systemctl status`.
 * Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op.
 */
import type { Clock } from '../../hal/clock.ts';
import type { BoothLogger } from '../logging/logger.ts';
import { BoothHealth, type HealthVerdict } from './health.ts';
import { createNotifier, type Notifier, type NotifierOptions } from './notify.ts';
import { WatchdogPinger, watchdogSetting } from './watchdog.ts';

/** Time the door guard's own timers get past their deadlines before the guard counts as broken. */
const DOOR_SLACK_MS = 5000;

/** The parts of a Booth the service integration reads (a structural subset, so tests can fake it). */
export interface ServiceBooth {
  readonly clock: Clock;
  readonly config: {
    booth: { id: string };
    door: { maxLockSeconds: number; lockTimeoutMs: number };
    supervisor: { faultGraceSeconds: number };
  };
  readonly supervisor: { status(): Readonly<Record<string, { status: string }>> };
  readonly door: { readonly state: 'released' | 'locking' | 'locked'; release(reason: string): Promise<void> };
  readonly devices: { readonly devices: ReadonlyArray<{ readonly state: string }> };
}

export interface SystemdServiceOptions {
  env: NodeJS.ProcessEnv;
  pid: number;
  logger: BoothLogger;
  /** The datagram transport (tests); libc through koffi by default. */
  sender?: NotifierOptions['sender'];
}

export class SystemdService {
  readonly #booth: ServiceBooth;
  readonly #logger: BoothLogger;
  readonly #notifier: Notifier;
  readonly #watchdog: WatchdogPinger | undefined;
  #stopping = false;

  constructor(booth: ServiceBooth, options: SystemdServiceOptions) {
    this.#booth = booth;
    this.#logger = options.logger;
    this.#notifier = createNotifier(options.env, {
      ...(options.sender ? { sender: options.sender } : {}),
      onError: (error) => this.#logger.warn({ err: error }, `systemd notification failed: ${error.message}`),
    });
    const setting = watchdogSetting(options.env, options.pid);
    if (this.#notifier.enabled && setting.enabled) {
      const health = new BoothHealth({
        clock: booth.clock,
        sources: { components: () => booth.supervisor.status(), doorState: () => booth.door.state },
        faultGraceMs: booth.config.supervisor.faultGraceSeconds * 1000,
        maxLockMs: booth.config.door.maxLockSeconds * 1000,
        lockTimeoutMs: booth.config.door.lockTimeoutMs,
        doorSlackMs: DOOR_SLACK_MS,
      });
      this.#watchdog = new WatchdogPinger({
        clock: booth.clock,
        notify: (fields) => this.#notifier.notify(fields),
        intervalMs: setting.intervalMs,
        check: () => health.check(),
        healthyStatus: () => this.runningStatus(),
        onChange: (verdict) => this.onHealthChange(verdict),
      });
      this.#logger.debug({ timeoutMs: setting.timeoutMs, intervalMs: setting.intervalMs }, 'systemd watchdog enabled');
    } else if (this.#notifier.enabled) {
      this.#logger.debug({ reason: setting.enabled ? undefined : setting.reason }, 'systemd watchdog not in use');
    }
  }

  /** True when boothd runs under a service manager that listens ($NOTIFY_SOCKET). */
  get enabled(): boolean {
    return this.#notifier.enabled;
  }

  /** Call once booth.start() has resolved: systemd then starts the units ordered after boothd. */
  ready(): void {
    // A signal during start-up: the stop has begun, and a late READY would restart the pings.
    if (this.#stopping) return;
    this.#notifier.notify({ READY: 1, STATUS: this.runningStatus() });
    this.#watchdog?.start();
  }

  /** A free STATUS text (simulator hooks mark what they do with it). */
  status(text: string): void {
    this.#notifier.notify({ STATUS: text });
  }

  /** First thing on an orderly stop: no more pings, and systemd knows the exit is expected. */
  stopping(reason: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#watchdog?.stop();
    this.#notifier.notify({ STOPPING: 1, STATUS: `stopping: ${reason}` });
  }

  close(): void {
    this.#watchdog?.stop();
    this.#notifier.close();
  }

  private runningStatus(): string {
    const devices = this.#booth.devices.devices;
    const ready = devices.filter((device) => device.state === 'ready').length;
    return `running booth ${this.#booth.config.booth.id}: door ${this.#booth.door.state}, ${ready}/${devices.length} devices ready`;
  }

  private onHealthChange(verdict: HealthVerdict): void {
    if (verdict.healthy) {
      this.#logger.info('healthy again; feeding the systemd watchdog');
      return;
    }
    this.#logger.error({ reason: verdict.reason }, `unhealthy: ${verdict.reason}; no longer feeding the systemd watchdog`);
    // A booth that judges itself unhealthy holds nobody: release now rather than when systemd
    // kills the process (ExecStopPost releases again then).
    if (this.#booth.door.state !== 'released') void this.#booth.door.release(`unhealthy: ${verdict.reason}`);
  }
}
