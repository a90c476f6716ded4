/**
 * The open-file limit (RLIMIT_NOFILE) a fleet needs. Each booth holds two MQTT sockets and two
 * SQLite databases in WAL mode (database, -wal and -shm: three descriptors each), so ~8 per
 * booth in the process hosting it; the broker holds two sockets per booth. Node raises its soft
 * limit to the hard one at start; beyond the hard limit only a privileged process may go
 * (`prlimit --pid`, which needs CAP_SYS_RESOURCE — root in a container may not have it).
 * When the limit cannot be had, the fleet fails at once with the numbers, instead of booths
 * failing one by one with EMFILE half-way through the ramp.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const FILES_PER_BOOTH = 8;
export const FILES_PER_BOOTH_AT_BROKER = 2;
/** Modules, pipes, the IPC channel, the event loop's own descriptors, log files. */
export const FILES_OVERHEAD = 256;

export interface FileLimit {
  soft: number;
  hard: number;
}

export class FileLimitError extends Error {
  override readonly name = 'FileLimitError';
}

/** The limit of a running process (Infinity for "unlimited"). */
export function openFileLimit(pid: number): FileLimit {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  if (!match) throw new Error(`cannot read the open-file limit of process ${pid}`);
  const value = (text: string) => (text === 'unlimited' ? Infinity : Number(text));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

/**
 * Makes sure this process (and the children it starts afterwards, which inherit the limit) may
 * open `needed` files: raises the soft limit, and the hard one when privileged. Throws a
 * FileLimitError saying what to do when it cannot.
 */
export function ensureOpenFileLimit(needed: number, what: string, raise = raiseWithPrlimit): FileLimit {
  const current = openFileLimit(process.pid);
  if (current.soft >= needed) return current;
  try {
    raise(process.pid, needed, Math.max(needed, current.hard));
  } catch (error) {
    const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    throw new FileLimitError(
      `${what} needs about ${needed} open files, but the limit is ${current.soft} (hard ${current.hard}) and it cannot be raised (${reason}). ` +
        `Raise it before starting (as root: \`ulimit -n ${needed}\`, or run under \`prlimit --nofile=${needed}:${needed}\`), or spread the booths over more processes (--processes).`,
    );
  }
  const after = openFileLimit(process.pid);
  if (after.soft < needed) throw new FileLimitError(`${what} needs about ${needed} open files; the limit is still ${after.soft} after raising it`);
  return after;
}

function raiseWithPrlimit(pid: number, soft: number, hard: number): void {
  execFileSync('prlimit', ['--pid', String(pid), `--nofile=${soft}:${hard}`], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Checks a running broker's limit (it cannot be raised from here): undefined when it is enough. */
export function brokerLimitProblem(pid: number, booths: number): string | undefined {
  const needed = booths * FILES_PER_BOOTH_AT_BROKER + FILES_OVERHEAD;
  const limit = openFileLimit(pid);
  if (limit.soft >= needed) return undefined;
  return `the broker (pid ${pid}) may open ${limit.soft} files, ${booths} booths need about ${needed}: start it with a higher limit (\`ulimit -n ${needed}\` before it starts)`;
}
