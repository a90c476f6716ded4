/**
 * What the clustered-broker helpers share: broker processes spawned and tracked by PID (a test
 * process that fails or is interrupted kills every one still alive, like tests/support/mosquitto.ts
 * does for mosquitto), stopped by PID with a bounded grace, and a bounded wait for an MQTT CONNACK.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import mqtt from 'mqtt';

const live = new Map<number, ChildProcess>();
let safetyNetInstalled = false;

function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  process.on('exit', () => {
    for (const pid of live.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Spawns `command` with stdout and stderr appended to `logFile`; throws when it cannot start. */
export async function spawnTracked(command: string, args: string[], options: { env: Record<string, string>; logFile: string }): Promise<ChildProcess> {
  installSafetyNet();
  if (!existsSync(command)) throw new Error(`${command} is not installed (make debs installs it)`);
  const logFd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env }, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`cannot spawn ${command}: ${error.message}`);
  }
  live.set(pid, child);
  child.once('exit', () => live.delete(pid));
  return child;
}

export function exited(child: ChildProcess, limitMs: number): Promise<boolean> {
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

/** SIGTERM, then SIGKILL when it has not exited within `graceMs`. */
export async function stopTracked(child: ChildProcess, graceMs: number): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  if (await exited(child, graceMs)) return;
  child.kill('SIGKILL');
  await exited(child, 2000);
}

/** The last `bytes` of a log file, for error messages. */
export function tail(file: string, bytes = 4000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

/**
 * Connects until the broker answers with a CONNACK (the end of every readiness wait here),
 * trying again every 250 ms; throws with the last error after `limitMs`.
 */
export async function waitForConnack(url: string, limitMs: number, isAlive: () => boolean): Promise<number> {
  const started = Date.now();
  let lastError = 'no attempt';
  while (Date.now() - started < limitMs) {
    if (!isAlive()) throw new Error(`the broker behind ${url} exited while starting`);
    const outcome = await new Promise<string | undefined>((resolve) => {
      const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2000, clientId: `ready-${process.pid}-${Math.random().toString(16).slice(2)}` });
      const done = (error: string | undefined) => {
        client.removeAllListeners();
        client.on('error', () => undefined);
        client.end(true);
        resolve(error);
      };
      client.once('connect', () => done(undefined));
      client.once('error', (error) => done(error.message));
      client.once('close', () => done('closed without CONNACK'));
    });
    if (outcome === undefined) return Date.now() - started;
    lastError = outcome;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no MQTT CONNACK from ${url} within ${limitMs} ms (last: ${lastError})`);
}
