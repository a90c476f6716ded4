/**
 * The systemd watchdog (sd_watchdog_enabled(3) + WATCHDOG=1): when systemd sets WATCHDOG_USEC
 * for this process, a timer on the event loop pings at half that interval, and only while the
 * health check passes. A hung loop cannot run the timer and an unhealthy booth skips the ping;
 * either way systemd sees the deadline pass, kills boothd and runs ExecStopPost, which releases
 * the door. The timer comes from the injected clock, so tests drive it with a fake one.
 */
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import type { HealthVerdict } from './health.ts';
import type { NotifyFields } from './notify.ts';

export type WatchdogSetting =
  | { enabled: true; timeoutMs: number; intervalMs: number }
  | { enabled: false; reason: string };

/**
 * Reads WATCHDOG_USEC and WATCHDOG_PID the way sd_watchdog_enabled does: the watchdog is ours
 * when WATCHDOG_USEC is a positive integer and WATCHDOG_PID is unset or our pid (a variable
 * inherited from a parent service names the parent's pid). Pings go at half the timeout, the
 * interval systemd's documentation recommends.
 */
export function watchdogSetting(env: NodeJS.ProcessEnv, pid: number): WatchdogSetting {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || usec === '') return { enabled: false, reason: 'WATCHDOG_USEC is not set' };
  if (!/^\d+$/.test(usec) || Number(usec) === 0 || !Number.isSafeInteger(Number(usec))) {
    return { enabled: false, reason: `WATCHDOG_USEC "${usec}" is not a positive number of microseconds` };
  }
  const owner = env.WATCHDOG_PID;
  if (owner !== undefined && owner !== '' && owner !== String(pid)) {
    return { enabled: false, reason: `WATCHDOG_PID ${owner} is another process (this is ${pid})` };
  }
  const timeoutMs = Number(usec) / 1000;
  return { enabled: true, timeoutMs, intervalMs: Math.max(1, Math.floor(timeoutMs / 2)) };
}

export interface WatchdogOptions {
  clock: Clock;
  /** Sends one sd_notify message. */
  notify: (fields: NotifyFields) => unknown;
  intervalMs: number;
  /** Asked before every ping; a throw counts as unhealthy. */
  check: () => HealthVerdict;
  /** The STATUS text to restore when the booth is healthy again. */
  healthyStatus: () => string;
  /** Told when the verdict flips (and when an unhealthy reason changes). */
  onChange?: (verdict: HealthVerdict) => void;
}

export class WatchdogPinger {
  readonly #options: WatchdogOptions;
  #timer: TimerHandle | undefined;
  #running = false;
  /** The last unhealthy reason, undefined while healthy. */
  #fault: string | undefined;
  #pings = 0;

  constructor(options: WatchdogOptions) {
    this.#options = options;
  }

  /** WATCHDOG=1 messages sent so far. */
  get pings(): number {
    return this.#pings;
  }

  /** Pings right away (start-up has just finished), then every interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.tick();
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  private tick(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    const { notify, check, healthyStatus, onChange, clock, intervalMs } = this.#options;
    let verdict: HealthVerdict;
    try {
      verdict = check();
    } catch (error) {
      verdict = { healthy: false, reason: `health check failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (verdict.healthy) {
      const recovered = this.#fault !== undefined;
      this.#fault = undefined;
      notify(recovered ? { STATUS: healthyStatus(), WATCHDOG: 1 } : { WATCHDOG: 1 });
      this.#pings += 1;
      if (recovered) onChange?.(verdict);
    } else if (verdict.reason !== this.#fault) {
      // No WATCHDOG=1: systemd's deadline runs out unless the booth recovers first.
      this.#fault = verdict.reason;
      notify({ STATUS: `unhealthy: ${verdict.reason}` });
      onChange?.(verdict);
    }
    // onChange may have stopped the pinger (shutdown).
    if (this.#running) this.#timer = clock.setTimeout(() => this.tick(), intervalMs);
  }
}
