/** Stopping a child process by its PID, politely first and then for certain, with every wait bounded. */
import type { ChildProcess } from 'node:child_process';

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true when `child` has exited (now or within `limitMs`), false when it is still running. */
export function exitedWithin(child: ChildProcess, limitMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(hasExited(child));
    }, limitMs);
    child.once('exit', onExit);
  });
}

/**
 * SIGTERM, then SIGKILL when `graceMs` passes without an exit. A SIGSTOPped child (a stalled
 * broker) is continued first: it would not act on SIGTERM before. Returns how it ended.
 */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<'exited' | 'killed' | 'lingering'> {
  if (hasExited(child)) return 'exited';
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  if (await exitedWithin(child, graceMs)) return 'exited';
  child.kill('SIGKILL');
  return (await exitedWithin(child, 5000)) ? 'killed' : 'lingering';
}

export async function killChild(child: ChildProcess): Promise<boolean> {
  if (hasExited(child)) return true;
  child.kill('SIGKILL');
  return exitedWithin(child, 5000);
}
