/**
 * A real mosquitto broker for tests (DESIGN.md: "real `mosquitto` in tests"). Each call starts
 * its own process on its own port with its own temporary config, so tests can run in parallel
 * and can restart, pause (SIGSTOP) or kill the broker without affecting each other.
 *
 * A test process that fails or is interrupted must never leave a mosquitto behind: every live
 * child is registered, and an `exit` handler (plus SIGINT/SIGTERM/SIGHUP) kills them by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from '../../runtime/rig/rig-broker.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Mosquitto {
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** PID of the current process; changes after `restart()`. */
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 2 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Stops the process and starts a new one on the same port (clients see a broker restart). */
  restart(): Promise<void>;
  /** Kills the broker process but keeps its port and files, for `up()` later (a broker outage). */
  down(): Promise<void>;
  /** Starts the broker again on the same port after `down()`. */
  up(): Promise<void>;
  /** The broker's log so far (every restart appends to it). */
  log(): string;
  /** SIGSTOP: the broker is alive (TCP connects still complete in the kernel) but does nothing. */
  pause(): void;
  /** SIGCONT: undo `pause()`. */
  resume(): void;
}

export interface MosquittoOptions {
  /** Fixed port; an ephemeral free port when absent. */
  port?: number;
  /** Extra lines appended to the generated mosquitto.conf. */
  extraConfig?: string[];
}

const READY_LIMIT_MS = 5000;
const STOP_GRACE_MS = 2000;
const RESTART_ATTEMPTS = 10;

/** Children still running, by PID, for the exit safety net. */
const live = new Map<number, ChildProcess>();
/** Temp dirs not yet removed, for the exit safety net. */
const liveDirs = new Set<string>();
let safetyNetInstalled = false;

function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL works even on a SIGSTOPped process.
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync();
      // Only take over the default "die on signal" when nobody else handles it.
      process.off(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function killAllSync(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

// One definition of "a free port" for the rig and the tests.
export { freePort };

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(250);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exited(child: ChildProcess, limitMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, limitMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid !== undefined && !hasExited(child)) {
    // A SIGSTOPped process would not act on SIGTERM until continued.
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    if (!(await exited(child, STOP_GRACE_MS))) {
      child.kill('SIGKILL');
      await exited(child, STOP_GRACE_MS);
    }
  }
  if (pid !== undefined) live.delete(pid);
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  installSafetyNet();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  liveDirs.add(dir);
  const confFile = join(dir, 'mosquitto.conf');
  const logFile = join(dir, 'mosquitto.log');
  writeFileSync(
    confFile,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // stderr goes to a file we open (mosquitto drops root privileges and could not write it).
      'log_dest stderr',
      'log_type all',
      'connection_messages true',
      'log_timestamp_format %H:%M:%S',
      'set_tcp_nodelay true',
      // Generous: captures travel as chunks of up to 128 KiB, tests may push bigger.
      'max_packet_size 67108864',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  /** The log from byte `from` on (each restart appends to the same file). */
  const log = (from = 0): string => {
    try {
      return readFileSync(logFile).subarray(from).toString('utf8');
    } catch {
      return '(no log)';
    }
  };

  let child: ChildProcess | undefined;
  let stopped = false;

  /** Spawns once and waits until the port accepts; throws (child killed) if it does not. */
  const spawnOnce = async (): Promise<void> => {
    const logFd = openSync(logFile, 'a');
    const logStart = statSync(logFile).size; // this process's lines only (restart appends)
    let proc: ChildProcess;
    try {
      proc = spawn('mosquitto', ['-c', confFile], { stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd); // the child has its own copy
    }
    let spawnError: Error | undefined;
    proc.once('error', (error) => (spawnError = error)); // e.g. ENOENT: mosquitto not installed
    const pid = proc.pid;
    if (pid !== undefined) {
      live.set(pid, proc);
      // Forget it once gone, so the safety net never signals a recycled PID.
      proc.once('exit', () => live.delete(pid));
    }
    child = proc;
    const deadline = Date.now() + READY_LIMIT_MS;
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`cannot spawn mosquitto: ${spawnError.message}`);
      if (hasExited(proc)) throw new Error(`mosquitto exited (code ${proc.exitCode}, signal ${proc.signalCode}) before listening on ${port}`);
      // "running" is logged once the listener is open; the TCP probe alone could be answered by
      // another process holding the port (then this one logs "Address already in use" and exits).
      if (/ running$/m.test(log(logStart)) && !hasExited(proc) && (await canConnect(port))) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await killChild(proc);
    throw new Error(`mosquitto did not listen on ${port} within ${READY_LIMIT_MS} ms`);
  };

  const withLog = (error: unknown): Error =>
    new Error(`${error instanceof Error ? error.message : String(error)}\n--- mosquitto log (${logFile}) ---\n${log()}`);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child) await killChild(child);
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };

  try {
    await spawnOnce();
  } catch (error) {
    const failure = withLog(error); // read the log before stop() removes it
    await stop();
    throw failure;
  }

  const broker: Mosquitto = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    get pid(): number {
      return child?.pid ?? -1;
    },
    stop,
    log: () => log(),
    async down(): Promise<void> {
      if (child) await killChild(child);
    },
    async restart(): Promise<void> {
      await broker.down();
      await broker.up();
    },
    async up(): Promise<void> {
      if (stopped) throw new Error('mosquitto was stopped; cannot start it again');
      // The old socket may linger briefly; mosquitto sets SO_REUSEADDR, but retry to be sure.
      let lastError: unknown;
      for (let attempt = 1; attempt <= RESTART_ATTEMPTS; attempt++) {
        try {
          await spawnOnce();
          return;
        } catch (error) {
          lastError = error;
          if (child) await killChild(child);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      throw withLog(lastError);
    },
    pause(): void {
      if (child?.pid !== undefined && !hasExited(child)) process.kill(child.pid, 'SIGSTOP');
    },
    resume(): void {
      if (child?.pid !== undefined && !hasExited(child)) process.kill(child.pid, 'SIGCONT');
    },
  };
  return broker;
}
