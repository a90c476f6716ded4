/**
 * A scripted stand-in for boothd's kiosk server, for testing the kiosk UI on its own: node:http
 * serves kiosk/ui at `/` and the catalogues at `/i18n/`, a `ws` WebSocketServer speaks
 * booth-kiosk/1 at `/kiosk/v1`. The test decides every snapshot; the server records every frame
 * the page sends, acks actions the snapshot allows and refuses the others with EORDER (so a test
 * can prove the page only offers allowed actions).
 */
import { MessageCatalogue } from '../../runtime/i18n/catalogue.ts';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ALLOWED_ACTIONS,
  LANGUAGES,
  SESSION_STEPS,
  type CaptureTarget,
  type Language,
  type PersonActionName,
  type QualityFeedback,
  type SessionSnapshot,
  type SessionState,
} from '../../protocols/kiosk/session-contract.ts';
import { waitFor } from '../support/wait.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const UI_DIR = join(REPO, 'kiosk/ui');
export const I18N_DIR = join(REPO, 'runtime/i18n');

/** The 13 languages as the booth offers them, each named in itself (the i18n tests pin the names). */
export const NATIVE_NAMES: Record<Language, string> = Object.fromEntries(
  MessageCatalogue.load().languages().map(({ code, name }) => [code, name]),
) as Record<Language, string>;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wav': 'audio/wav',
};

export interface ReceivedFrame {
  at: number;
  connection: number;
  message: { type: string; id?: string; action?: PersonActionName; [field: string]: unknown };
}

export interface FakeKioskServerOptions {
  /** Catalogues served instead of (or besides) runtime/i18n/<code>.json. */
  catalogues?: Record<string, Record<string, string>>;
  languages?: Array<{ code: string; name: string }>;
  snapshot?: SessionSnapshot;
  boothId?: string;
}

const SESSION_ID = '01936f3e-6c3a-7d2e-9b1a-4f2e8c1d0a55';
const IN_SESSION: ReadonlySet<SessionState> = new Set(['language', 'consent', 'document', 'missing-fingers', 'fingerprints', 'palms', 'face', 'signature', 'review', 'committing', 'goodbye', 'refused', 'escalated']);
const DOOR_LOCKED: ReadonlySet<SessionState> = new Set(['language', 'consent', 'document', 'missing-fingers', 'fingerprints', 'palms', 'face', 'signature', 'review', 'committing']);

/** The prompt key the orchestrator would put in a state's snapshot. */
function promptKeyFor(state: SessionState, target?: CaptureTarget): string | undefined {
  switch (state) {
    case 'idle':
      return 'idle.welcome';
    case 'precheck':
      return 'precheck.wait';
    case 'out-of-service':
      return 'outOfService.title';
    case 'language':
      return 'language.choose';
    case 'consent':
      return 'consent.title';
    case 'document':
      return 'document.mrz';
    case 'missing-fingers':
      return 'missing.title';
    case 'fingerprints':
      return target?.kind === 'slap' ? `fingers.${target.slap}` : undefined;
    case 'palms':
      return target?.kind === 'palm' ? `palms.${target.palm}` : undefined;
    case 'face':
      return 'face.look';
    case 'signature':
      return 'signature.sign';
    case 'review':
      return 'review.title';
    case 'committing':
      return 'committing.wait';
    case 'goodbye':
      return 'goodbye.done';
    case 'refused':
      return 'refused.goodbye';
    case 'escalated':
      return 'escalated.wait';
    case 'fire-alarm':
      return 'fireAlarm.leave';
    default:
      return undefined;
  }
}

function defaultTarget(state: SessionState): CaptureTarget | undefined {
  switch (state) {
    case 'fingerprints':
      return { kind: 'slap', slap: 'right-four', fingers: [2, 3, 4, 5] };
    case 'palms':
      return { kind: 'palm', palm: 'right-full' };
    case 'face':
      return { kind: 'face' };
    case 'signature':
      return { kind: 'signature' };
    case 'document':
      return { kind: 'document' };
    default:
      return undefined;
  }
}

export const SLAP_TARGETS = {
  'right-four': { kind: 'slap', slap: 'right-four', fingers: [2, 3, 4, 5] },
  'left-four': { kind: 'slap', slap: 'left-four', fingers: [7, 8, 9, 10] },
  'two-thumbs': { kind: 'slap', slap: 'two-thumbs', fingers: [1, 6] },
} as const satisfies Record<string, CaptureTarget>;

