/**
 * Keeps the person in the booth safe: the door is UNLOCKED by default and in every fault state.
 * It is locked only on request (a session), never longer than `maxLockSeconds`, never while the
 * fire alarm is active. It is released at start-up before anything else, on shutdown, on a crash,
 * on the exit button, on the fire alarm, when any device faults or disappears, and when the
 * maximum lock time passes. Every transition and every refusal is an audit line.
 */
import type { EventEmitter } from 'node:events';
import type { AnyDevice, Clock, DeviceError, DoorLock, DoorStatus, Sensors, TimerHandle } from '../../hal/index.ts';
import type { AuditSink } from '../audit/audit-log.ts';
import type { DeviceManager } from '../devices/device-manager.ts';
import type { BoothLogger } from '../logging/logger.ts';

export type DoorGuardState = 'released' | 'locking' | 'locked';

export interface DoorGuardOptions {
  manager: DeviceManager;
  clock: Clock;
  audit: AuditSink;
  logger: BoothLogger;
  maxLockSeconds: number;
  lockTimeoutMs: number;
}

export class LockRefusedError extends Error {
  constructor(reason: string) {
    super(`door lock refused: ${reason}`);
    this.name = 'LockRefusedError';
  }
}

export class DoorGuard {
  readonly #options: DoorGuardOptions;
  readonly #doors: DoorLock[];
  #state: DoorGuardState = 'released';
  #maxLockTimer: TimerHandle | undefined;
  #fireAlarm = false;
  #starting = false;
  /** The latest unlock sent to each door (a newer one pre-empts it). */
  readonly #unlocking = new Map<string, Promise<DoorStatus>>();
  /** Bumped by every release so a lock that finishes after a release does not count as locked. */
  #generation = 0;

  constructor(options: DoorGuardOptions) {
    this.#options = options;
    this.#doors = options.manager.devices.filter((device): device is DoorLock => device.deviceClass === 'door-lock');
    this.watch();
  }

  get state(): DoorGuardState {
    return this.#state;
  }

  get fireAlarmActive(): boolean {
    return this.#fireAlarm;
  }

