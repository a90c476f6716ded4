/**
 * Runs the real bin/booth-rig as a test engineer would, in a temporary folder of its own (also
 * its TMPDIR, so the run's work dirs land there and are removed with it), with a bounded wait.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunResult } from '../../runtime/rig/rig-result.ts';

export const BOOTH_RIG = resolve(import.meta.dirname, '../../bin/booth-rig');

export interface RigRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The --json result, when the run wrote one. */
  result?: RunResult;
}

export class RigSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'rig-test-'));

  /** Writes `SCENARIO.yaml` text into the sandbox; returns its path. */
  file(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  run(args: readonly string[], limitMs = 90_000): Promise<RigRun> {
    const json = join(this.dir, 'result.json');
    rmSync(json, { force: true });
    return new Promise((resolveRun, reject) => {
      const child = spawn(BOOTH_RIG, ['run', '--json', json, ...args], {
        cwd: this.dir,
        env: { ...process.env, TMPDIR: this.dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => {
        child.kill('SIGTERM'); // the rig tears its booth down on the first signal
        reject(new Error(`booth-rig ${args.join(' ')} did not finish within ${limitMs} ms; stderr: ${stderr}`));
      }, limitMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        let result: RunResult | undefined;
        try {
          result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
        } catch {
          result = undefined;
        }
        resolveRun({ code, stdout, stderr, ...(result ? { result } : {}) });
      });
    });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every PID the rig named in its timeline (`… (pid 1234)`): the processes it started. */
export function startedPids(result: RunResult): number[] {
  return result.scenarios.flatMap((scenario) => scenario.timeline.flatMap((entry) => [...`${entry.text} ${entry.detail ?? ''}`.matchAll(/\bpid (\d+)/g)].map((match) => Number(match[1]))));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The quick sim booth for tests: an accepted capture moves on after 0.2 s instead of 1.5 s. */
export const QUICK_BOOTH = `booth:
  session:
    timeouts: { acceptedPauseSeconds: 0.2 }
`;