/**
 * A realistic snapshot of `state`: this booth runs every step, the person chose English once past
 * the picker, the door is locked while data is being taken, and every action the state accepts
 * is allowed unless `overrides.allowedActions` says otherwise.
 */
export function snapshotFor(state: SessionState, overrides: Partial<SessionSnapshot> = {}): SessionSnapshot {
  const steps = [...SESSION_STEPS];
  const inSession = IN_SESSION.has(state);
  const language: Language | undefined = inSession && state !== 'language' ? 'en' : undefined;
  const target = 'target' in overrides ? overrides.target : defaultTarget(state);
  const stepIndex = steps.indexOf(state as (typeof steps)[number]);
  const snapshot: SessionSnapshot = {
    state,
    steps,
    stepIndex: stepIndex >= 0 ? stepIndex : state === 'idle' || state === 'precheck' || state === 'out-of-service' ? 0 : steps.length - 1,
    allowedActions: [...ALLOWED_ACTIONS[state]],
    door: DOOR_LOCKED.has(state) ? 'locked' : 'released',
    missingFingers: [],
  };
  if (inSession) snapshot.sessionId = SESSION_ID;
  if (language) snapshot.language = language;
  if (target) snapshot.target = target;
  const key = promptKeyFor(state, target);
  const promptLanguage = overrides.language ?? language;
  if (key && promptLanguage) snapshot.prompt = { key, params: {}, language: promptLanguage };
  if (state !== 'idle' && state !== 'out-of-service') snapshot.timeoutSeconds = 60;
  return { ...snapshot, ...overrides };
}

/** A 0.1 s silent WAV, the voice file the fake server plays for prompts. */
function silentWav(): Buffer {
  const samples = 800;
  const buffer = Buffer.alloc(44 + samples * 2);
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + samples * 2, 4);
  buffer.write('WAVEfmt ', 8, 'ascii');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(8000, 24);
  buffer.writeUInt32LE(16000, 28);
  buffer.writeUInt16LE(2, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(samples * 2, 40);
  return buffer;
}

export class FakeKioskServer {
  readonly url: string;
  readonly received: ReceivedFrame[] = [];
  /** Every HTTP path the page asked for, in order. */
  readonly requests: string[] = [];
  snapshot: SessionSnapshot;
  /** When true, new socket handshakes are refused (the booth daemon is "down"). */
  refusing = false;
  connections = 0;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #clients = new Set<WebSocket>();
  readonly #options: FakeKioskServerOptions;
  readonly #english: Record<string, string>;
  readonly #refused: ReceivedFrame['message'][] = [];

  private constructor(http: Server, wss: WebSocketServer, url: string, options: FakeKioskServerOptions, english: Record<string, string>) {
    this.#http = http;
    this.#wss = wss;
    this.url = url;
    this.#options = options;
    this.#english = english;
    this.snapshot = options.snapshot ?? snapshotFor('idle');
  }

