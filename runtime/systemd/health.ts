/**
 * Whether boothd may tell systemd "I am alive" (WATCHDOG=1). The event loop running is proved by
 * the ping itself, which is a timer on that loop; this module adds the faults a running loop can
 * still be in:
 * - a supervised component that has not been running for longer than `faultGraceMs`: the
 *   supervisor's own restarts with backoff did not bring it back, so a whole-process restart
 *   by systemd is the next step;
 * - the door guard holding the door locked past `maxLockSeconds` (its own timer should have
 *   released it) or stuck in `locking` past the lock timeout: the guard is broken, and the
 *   process must go so systemd's ExecStopPost releases the lock straight through the HAL.
 *
 * The state is sampled at each check (every watchdog ping, half the watchdog interval); the
 * durations are measured from the first sample that saw the fault, so they never over-count.
 */
import type { Clock } from '../../hal/clock.ts';

export type HealthVerdict = { healthy: true } | { healthy: false; reason: string };

export interface HealthSources {
  /** The supervisor's view, name → status (`running` is the only healthy one). */
  components(): Readonly<Record<string, { status: string }>>;
  /** The door guard's state. */
  doorState(): 'released' | 'locking' | 'locked';
}

export interface BoothHealthOptions {
  clock: Clock;
  sources: HealthSources;
  /** How long a component may stay out of `running` (restarting with backoff) before it counts. */
  faultGraceMs: number;
  /** The door guard's `maxLockSeconds`, in ms. */
  maxLockMs: number;
  /** The door guard's lock timeout: `locking` never lasts longer than this when the guard works. */
  lockTimeoutMs: number;
  /** Time the guard's own timers get on top of their deadlines before the guard counts as broken. */
  doorSlackMs: number;
}

export class BoothHealth {
  readonly #options: BoothHealthOptions;
  /** Component name → when a check first saw it out of `running`, and whether it has been restarting since. */
  readonly #downSince = new Map<string, { since: number; restarted: boolean }>();
  #doorHeldSince: number | undefined;
  #lockingSince: number | undefined;

  constructor(options: BoothHealthOptions) {
    this.#options = options;
  }

  check(): HealthVerdict {
    const { clock, sources, faultGraceMs, maxLockMs, lockTimeoutMs, doorSlackMs } = this.#options;
    const now = clock.now();
    const faults: string[] = [];

    const door = sources.doorState();
    this.#doorHeldSince = door === 'released' ? undefined : (this.#doorHeldSince ?? now);
    this.#lockingSince = door === 'locking' ? (this.#lockingSince ?? now) : undefined;
    if (this.#lockingSince !== undefined && now - this.#lockingSince > lockTimeoutMs + doorSlackMs) {
      faults.push(`door guard stuck locking since ${iso(this.#lockingSince)}, past the lock timeout of ${seconds(lockTimeoutMs)}`);
    } else if (this.#doorHeldSince !== undefined && now - this.#doorHeldSince > maxLockMs + lockTimeoutMs + doorSlackMs) {
      faults.push(`door held ${door} since ${iso(this.#doorHeldSince)}, past maxLockSeconds ${seconds(maxLockMs)}`);
    }

    const components = sources.components();
    for (const name of this.#downSince.keys()) if (!(name in components)) this.#downSince.delete(name);
    for (const [name, { status }] of Object.entries(components)) {
      if (status === 'running') {
        this.#downSince.delete(name);
        continue;
      }
      const down = this.#downSince.get(name) ?? { since: now, restarted: false };
      // A supervisor retrying goes restarting → starting → restarting …: one fault, one wording.
      down.restarted ||= status === 'restarting';
      this.#downSince.set(name, down);
      const shown = down.restarted ? 'restarting' : status;
      if (now - down.since > faultGraceMs) faults.push(`component ${name} ${shown} since ${iso(down.since)}, past the grace of ${seconds(faultGraceMs)}`);
    }
    return faults.length === 0 ? { healthy: true } : { healthy: false, reason: faults.join('; ') };
  }
}

/** Times in the reasons are fixed points, not running durations: the STATUS text stays the same while the fault lasts. */
function iso(at: number): string {
  return new Date(at).toISOString();
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
