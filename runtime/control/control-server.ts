/**
 * The daemon's local control socket: a Unix socket (owner-only) speaking JSON lines, one request
 * `{"id":1,"command":"status","args":{}}` per line, one answer `{"id":1,"ok":true,"result":…}` or
 * `{"id":1,"ok":false,"error":"…"}` per request. boothctl and tests use it so they never fight
 * the daemon for a device. Commands are registered by the composition root.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { BoothLogger } from '../logging/logger.ts';

export type CommandHandler = (args: Record<string, unknown>) => Promise<unknown> | unknown;

export interface ControlRequest {
  id?: string | number;
  command: string;
  args?: Record<string, unknown>;
}

const MAX_LINE_BYTES = 64 * 1024;

export class ControlServer {
  readonly #path: string;
  readonly #logger: BoothLogger;
  readonly #handlers = new Map<string, { describe: string; handler: CommandHandler }>();
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;

  constructor(path: string, logger: BoothLogger) {
    this.#path = path;
    this.#logger = logger;
    this.register('help', 'list the commands this daemon accepts', () =>
      Object.fromEntries([...this.#handlers].map(([name, entry]) => [name, entry.describe])),
    );
  }

  get path(): string {
    return this.#path;
  }

  register(command: string, describe: string, handler: CommandHandler): void {
    if (this.#handlers.has(command)) throw new Error(`control command "${command}" registered twice`);
    this.#handlers.set(command, { describe, handler });
  }

  async start(): Promise<void> {
    mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
    rmSync(this.#path, { force: true }); // a stale socket from a killed daemon
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.#path, 0o600);
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.#path, { force: true });
  }

  /** Answers one request line. Exposed for tests; the socket path calls it per line. */
  async handleLine(line: string): Promise<Record<string, unknown>> {
    let request: ControlRequest;
    try {
      request = parseRequest(line);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    const id = request.id;
    const entry = this.#handlers.get(request.command);
    if (!entry) {
      return { id, ok: false, error: `unknown command "${request.command}"; known: ${[...this.#handlers.keys()].sort().join(', ')}` };
    }
    try {
      const result = await entry.handler(request.args ?? {});
      return { id, ok: true, result: result ?? null };
    } catch (error) {
      const code = (error as { code?: string }).code;
      return { id, ok: false, error: (error as Error).message ?? String(error), ...(code ? { code } : {}) };
    }
  }

  private serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', (error) => this.#logger.debug({ err: error }, 'control client error'));
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE_BYTES && !buffered.includes('\n')) {
        socket.end(`${JSON.stringify({ ok: false, error: `request line longer than ${MAX_LINE_BYTES} bytes` })}\n`);
        return;
      }
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') {
          void this.handleLine(line).then((answer) => {
            if (!socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`);
          });
        }
        newline = buffered.indexOf('\n');
      }
    });
  }
}

function parseRequest(line: string): ControlRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new Error(`malformed request: not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('malformed request: expected a JSON object like {"command":"status"}');
  }
  const { id, command, args } = value as Record<string, unknown>;
  if (typeof command !== 'string' || command === '') throw new Error('malformed request: "command" must be a non-empty string');
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') {
    throw new Error('malformed request: "id" must be a string or a number');
  }
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
    throw new Error('malformed request: "args" must be an object');
  }
  return { command, ...(id !== undefined ? { id } : {}), ...(args ? { args: args as Record<string, unknown> } : {}) };
}
