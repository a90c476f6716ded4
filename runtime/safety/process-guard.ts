/**
 * Ties the door to the life of the process: SIGTERM, SIGINT and SIGHUP release the door and shut down
 * cleanly; an uncaught exception or unhandled rejection releases the door before the process
 * dies (exit 70, so systemd restarts it). A hard deadline makes sure a hung release cannot keep
 * a crashed daemon alive; the fail-safe lock and systemd's ExecStopPost are the last lines.
 * `host` is the process (injected so tests can drive it with a fake).
 */
import type { EventEmitter } from 'node:events';

export interface ProcessGuardTarget {
  /** Releases the door; must never throw. */
  releaseDoor(reason: string): Promise<void>;
  /** Orderly stop: releases the door first, then stops everything else. */
  shutdown(reason: string): Promise<void>;
  /** Last log line before exit. */
  onFatal(error: unknown, origin: string): void;
}

export interface ProcessLike extends EventEmitter {
  exit(code?: number): never | void;
}

export const EXIT_CRASHED = 70;
const CRASH_DEADLINE_MS = 3000;

export function installProcessGuard(host: ProcessLike, target: ProcessGuardTarget, crashDeadlineMs = CRASH_DEADLINE_MS): () => void {
  let ending = false;

  const onSignal = (signal: string) => {
    if (ending) return;
    ending = true;
    void target.shutdown(signal).then(
        () => host.exit(0),
        (error: unknown) => {
          target.onFatal(error, 'shutdown');
          host.exit(EXIT_CRASHED);
        },
      );
  };

  const onCrash = (error: unknown, origin: string) => {
    target.onFatal(error, origin);
    if (ending) return;
    ending = true;
    const deadline = setTimeout(() => host.exit(EXIT_CRASHED), crashDeadlineMs);
    void target.releaseDoor(`crash: ${origin}`).finally(() => {
      clearTimeout(deadline);
      host.exit(EXIT_CRASHED);
    });
  };

  const handlers: Array<[string, (value?: unknown) => void]> = [
    ['SIGTERM', () => onSignal('SIGTERM')],
    ['SIGINT', () => onSignal('SIGINT')],
    // The terminal that ran boothd by hand went away: same orderly stop.
    ['SIGHUP', () => onSignal('SIGHUP')],
    ['uncaughtException', (error: unknown) => onCrash(error, 'uncaught exception')],
    ['unhandledRejection', (reason: unknown) => onCrash(reason, 'unhandled rejection')],
  ];
  for (const [event, handler] of handlers) host.on(event, handler);
  return () => {
    for (const [event, handler] of handlers) host.off(event, handler);
  };
}
