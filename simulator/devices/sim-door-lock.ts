/**
 * Simulated door lock. Its bolt state lives in a state file, outside the boothd process, the way
 * a real relay keeps its position when the software dies: a test can SIGKILL boothd while the
 * door is locked and see that the next start releases it. Fail-safe like the real lock: pulling
 * its cable (power) leaves it unlocked.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { DeviceInfo, IoOptions } from '../../hal/device.ts';
import type { BoltState, ContactState, DoorLock, DoorLockCapability, DoorLockEvents, DoorStatus } from '../../hal/door-lock.ts';
import { SimDevice } from './sim-device.ts';

export const simDoorLockProps = z
  .object({
    /** Where the simulated bolt keeps its position between runs; relative to the state dir. */
    stateFile: z.string().min(1).optional(),
    latencyMs: z.number().int().min(0).max(10_000).default(20),
    serial: z.string().default('SIM-LOCK-0001'),
  })
  .strict();
export type SimDoorLockProps = z.infer<typeof simDoorLockProps> & { stateFile: string };

interface PersistedLock {
  bolt: BoltState;
  contact: ContactState;
}

export class SimDoorLock extends SimDevice<DoorLockEvents, DoorLockCapability> implements DoorLock {
  readonly deviceClass = 'door-lock' as const;
  readonly capabilities: ReadonlySet<DoorLockCapability> = new Set(['bolt-sensor', 'door-contact', 'forced-entry-detect']);
  protected readonly model = 'SimLock FS-1 (fail-safe)';
  readonly #stateFile: string;
  #hardware: PersistedLock;
  #jammed = false;

  constructor(context: DeviceContext, props: SimDoorLockProps) {
    super(context, props);
    this.#stateFile = props.stateFile;
    this.#hardware = readLockFile(this.#stateFile);
  }

  lock(options?: IoOptions): Promise<DoorStatus> {
    return this.command('lock', options, { timeoutMs: 2000 }, (signal) =>
      this.roundTrip(signal, () => {
        if (this.#jammed) throw this.error('EIO', 'lock', 'bolt sensor did not confirm the bolt moved');
        if (this.#hardware.contact === 'open') throw this.error('EIO', 'lock', 'door is open, bolt cannot engage');
        this.moveBolt('locked');
        return this.snapshot();
      }),
    );
  }

  unlock(options?: IoOptions): Promise<DoorStatus> {
    // Pre-empts anything in flight; the relay drop is immediate in hardware, so no latency hooks.
    return this.command('unlock', options, { timeoutMs: 2000, preempt: true }, async () => {
      this.moveBolt('unlocked');
      return this.snapshot();
    });
  }

  status(options?: IoOptions): Promise<DoorStatus> {
    return this.command('status', options, { timeoutMs: 1000 }, (signal) => this.roundTrip(signal, () => this.snapshot()));
  }

  /** Test hook: someone pushes the door open (forced entry when locked). */
  openDoor(): void {
    this.setContact('open');
    if (this.#hardware.bolt === 'locked') (this as DoorLock).emit('forced');
  }

  /** Test hook: the door swings shut. */
  closeDoor(): void {
    this.setContact('closed');
  }

  /** Test hook: the bolt stops moving on lock (mechanical jam); unlock still drops the relay. */
  jamBolt(jammed: boolean): void {
    this.#jammed = jammed;
  }

  /** Test hook: what the physical lock is doing right now, whatever boothd believes. */
  get physicalBolt(): BoltState {
    return this.#hardware.bolt;
  }

  protected override async doOpen(signal: AbortSignal): Promise<DeviceInfo> {
    const info = await super.doOpen(signal);
    this.#hardware = readLockFile(this.#stateFile);
    return info;
  }

  protected override onUnplugged(): void {
    this.moveBolt('unlocked');
  }

  protected override healthDetail(): Record<string, string | number | boolean> {
    return { bolt: this.#hardware.bolt, contact: this.#hardware.contact };
  }

  private snapshot(): DoorStatus {
    return { bolt: this.#hardware.bolt, contact: this.#hardware.contact };
  }

  private moveBolt(bolt: BoltState): void {
    const changed = this.#hardware.bolt !== bolt;
    this.#hardware = { ...this.#hardware, bolt };
    writeLockFile(this.#stateFile, this.#hardware);
    if (changed) (this as DoorLock).emit('bolt', bolt);
  }

  private setContact(contact: ContactState): void {
    if (this.#hardware.contact === contact) return;
    this.#hardware = { ...this.#hardware, contact };
    writeLockFile(this.#stateFile, this.#hardware);
    (this as DoorLock).emit('contact', contact);
  }
}

/** A missing file is a lock that was never powered: unlocked and closed. */
function readLockFile(path: string): PersistedLock {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<PersistedLock>;
    return {
      bolt: parsed.bolt === 'locked' ? 'locked' : 'unlocked',
      contact: parsed.contact === 'open' ? 'open' : 'closed',
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { bolt: 'unlocked', contact: 'closed' };
    throw error;
  }
}

/** Written atomically and fsynced: a power cut must not leave a half-written lock position. */
function writeLockFile(path: string, state: PersistedLock): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(state));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
