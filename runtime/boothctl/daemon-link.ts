/**
 * boothctl's side of the control socket, with the three answers a technician must be able to
 * tell apart: boothd is not running, the socket is forbidden to this user, or boothd answered
 * with an error. Everything else is passed on unchanged.
 */
import { sendControlCommand } from '../control/control-client.ts';

export class DaemonDown extends Error {
  /** `hint` replaces the general advice with what this command needs. */
  constructor(socketPath: string, cause: unknown, hint = 'start it with "systemctl start boothd", or use the commands that work without it') {
    super(`boothd is not running (nothing listens on ${socketPath}); ${hint}`, { cause });
    this.name = 'DaemonDown';
  }
}

export class SocketForbidden extends Error {
  constructor(socketPath: string, cause: unknown) {
    super(`permission denied on ${socketPath}: the socket is owner-only; run boothctl as the boothd user or root (sudo boothctl …)`, { cause });
    this.name = 'SocketForbidden';
  }
}

export class DaemonRefused extends Error {
  readonly code: string | undefined;
  constructor(command: string, message: string, code?: string) {
    super(`boothd refused "${command}": ${message}`);
    this.name = 'DaemonRefused';
    this.code = code;
  }
}

export class DaemonLink {
  readonly socketPath: string;
  readonly #timeoutMs: number;

  constructor(socketPath: string, timeoutMs = 10_000) {
    this.socketPath = socketPath;
    this.#timeoutMs = timeoutMs;
  }

  /** The command's result, or DaemonDown / SocketForbidden / DaemonRefused. */
  async call<T = unknown>(command: string, args: Record<string, unknown> = {}, timeoutMs = this.#timeoutMs): Promise<T> {
    let answer;
    try {
      answer = await sendControlCommand(this.socketPath, command, args, timeoutMs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTDIR') throw new DaemonDown(this.socketPath, error);
      if (code === 'EACCES' || code === 'EPERM') throw new SocketForbidden(this.socketPath, error);
      throw error;
    }
    if (!answer.ok) throw new DaemonRefused(command, answer.error ?? 'no reason given', answer.code);
    return answer.result as T;
  }

  /** True when boothd answers; false when it is down. Forbidden and other errors propagate. */
  async running(): Promise<boolean> {
    try {
      await this.call('help', {}, 3000);
      return true;
    } catch (error) {
      if (error instanceof DaemonDown) return false;
      throw error;
    }
  }
}
