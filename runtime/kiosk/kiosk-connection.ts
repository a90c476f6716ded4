/**
 * One touchscreen connection: answers what the client sends, and carries what the session says
 * to it. State, prompt, quality and replies are never dropped; previews are disposable and are
 * skipped when this client is rate-limited or its socket is backed up. Whatever a client sends,
 * the worst it can get is an error reply or its own disconnection.
 */
import type { RawData, WebSocket } from 'ws';
import type { Clock } from '../../hal/clock.ts';
import type { BoothLogger } from '../logging/logger.ts';
import { SessionActionError, type PersonAction, type SessionPort } from '../../protocols/kiosk/session-contract.ts';
import { parseClientMessage } from './client-messages.ts';
import { CLOSE_CODES, KIOSK_PROTOCOL } from './kiosk-protocol.ts';
import { PreviewThrottle } from './preview-throttle.ts';
import { errorMessage, type ErrorMessage, type ServerMessage } from './server-messages.ts';

export interface KioskConnectionOptions {
  socket: WebSocket;
  /** A small number naming the connection in logs (no client address: it is always loopback). */
  number: number;
  session: SessionPort;
  clock: Clock;
  logger: BoothLogger;
  previewsPerSecond: number;
  /** Previews are skipped while more than this is waiting in the socket. */
  previewBufferLimitBytes: number;
  /** A client with more than this waiting has stopped reading: it is disconnected. */
  maxBacklogBytes: number;
}

export type PreviewVerdict = 'send' | 'throttled' | 'backlogged';

export class KioskConnection {
  readonly number: number;
  readonly #socket: WebSocket;
  readonly #session: SessionPort;
  readonly #logger: BoothLogger;
  readonly #throttle: PreviewThrottle;
  readonly #previewBufferLimitBytes: number;
  readonly #maxBacklogBytes: number;
  readonly closed: Promise<void>;

  constructor(options: KioskConnectionOptions) {
    this.number = options.number;
    this.#socket = options.socket;
    this.#session = options.session;
    this.#logger = options.logger;
    this.#throttle = new PreviewThrottle(options.clock, options.previewsPerSecond);
    this.#previewBufferLimitBytes = options.previewBufferLimitBytes;
    this.#maxBacklogBytes = options.maxBacklogBytes;
    this.closed = new Promise((resolve) => this.#socket.once('close', () => resolve()));
    this.#socket.on('message', (data, isBinary) => this.#receiveSafely(data, isBinary));
    // ws reports oversized frames, bad UTF-8 and protocol violations here, then closes the socket itself.
    this.#socket.on('error', (error: Error & { code?: string }) =>
      this.#logger.info({ event: 'kiosk.client-error', client: this.number, code: error.code }, 'kiosk connection error; ws closes it'),
    );
  }

  get isOpen(): boolean {
    return this.#socket.readyState === this.#socket.OPEN;
  }

  send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message));
  }

  /** Sends an already serialised message (one serialisation serves every client). */
  sendText(text: string): void {
    if (!this.isOpen) return;
    this.#socket.send(text);
    if (this.#socket.bufferedAmount > this.#maxBacklogBytes) {
      this.#logger.warn(
        { event: 'kiosk.client-too-slow', client: this.number, bufferedBytes: this.#socket.bufferedAmount },
        'kiosk client stopped reading; disconnecting it (it gets a fresh snapshot when it reconnects)',
      );
      this.#socket.terminate();
    }
  }

  /** Whether a preview may go to this client now; a 'send' verdict uses up the rate slot. */
  previewVerdict(): PreviewVerdict {
    if (!this.isOpen) return 'backlogged';
    // Checked before the throttle so a skipped frame does not use up the client's slot.
    if (this.#socket.bufferedAmount > this.#previewBufferLimitBytes) return 'backlogged';
    return this.#throttle.take() ? 'send' : 'throttled';
  }

  close(code: number, reason: string): void {
    if (this.#socket.readyState === this.#socket.CLOSED) return;
    this.#socket.close(code, reason);
  }

  terminate(): void {
    this.#socket.terminate();
  }

  /** A throw out of a socket listener would take the whole daemon down; nothing a client sends may. */
  #receiveSafely(data: RawData, isBinary: boolean): void {
    try {
      this.#receive(data, isBinary);
    } catch (error) {
      this.#logger.error({ event: 'kiosk.receive-failed', client: this.number, err: error }, 'handling a kiosk message failed');
      this.send(errorMessage('EINTERNAL', 'internal error: the message could not be handled'));
    }
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.#refuse(errorMessage('EBADMSG', 'binary frames are not accepted; send JSON text frames'));
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const text = bytes.toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.#refuse(errorMessage('EBADMSG', parsed.message, parsed.id));
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'hello':
        if (message.protocol !== KIOSK_PROTOCOL) {
          this.#refuse(errorMessage('EPROTO', `unsupported protocol ${JSON.stringify(message.protocol)}; this server speaks ${KIOSK_PROTOCOL}`));
          this.close(CLOSE_CODES.unsupportedProtocol, `unsupported protocol; expected ${KIOSK_PROTOCOL}`);
        }
        return;
      case 'ping':
        this.send({ type: 'pong', id: message.id });
        return;
      case 'action':
        this.#act(message.id, message.action);
        return;
    }
  }

  #act(id: string, action: PersonAction): void {
    try {
      this.#session.act(action);
    } catch (error) {
      this.#refuse(this.#describeRefusal(error, id, action));
      return;
    }
    this.send({ type: 'ack', id });
  }

  #describeRefusal(error: unknown, id: string, action: PersonAction): ErrorMessage {
    if (error instanceof SessionActionError && error.code === 'EORDER') {
      const snapshot = this.#session.snapshot();
      const allowed = snapshot.allowedActions;
      return {
        ...errorMessage(
          'EORDER',
          `action "${action.action}" is not allowed in state "${snapshot.state}"; allowed: ${allowed.join(', ') || 'none'}`,
          id,
        ),
        state: snapshot.state,
        allowedActions: allowed,
      };
    }
    if (error instanceof SessionActionError) return errorMessage('EBADMSG', error.message, id);
    // Only the action's name is logged: its fields (language, missing fingers) describe the person.
    this.#logger.error(
      { event: 'kiosk.action-failed', client: this.number, action: action.action, err: error },
      'the session failed on a kiosk action',
    );
    return errorMessage('EINTERNAL', 'internal error: the booth could not handle this action', id);
  }

  #refuse(message: ErrorMessage): void {
    // The code only: the message may quote what the client sent.
    this.#logger.debug({ event: 'kiosk.message-refused', client: this.number, code: message.code }, 'kiosk message refused');
    this.send(message);
  }
}
