/**
 * Background work is background work: on Linux the calling thread (only this one: its kernel
 * thread id) gets a lower scheduling priority, so on a busy CPU the event loop — door, session,
 * telemetry — runs first. Where that cannot be done (another OS, no /proc), nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export function lowerThreadPriority(niceness: number): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(threadId) && threadId > 0) setPriority(threadId, niceness);
  } catch {
    // not Linux, or not allowed: the default priority
  }
}