  static async start(options: FakeKioskServerOptions = {}): Promise<FakeKioskServer> {
    const english = JSON.parse(await readFile(join(I18N_DIR, 'en.json'), 'utf8')) as Record<string, string>;
    const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    let server: FakeKioskServer | undefined;
    const http = createServer((request, response) => {
      void server?.serve(request, response);
    });
    http.on('upgrade', (request, socket, head) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      if (!server || server.refusing || path !== '/kiosk/v1') {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => server?.accept(ws));
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = http.address() as AddressInfo;
    server = new FakeKioskServer(http, wss, `http://127.0.0.1:${port}/`, options, english);
    return server;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  private accept(ws: WebSocket): void {
    const connection = ++this.connections;
    this.#clients.add(ws);
    ws.on('close', () => this.#clients.delete(ws));
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: ReceivedFrame['message'];
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      this.received.push({ at: Date.now(), connection, message });
      if (message.type === 'ping') ws.send(JSON.stringify({ type: 'pong', id: message.id }));
      if (message.type !== 'action') return;
      if (this.snapshot.allowedActions.includes(message.action as PersonActionName)) {
        ws.send(JSON.stringify({ type: 'ack', id: message.id }));
      } else {
        this.#refused.push(message);
        ws.send(JSON.stringify({ type: 'error', code: 'EORDER', message: `${message.action} is not allowed in ${this.snapshot.state}`, id: message.id }));
      }
    });
    const languages = this.#options.languages ?? LANGUAGES.map((code) => ({ code, name: NATIVE_NAMES[code] }));
    ws.send(JSON.stringify({ type: 'hello', protocol: 'booth-kiosk/1', boothId: this.#options.boothId ?? 'booth-test-1', languages, snapshot: this.snapshot }));
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    this.requests.push(path);
    const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      response.end(body);
    };
    const catalogue = /^\/i18n\/([a-z]{2})\.json$/.exec(path);
    if (catalogue) {
      const code = catalogue[1]!;
      const override = this.#options.catalogues?.[code];
      if (override) return send(200, JSON.stringify(override), CONTENT_TYPES['.json']);
      return this.sendFile(response, I18N_DIR, `${code}.json`, send);
    }
    if (/^\/voice\/[a-z]{2}\/[\w.-]+\.wav$/.test(path)) return send(200, silentWav(), CONTENT_TYPES['.wav']);
    if (path === '/kiosk/v1') return send(426, 'WebSocket endpoint\n');
    return this.sendFile(response, UI_DIR, path === '/' ? 'index.html' : path.slice(1), send);
  }

  private async sendFile(response: ServerResponse, root: string, relative: string, send: (status: number, body: string | Buffer, type?: string) => void): Promise<void> {
    const file = normalize(join(root, relative));
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return send(404, 'not found\n');
    try {
      if (!(await stat(file)).isFile()) return send(404, 'not found\n');
      send(200, await readFile(file), CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
    } catch {
      send(404, 'not found\n');
    }
  }

  /** Sends a message to every connected page. */
  broadcast(message: object): void {
    const text = JSON.stringify(message);
    for (const ws of this.#clients) ws.send(text);
  }

  /** The booth moves to a new snapshot: remembered for hellos, and sent as `state`. */
  setState(snapshot: SessionSnapshot): void {
    this.snapshot = snapshot;
    this.broadcast({ type: 'state', snapshot });
  }

  /** A prompt in the session language, rendered from English as the server would. */
  prompt(key: string, params: Record<string, string | number> = {}, options: { text?: string; audio?: string | null; language?: Language } = {}): void {
    const template = this.#english[key] ?? key;
    const text = options.text ?? template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
    this.broadcast({ type: 'prompt', key, language: options.language ?? this.snapshot.language ?? 'en', params, text, audio: options.audio ?? null });
  }

  preview(frame: { source: 'fingerprint' | 'camera'; mime: 'image/png' | 'image/jpeg'; data: Uint8Array; fingers?: Array<{ position: number; quality: number }> }): void {
    this.broadcast({ type: 'preview', source: frame.source, mime: frame.mime, data: Buffer.from(frame.data).toString('base64'), fingers: frame.fingers ?? [] });
  }

  quality(feedback: QualityFeedback): void {
    this.broadcast({ type: 'quality', ...feedback });
  }

  /** Actions the page sent (all, or one kind), oldest first; `touch` only when asked for. */
  actions(name?: PersonActionName): ReceivedFrame['message'][] {
    return this.received
      .map((frame) => frame.message)
      .filter((message) => message.type === 'action' && (name ? message.action === name : message.action !== 'touch'));
  }

  /** Waits for the `nth` (1-based, counted over the whole run) action of this kind. */
  async waitForAction(name: PersonActionName, nth = 1, limitMs = 5000): Promise<ReceivedFrame['message']> {
    await waitFor(() => this.actions(name).length >= nth, `the page to send action "${name}" (#${nth})`, limitMs);
    return this.actions(name)[nth - 1]!;
  }

  /** Actions the page sent although the snapshot did not allow them (should stay empty). */
  refusedActions(): ReceivedFrame['message'][] {
    return this.#refused;
  }

  async waitForClients(count: number, limitMs = 5000): Promise<void> {
    await waitFor(() => this.#clients.size >= count, `${count} kiosk page(s) to connect`, limitMs);
  }

  /** Cuts every socket without a close handshake, as a crashing daemon would. */
  dropClients(): void {
    for (const ws of this.#clients) ws.terminate();
    this.#clients.clear();
  }

  async close(): Promise<void> {
    this.dropClients();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }
}
