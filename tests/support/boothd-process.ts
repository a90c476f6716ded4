/**
 * Runs the real boothd (bin/boothd) as a child process on a temporary simulated booth, reads its
 * JSON log lines, and drives it over its control socket. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditEntry } from '../../runtime/audit/audit-log.ts';
import { sendControlCommand, type ControlAnswer } from '../../runtime/control/control-client.ts';
import type { LogLine } from './memory-logger.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BOOTHD = join(ROOT, 'bin', 'boothd');

export const PROCESS_BOOTH_YAML = (stateDir: string, maxLockSeconds = 120) => `
booth: { id: proc-01, group: tests }
stateDir: ${stateDir}
door: { maxLockSeconds: ${maxLockSeconds} }
mqtt: { embeddedBroker: { port: 0 } }
devices:
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 10 } }
  - { id: lights, compatible: "sim,lighting" }
  - { id: sensors, compatible: "sim,sensors" }
`;

export interface BoothdRun {
  child: ChildProcess;
  lines: LogLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine(predicate: (line: LogLine) => boolean, what: string, limitMs?: number): Promise<LogLine>;
  control(command: string, args?: Record<string, unknown>): Promise<ControlAnswer>;
}

export class BoothdSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'boothd-'));
  readonly stateDir = join(this.dir, 'state');
  readonly configFile = join(this.dir, 'booth.yaml');
  readonly #runs: BoothdRun[] = [];

  /** `yaml` may be a function of the sandbox's state dir. */
  constructor(yaml?: string | ((stateDir: string) => string)) {
    const text = typeof yaml === 'function' ? yaml(this.stateDir) : (yaml ?? PROCESS_BOOTH_YAML(this.stateDir));
    writeFileSync(this.configFile, text);
  }

  get lockFile(): string {
    return join(this.stateDir, 'sim', 'door.json');
  }

  physicalBolt(): string {
    return (JSON.parse(readFileSync(this.lockFile, 'utf8')) as { bolt: string }).bolt;
  }

  audit(): AuditEntry[] {
    return readFileSync(join(this.stateDir, 'audit.log'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as AuditEntry);
  }

  start(args: string[] = ['--config', this.configFile], env: Record<string, string> = {}): BoothdRun {
    const child = spawn(BOOTHD, args, {
      env: { ...process.env, BOOTH_LOG_FORMAT: 'json', BOOTH_LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: LogLine[] = [];
    const watchers = new Set<() => void>();
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        lines.push({ level: 0, msg: text });
      }
      for (const watcher of watchers) watcher();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
      child.on('exit', (code, signal) => {
        for (const watcher of watchers) watcher();
        resolveExit({ code, signal });
      }),
    );
    const run: BoothdRun = {
      child,
      lines,
      stderr: () => stderr,
      exited,
      waitForLine: (predicate, what, limitMs = 15_000) =>
        new Promise((resolveLine, reject) => {
          const check = () => {
            const found = lines.find(predicate);
            if (found) finish(() => resolveLine(found));
            else if (child.exitCode !== null || child.signalCode !== null) {
              finish(() => reject(new Error(`boothd exited before ${what}; stderr: ${stderr}`)));
            }
          };
          const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${limitMs} ms waiting for ${what}`))), limitMs);
          const finish = (settle: () => void) => {
            clearTimeout(timer);
            watchers.delete(check);
            settle();
          };
          watchers.add(check);
          check();
        }),
      control: (command, args = {}) => sendControlCommand(join(this.stateDir, 'boothd.sock'), command, args),
    };
    this.#runs.push(run);
    return run;
  }

  /** Starts boothd and waits until its control socket answers. */
  async startRunning(): Promise<BoothdRun> {
    const run = this.start();
    await run.waitForLine((line) => line.msg?.startsWith('boothd running'), 'boothd running');
    return run;
  }

  async cleanup(): Promise<void> {
    for (const run of this.#runs) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGKILL');
        await run.exited;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
