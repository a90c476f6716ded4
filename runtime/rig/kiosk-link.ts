/**
 * The rig's touchscreen: a booth-kiosk/1 WebSocket client that sends the person's actions as the
 * kiosk UI would and hands every message from boothd to the rig's observer. An action answered
 * with an error (EORDER: not allowed in this state) is a failed step, with boothd's message.
 */
import WebSocket from 'ws';

export interface KioskMessage {
  type: string;
  [key: string]: unknown;
}

const REPLY_LIMIT_MS = 5000;
const CONNECT_LIMIT_MS = 5000;

export class KioskLink {
  readonly #socket: WebSocket;
  readonly #pending = new Map<string, (reply: KioskMessage) => void>();
  readonly closed: Promise<void>;
  #nextId = 1;
  #open = true;

  private constructor(socket: WebSocket, onMessage: (message: KioskMessage) => void, onClose: () => void) {
    this.#socket = socket;
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: KioskMessage;
      try {
        message = JSON.parse(data.toString()) as KioskMessage;
      } catch {
        return;
      }
      const id = typeof message.id === 'string' ? message.id : undefined;
      const waiter = id === undefined ? undefined : this.#pending.get(id);
      if (waiter && (message.type === 'ack' || message.type === 'error' || message.type === 'pong')) {
        this.#pending.delete(id!);
        waiter(message);
        return;
      }
      onMessage(message);
    });
    socket.on('error', () => undefined); // the close that follows is what matters
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#open = false;
        for (const waiter of this.#pending.values()) waiter({ type: 'closed' });
        this.#pending.clear();
        onClose();
        resolve();
      }),
    );
  }

  /** Opens `ws://…/kiosk/v1` at boothd's kiosk `url` (http://127.0.0.1:PORT). */
  static async connect(url: string, onMessage: (message: KioskMessage) => void, onClose: () => void): Promise<KioskLink> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/kiosk/v1`);
    const link = new KioskLink(socket, onMessage, onClose);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`the kiosk socket at ${url} did not open within ${CONNECT_LIMIT_MS} ms`));
      }, CONNECT_LIMIT_MS);
      socket.once('open', () => {
        clearTimeout(timer);
        // Fails loudly (EPROTO, closed) should this rig and boothd ever speak different majors.
        socket.send(JSON.stringify({ type: 'hello', protocol: 'booth-kiosk/1' }));
        resolve();
      });
      socket.once('unexpected-response', (_request, response) => {
        clearTimeout(timer);
        reject(new Error(`the kiosk at ${url} answered HTTP ${response.statusCode}`));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot open the kiosk socket at ${url}: ${error.message}`));
      });
    });
    return link;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Sends a person action (`{ action: 'confirm' }` …); resolves on `ack`, throws boothd's error. */
  async act(action: Record<string, unknown> & { action: string }): Promise<void> {
    const reply = await this.request({ type: 'action', ...action });
    if (reply.type === 'ack') return;
    if (reply.type === 'error') throw new Error(`boothd refused "${action.action}": ${String(reply.code)} ${String(reply.message)}`);
    throw new Error(`the kiosk socket closed before boothd answered "${action.action}"`);
  }

  /** A round trip: every message boothd sent before the pong has been handed to the observer. */
  async ping(): Promise<void> {
    await this.request({ type: 'ping' });
  }

  close(): void {
    if (this.#open) this.#socket.terminate();
  }

  private request(message: Record<string, unknown>): Promise<KioskMessage> {
    if (!this.#open) return Promise.reject(new Error('the kiosk socket is closed (boothd is not running)'));
    const id = `rig-${this.#nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`boothd did not answer kiosk message ${message.type} (${id}) within ${REPLY_LIMIT_MS} ms`));
      }, REPLY_LIMIT_MS);
      this.#pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.#socket.send(JSON.stringify({ ...message, id }));
    });
  }
}
