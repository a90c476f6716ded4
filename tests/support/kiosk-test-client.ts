/**
 * A WebSocket client for kiosk tests: every message it receives is queued, and each wait is
 * bounded and says what it waited for (wall-clock limits only guard against hangs).
 */
import WebSocket from 'ws';

export interface KioskMessage {
  type: string;
  [key: string]: unknown;
}

export class KioskTestClient {
  readonly socket: WebSocket;
  readonly received: KioskMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<() => void> = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      this.received.push(JSON.parse(isBinary ? '{"type":"<binary>"}' : data.toString()) as KioskMessage);
      this.#wake();
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#wake();
      }),
    );
    socket.on('error', () => undefined); // the close code is what tests look at
  }

  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<KioskTestClient> {
    const socket = new WebSocket(url, options);
    const client = new KioskTestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message not yet taken, of `type` when given (earlier ones of other types are skipped). */
  async next(type?: string, limitMs = 5000): Promise<KioskMessage> {
    await this.waitUntil(() => this.received.some((m) => type === undefined || m.type === type), `a "${type ?? 'any'}" message`, limitMs);
    const index = this.received.findIndex((m) => type === undefined || m.type === type);
    const [taken] = this.received.splice(0, index + 1).slice(-1);
    return taken as KioskMessage;
  }

  /** Sends `message` and returns the reply carrying its id (ack, error or pong). */
  async request(message: Record<string, unknown> & { id: string }): Promise<KioskMessage> {
    this.send(message);
    await this.waitUntil(() => this.received.some((m) => m.id === message.id), `a reply to ${message.id}`);
    const index = this.received.findIndex((m) => m.id === message.id);
    return this.received.splice(index, 1)[0] as KioskMessage;
  }

  async waitUntil(condition: () => boolean, what: string, limitMs = 5000): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new Error(`timed out after ${limitMs} ms waiting for ${what}`));
      }, limitMs);
      const check = () => {
        if (settled) return;
        if (condition()) {
          settled = true;
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.closed;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }
}
