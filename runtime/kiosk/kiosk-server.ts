/**
 * The local kiosk API: the booth's touchscreen loads its UI from here and talks to the session
 * over one WebSocket (`/kiosk/v1`, protocol booth-kiosk/1, docs/kiosk-api.md). Loopback only.
 * The session is listened to once, whatever the number of screens; each event is serialised once
 * and fanned out. Nothing a client does reaches the session except a validated PersonAction.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../hal/clock.ts';
import type { BoothLogger } from '../logging/logger.ts';
import {
  LANGUAGES,
  type PreviewFrame,
  type Prompt,
  type QualityFeedback,
  type SessionPort,
  type SessionSnapshot,
  type SessionSummary,
} from '../../protocols/kiosk/session-contract.ts';
import { KioskConnection } from './kiosk-connection.ts';
import { isAllowedOrigin } from './kiosk-origin.ts';
import { CLOSE_CODES, KIOSK_SOCKET_PATH } from './kiosk-protocol.ts';
import { isLoopbackAddress, LOOPBACK_ONLY_MESSAGE } from './loopback-address.ts';
import {
  endedMessage,
  helloMessage,
  previewMessage,
  promptMessage,
  qualityMessage,
  stateMessage,
  type KioskLanguage,
  type RenderedPrompt,
  type ServerMessage,
} from './server-messages.ts';
import { sendPlain, serveStatic, type StaticMount } from './static-files.ts';

/** Where the installed runtime keeps the UI and the catalogues (next to runtime/). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../kiosk/ui/', import.meta.url));
export const DEFAULT_I18N_DIR = fileURLToPath(new URL('../i18n/', import.meta.url));

export interface KioskServerOptions {
  session: SessionPort;
  /** A loopback address (127.0.0.0/8 or ::1); anything else is refused. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The touchscreen application, served at `/`. Default: the installation's kiosk/ui. */
  uiDir?: string;
  /** The message catalogues, served as `/i18n/<lang>.json`. Default: the installation's runtime/i18n. */
  i18nDir?: string;
  /** Recorded voice prompts, served under `/voice/`; absent: none. */
  voiceDir?: string;
  boothId: string;
  /** The languages the picker offers, in order, with their native names. */
  languages: () => KioskLanguage[];
  /** The text of a prompt in its language, and its voice file under /voice/ when there is one. */
  renderPrompt: (prompt: Prompt) => RenderedPrompt;
  clock: Clock;
  logger: BoothLogger;
  /** Connections beyond this are closed with 1013 (try again later). Default 4. */
  maxClients?: number;
  /** Previews per second per client at most. Default 10. */
  previewsPerSecond?: number;
  /** Largest frame a client may send; larger ones close the connection with 1009. Default 16 KiB. */
  maxMessageBytes?: number;
  /** Previews are skipped for a client with more than this waiting in its socket. Default 256 KiB. */
  previewBufferLimitBytes?: number;
  /** A client with more than this waiting has stopped reading and is disconnected. Default 8 MiB. */
  maxBacklogBytes?: number;
  /** How long stop() waits for clients to answer the close handshake. Default 1000 ms. */
  closeGraceMs?: number;
}

export interface KioskStats {
  clients: number;
  previewsSent: number;
  /** Previews not sent to a client because of its rate limit. */
  previewsThrottled: number;
  /** Previews not sent to a client whose socket was backed up. */
  previewsBacklogged: number;
}

export class KioskServer {
  readonly #options: KioskServerOptions;
  readonly #logger: BoothLogger;
  readonly #mounts: StaticMount[];
  readonly #webSockets: WebSocketServer;
  readonly #connections = new Set<KioskConnection>();
  readonly #sockets = new Set<Socket>();
  readonly #stats = { previewsSent: 0, previewsThrottled: 0, previewsBacklogged: 0 };
  #http: Server | undefined;
  #port = 0;
  #nextConnection = 1;