  /** First thing boothd does: open the door lock(s) and release, whatever state they were left in. */
  async releaseAtStartup(): Promise<void> {
    if (this.#doors.length === 0) {
      this.#options.audit.record('door.none-configured', { reason: 'startup' });
      return;
    }
    this.#starting = true;
    await Promise.all(
      this.#doors.map(async (door) => {
        try {
          await this.#options.manager.openNow(door.id);
        } catch (error) {
          // The hardware is fail-safe (unpowered = unlocked); the manager keeps retrying and
          // the `ready` handler releases as soon as the lock answers.
          this.#options.audit.record('door.release-failed', {
            door: door.id,
            reason: 'startup',
            code: (error as DeviceError).code ?? 'EIO',
          });
        }
      }),
    );
    this.#starting = false;
    await this.release('startup', { whenReady: true });
  }

  /** Locks for a session. Rejects with LockRefusedError when it is not safe or not possible. */
  async lock(reason: string): Promise<void> {
    const refuse = (why: string): never => {
      this.#options.audit.record('door.lock-refused', { reason, why });
      throw new LockRefusedError(why);
    };
    if (this.#fireAlarm) refuse('fire alarm is active');
    if (this.#doors.length === 0) refuse('no door lock configured');
    const notReady = this.#doors.find((door) => door.state !== 'ready');
    if (notReady) refuse(`door lock ${notReady.id} is ${notReady.state}`);
    if (this.#state !== 'released') refuse(`door is already ${this.#state}`);

    const generation = this.#generation;
    this.#state = 'locking';
    try {
      await Promise.all(this.#doors.map((door) => door.lock({ timeoutMs: this.#options.lockTimeoutMs })));
    } catch (error) {
      if (generation === this.#generation) {
        this.#options.audit.record('door.lock-failed', { reason, code: (error as DeviceError).code ?? 'EIO' });
        await this.release('lock failed');
      }
      throw error;
    }
    if (generation !== this.#generation) throw new LockRefusedError('released while locking');
    this.#state = 'locked';
    const maxLockSeconds = this.#options.maxLockSeconds;
    this.#maxLockTimer = this.#options.clock.setTimeout(() => void this.release('max lock time reached'), maxLockSeconds * 1000);
    this.#options.audit.record('door.locked', { reason, maxLockSeconds });
  }

  /**
   * Unlocks every door. Always accepted, never throws: a failure is audited and the fail-safe
   * hardware is the last line. `whenReady` skips doors that are not open (start-up).
   */
  async release(reason: string, options: { whenReady?: boolean } = {}): Promise<void> {
    const previous = this.#state;
    this.#generation += 1;
    this.#state = 'released';
    this.#maxLockTimer?.cancel();
    this.#maxLockTimer = undefined;
    const doors = options.whenReady ? this.#doors.filter((door) => door.state === 'ready') : this.#doors;
    await Promise.all(
      doors.map(async (door) => {
        try {
          const status = await this.unlock(door);
          this.#options.audit.record('door.released', { door: door.id, reason, was: previous, bolt: status.bolt });
        } catch (error) {
          this.#options.audit.record('door.release-failed', { door: door.id, reason, code: (error as DeviceError).code ?? 'EIO' });
          this.#options.logger.error({ err: error, door: door.id, reason }, 'door release failed; relying on fail-safe hardware');
        }
      }),
    );
  }

  /**
   * Unlocks one door. A second release while an unlock is still on its way (the session ending
   * for the same device loss the guard reacts to) pre-empts it with a fresh unlock — a retry, in
   * case the first hangs — and the first release then waits for that newer unlock instead of
   * counting its own pre-emption (ECANCELED) as a failed release.
   */
  private unlock(door: DoorLock): Promise<DoorStatus> {
    const attempt = door.unlock({ timeoutMs: 2000 });
    this.#unlocking.set(door.id, attempt);
    const forget = () => {
      if (this.#unlocking.get(door.id) === attempt) this.#unlocking.delete(door.id);
    };
    attempt.then(forget, forget);
    return this.settle(door, attempt);
  }

  private async settle(door: DoorLock, attempt: Promise<DoorStatus>): Promise<DoorStatus> {
    try {
      return await attempt;
    } catch (error) {
      const newer = this.#unlocking.get(door.id);
      if ((error as DeviceError).code === 'ECANCELED' && newer !== undefined && newer !== attempt) return this.settle(door, newer);
      throw error;
    }
  }

  /** Stops timers; called on shutdown after the final release. */
  dispose(): void {
    this.#maxLockTimer?.cancel();
    this.#maxLockTimer = undefined;
  }

  private watch(): void {
    const { manager, audit } = this.#options;
    manager.on('ready', (device) => {
      // A lock that (re)connects is in an unknown state: release it.
      if (device.deviceClass === 'door-lock' && !this.#starting) void this.release(`door lock ${device.id} connected`);
    });
    const onDeviceTrouble = (kind: string) => (device: AnyDevice, error: DeviceError) => {
      if (this.#state === 'released') return;
      void this.release(`device ${kind}: ${device.id} ${error.code}`);
    };
    manager.on('lost', onDeviceTrouble('lost'));
    manager.on('fault', onDeviceTrouble('fault'));

    for (const sensors of manager.devices.filter((device): device is Sensors => device.deviceClass === 'sensors')) {
      sensors.on('exit-button', () => void this.release('exit button'));
      sensors.on('fire-alarm', (active) => {
        this.#fireAlarm = active;
        if (active) void this.release('fire alarm');
        else audit.record('fire-alarm.cleared', { sensors: sensors.id });
      });
    }
    for (const door of this.#doors) {
      door.on('forced', () => audit.record('door.forced', { door: door.id }));
      (door as unknown as EventEmitter).on('bolt', (bolt: string) => {
        this.#options.logger.info({ door: door.id, bolt }, `${door.id}: bolt ${bolt}`);
      });
    }
  }
}
