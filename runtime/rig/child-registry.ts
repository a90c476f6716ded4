/**
 * Every process the rig started and has not yet seen exit, by PID, so that a rig that is itself
 * interrupted (Ctrl-C, a CI job cancelled) or crashes leaves no boothd or mosquitto behind. Held
 * by the run, not by the module: two runs in one process each kill only their own.
 */
import type { ChildProcess } from 'node:child_process';

export class ChildRegistry {
  readonly #live = new Map<number, string>();

  /** Tracks `child` until it exits; `what` names it in the timeline and in messages. */
  track(child: ChildProcess, what: string): void {
    const pid = child.pid;
    if (pid === undefined) return;
    this.#live.set(pid, what);
    // Forgotten at exit, so a recycled PID is never signalled.
    child.once('exit', () => this.#live.delete(pid));
  }

  get pids(): number[] {
    return [...this.#live.keys()];
  }

  /** Synchronous, for process 'exit' handlers: SIGKILL works even on a SIGSTOPped broker. */
  killAllNow(): void {
    for (const pid of this.#live.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.#live.clear();
  }
}
