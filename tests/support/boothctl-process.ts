/**
 * Runs the real bin/boothctl as a child process, as a technician would, with a bounded wait.
 * stdout is a pipe, so boothctl must write plain text (no colours) unless told otherwise.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './boothd-process.ts';

export const BOOTHCTL = join(ROOT, 'bin', 'boothctl');

export interface BoothctlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function boothctl(args: readonly string[], options: { env?: Record<string, string>; limitMs?: number; cwd?: string } = {}): Promise<BoothctlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(BOOTHCTL, args, {
      env: { ...process.env, NO_COLOR: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const limitMs = options.limitMs ?? 30_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`boothctl ${args.join(' ')} did not finish within ${limitMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parses boothctl --json output, failing the test with what boothctl said when it is not JSON. */
export function parseJson<T>(result: BoothctlResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`boothctl did not print JSON (exit ${result.code}); stdout: ${result.stdout}; stderr: ${result.stderr}`);
  }
}
