/**
 * The one way the rig waits for something: check, then check again every `everyMs` on the
 * injected clock until it holds, the limit passes, or the scenario's deadline aborts the wait.
 */
import { sleep, type Clock } from '../../hal/clock.ts';

export interface Attempt<T> {
  done: boolean;
  value: T;
}

/** The last attempt: `done` true when the condition held in time. */
export async function waitUntil<T>(
  check: () => Promise<Attempt<T>> | Attempt<T>,
  options: { clock: Clock; limitMs: number; signal: AbortSignal; everyMs?: number },
): Promise<Attempt<T>> {
  const deadline = options.clock.now() + options.limitMs;
  for (;;) {
    const attempt = await check();
    if (attempt.done || options.clock.now() >= deadline) return attempt;
    await sleep(options.clock, Math.min(options.everyMs ?? 50, Math.max(1, deadline - options.clock.now())), options.signal);
  }
}
