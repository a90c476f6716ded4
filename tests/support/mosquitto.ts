/**
 * A real mosquitto broker for tests (DESIGN.md: "real `mosquitto` in tests"). Each call starts
 * its own process on its own port with its own temporary config, so tests can run in parallel
 * and can restart, pause (SIGSTOP) or kill the broker without affecting each other.
 *
 * A test process that fails or is interrupted must never leave a mosquitto behind: every live
 * child is registered, and an `exit` handler (plus SIGINT/SIGTERM/SIGHUP) kills them by PID.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, MosquittoProcess } from '../../runtime/rig/mosquitto-process.ts';

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

/** Tracks a spawned broker until it exits, so the safety net never signals a recycled PID. */
function remember(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  live.set(pid, child);
  child.once('exit', () => live.delete(pid));
}

// One definition of "a free port" for the rig and the tests.
export { freePort };

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  installSafetyNet();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  liveDirs.add(dir);
  // The PID of the last process started, even once it has exited: callers signal it (never -1, every process).
  let lastPid = -1;
  const mosquitto = new MosquittoProcess({
    dir,
    port,
    config: [
      'log_type all',
      'connection_messages true',
      'set_tcp_nodelay true',
      // Generous: captures travel as chunks of up to 128 KiB, tests may push bigger.
      'max_packet_size 67108864',
      ...(options.extraConfig ?? []),
    ],
    onSpawn: (child) => {
      remember(child);
      lastPid = child.pid ?? lastPid;
    },
  });
  const withLog = (error: unknown): Error =>
    new Error(`${error instanceof Error ? error.message : String(error)}\n--- mosquitto log (${mosquitto.logFile}) ---\n${mosquitto.log() || '(no log)'}`);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await mosquitto.stop(STOP_GRACE_MS);
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };

  try {
    await mosquitto.start();
  } catch (error) {
    const failure = withLog(error); // read the log before stop() removes it
    await stop();
    throw failure;
  }

  const broker: Mosquitto = {
    url: mosquitto.url,
    port,
    get pid(): number {
      return lastPid;
    },
    stop,
    log: () => mosquitto.log(),
    down: () => mosquitto.stop(STOP_GRACE_MS),
    async restart(): Promise<void> {
      await broker.down();
      await broker.up();
    },
    async up(): Promise<void> {
      if (stopped) throw new Error('mosquitto was stopped; cannot start it again');
      await mosquitto.restart(RESTART_ATTEMPTS).catch((error: unknown) => {
        throw withLog(error);
      });
    },
    pause: () => mosquitto.freeze(),
    resume: () => mosquitto.thaw(),
  };
  return broker;
}
