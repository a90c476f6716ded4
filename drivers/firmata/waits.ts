/** Bounded waits of the board connection. */
export { raceAbort } from '../../hal/race-abort.ts';

/** Waits for `promise` at most `ms` (a real timer: teardown must end even without a clock). */
export function withLimit(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}
