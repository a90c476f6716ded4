/** Sends one request to a running boothd's control socket and returns its answer. */
import { createConnection } from 'node:net';

export interface ControlAnswer {
  id?: string | number;
  ok: boolean;
  result?: unknown;
  error?: string;
  code?: string;
}

export function sendControlCommand(
  socketPath: string,
  command: string,
  args: Record<string, unknown> = {},
  timeoutMs = 5000,
): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffered = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`boothd did not answer "${command}" within ${timeoutMs} ms on ${socketPath}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ id: 1, command, args })}\n`));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.end();
      try {
        resolve(JSON.parse(buffered.slice(0, newline)) as ControlAnswer);
      } catch (error) {
        reject(new Error(`boothd answered with malformed JSON: ${(error as Error).message}`));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