  constructor(options: KioskServerOptions) {
    if (!isLoopbackAddress(options.host)) throw new Error(`kiosk host "${options.host}": ${LOOPBACK_ONLY_MESSAGE}`);
    this.#options = options;
    this.#logger = options.logger.child({ component: 'kiosk' });
    this.#mounts = [
      { prefix: ['i18n'], root: options.i18nDir ?? DEFAULT_I18N_DIR, accepts: isCatalogueFile },
      { prefix: ['voice'], root: options.voiceDir },
      { prefix: [], root: options.uiDir ?? DEFAULT_UI_DIR },
    ];
    this.#webSockets = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxMessageBytes ?? 16 * 1024,
      // Previews are already compressed images; deflate would only cost CPU (and invite zip bombs).
      perMessageDeflate: false,
    });
  }

  /** Listens and subscribes to the session; returns the base URL, e.g. `http://127.0.0.1:18880`. */
  async start(): Promise<string> {
    if (this.#http) throw new Error('the kiosk server is already started');
    const http = createServer((request, response) => void this.#serveHttp(request, response));
    http.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    http.on('upgrade', (request, socket, head) => this.#upgrade(request, socket, head));
    await new Promise<void>((resolve, reject) => {
      http.once('error', (error) => reject(new Error(`the kiosk API cannot listen on ${this.#options.host}:${this.#options.port}: ${error.message}`)));
      http.listen({ host: this.#options.host, port: this.#options.port, exclusive: true }, resolve);
    });
    http.on('error', (error) => this.#logger.error({ event: 'kiosk.http-error', err: error }, 'kiosk HTTP server error'));
    this.#http = http;
    this.#port = (http.address() as AddressInfo).port;
    this.#subscribe();
    this.#logger.info({ event: 'kiosk.listening', url: this.url }, 'kiosk API listening');
    return this.url;
  }

  /** Closes every connection (1001 to WebSocket clients) and unsubscribes from the session. */
  async stop(): Promise<void> {
    const http = this.#http;
    if (!http) return;
    this.#http = undefined;
    this.#unsubscribe();
    const connections = [...this.#connections];
    for (const connection of connections) connection.close(CLOSE_CODES.goingAway, 'booth runtime stopping');
    await this.#withinGrace(Promise.all(connections.map((connection) => connection.closed)));
    for (const connection of connections) connection.terminate();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    this.#logger.info({ event: 'kiosk.stopped' }, 'kiosk API stopped');
  }

  get url(): string {
    const host = this.#options.host.includes(':') ? `[${this.#options.host}]` : this.#options.host;
    return `http://${host}:${this.#port}`;
  }

  /** The port listened on (the chosen one when started with 0); 0 before start. */
  get port(): number {
    return this.#port;
  }

  stats(): KioskStats {
    return { clients: this.#connections.size, ...this.#stats };
  }

  async #serveHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (pathOf(request) === KIOSK_SOCKET_PATH) {
      sendPlain(response, 426, `${KIOSK_SOCKET_PATH} is a WebSocket endpoint\n`, { Upgrade: 'websocket' });
      return;
    }
    await serveStatic(request, response, this.#mounts, this.#logger);
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.#logger.debug({ event: 'kiosk.upgrade-socket-error', err: error }, 'socket error during upgrade'));
    if (pathOf(request) !== KIOSK_SOCKET_PATH) return refuseUpgrade(socket, 404, 'Not Found', `the kiosk socket is at ${KIOSK_SOCKET_PATH}`);
    if (!isAllowedOrigin(request.headers.origin, this.#port)) {
      this.#logger.warn({ event: 'kiosk.origin-refused' }, 'kiosk socket refused to a page of another origin');
      return refuseUpgrade(socket, 403, 'Forbidden', 'only pages served by this kiosk server may connect');
    }
    if (!this.#http) return refuseUpgrade(socket, 503, 'Service Unavailable', 'the kiosk server is stopping');
    this.#webSockets.handleUpgrade(request, socket, head, (webSocket) => this.#accept(webSocket));
  }

  #accept(webSocket: WebSocket): void {
    const maxClients = this.#options.maxClients ?? 4;
    webSocket.on('error', () => undefined); // a refused socket's errors are of no interest; KioskConnection adds its own
    if (!this.#http) {
      webSocket.close(CLOSE_CODES.goingAway, 'booth runtime stopping');
      return;
    }
    if (this.#connections.size >= maxClients) {
      webSocket.close(CLOSE_CODES.tryAgainLater, `too many kiosk connections (at most ${maxClients})`);
      this.#logger.warn({ event: 'kiosk.client-refused', clients: this.#connections.size, maxClients }, 'kiosk connection refused: too many');
      return;
    }
    const connection = new KioskConnection({
      socket: webSocket,
      number: this.#nextConnection++,
      session: this.#options.session,
      clock: this.#options.clock,
      logger: this.#logger,
      previewsPerSecond: this.#options.previewsPerSecond ?? 10,
      previewBufferLimitBytes: this.#options.previewBufferLimitBytes ?? 256 * 1024,
      maxBacklogBytes: this.#options.maxBacklogBytes ?? 8 * 1024 * 1024,
    });
    this.#connections.add(connection);
    this.#logger.info({ event: 'kiosk.client-connected', client: connection.number, clients: this.#connections.size }, 'kiosk client connected');
    void connection.closed.then(() => {
      this.#connections.delete(connection);
      this.#logger.info({ event: 'kiosk.client-disconnected', client: connection.number, clients: this.#connections.size }, 'kiosk client disconnected');
    });
    try {
      const snapshot = this.#options.session.snapshot();
      connection.send(helloMessage(this.#options.boothId, this.#options.languages(), snapshot));
      if (snapshot.prompt) connection.send(this.#promptMessage(snapshot.prompt));
    } catch (error) {
      this.#logger.error({ event: 'kiosk.hello-failed', client: connection.number, err: error }, 'could not greet a kiosk client');
      connection.close(1011, 'internal error');
    }
  }

  // Session listeners: the same function objects are added at start and removed at stop. They
  // run inside the session's emit, so they must never throw back into the session.
  readonly #onState = (snapshot: SessionSnapshot) => this.#broadcast('state', () => stateMessage(snapshot));
  readonly #onPrompt = (prompt: Prompt) => this.#broadcast('prompt', () => this.#promptMessage(prompt));
  readonly #onQuality = (feedback: QualityFeedback) => this.#broadcast('quality', () => qualityMessage(feedback));
  readonly #onEnded = (summary: SessionSummary) => this.#broadcast('ended', () => endedMessage(summary));
  readonly #onPreview = (frame: PreviewFrame) => {
    try {
      let text: string | undefined;
      for (const connection of this.#connections) {
        const verdict = connection.previewVerdict();
        if (verdict === 'throttled') this.#stats.previewsThrottled += 1;
        else if (verdict === 'backlogged') this.#stats.previewsBacklogged += 1;
        else {
          // Encoded only when some client takes it, and once for all of them.
          text ??= JSON.stringify(previewMessage(frame));
          connection.sendText(text);
          this.#stats.previewsSent += 1;
        }
      }
    } catch (error) {
      this.#logger.error({ event: 'kiosk.broadcast-failed', message: 'preview', err: error }, 'could not send a preview');
    }
  };

  #subscribe(): void {
    const session = this.#options.session;
    session.on('state', this.#onState);
    session.on('prompt', this.#onPrompt);
    session.on('preview', this.#onPreview);
    session.on('quality', this.#onQuality);
    session.on('ended', this.#onEnded);
  }

  #unsubscribe(): void {
    const session = this.#options.session;
    session.off('state', this.#onState);
    session.off('prompt', this.#onPrompt);
    session.off('preview', this.#onPreview);
    session.off('quality', this.#onQuality);
    session.off('ended', this.#onEnded);
  }

  #broadcast(kind: ServerMessage['type'], build: () => ServerMessage): void {
    try {
      if (this.#connections.size === 0) return;
      const text = JSON.stringify(build());
      for (const connection of this.#connections) connection.sendText(text);
    } catch (error) {
      this.#logger.error({ event: 'kiosk.broadcast-failed', message: kind, err: error }, 'could not send a session event to the kiosk');
    }
  }

  /** A prompt whose text cannot be rendered still goes out, with its key as the text. */
  #promptMessage(prompt: Prompt): ServerMessage {
    let rendered: RenderedPrompt;
    try {
      rendered = this.#options.renderPrompt(prompt);
    } catch (error) {
      this.#logger.warn({ event: 'kiosk.prompt-render-failed', key: prompt.key, language: prompt.language, err: error }, 'prompt could not be rendered');
      rendered = { text: prompt.key };
    }
    return promptMessage(prompt, rendered);
  }

  async #withinGrace(promise: Promise<unknown>): Promise<void> {
    let timer: { cancel(): void } | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = this.#options.clock.setTimeout(resolve, this.#options.closeGraceMs ?? 1000);
    });
    await Promise.race([promise, grace]);
    timer?.cancel();
  }
}

/** `/i18n/<lang>.json` for the interface languages only. */
function isCatalogueFile(segments: readonly string[]): boolean {
  const match = segments.length === 1 ? /^([a-z]{2,3})\.json$/.exec(segments[0] ?? '') : null;
  return match !== null && (LANGUAGES as readonly string[]).includes(match[1] ?? '');
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '').split(/[?#]/, 1)[0] ?? '';
}

function refuseUpgrade(socket: Duplex, status: number, statusText: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
