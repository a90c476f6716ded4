// The booth-kiosk/1 WebSocket: connects, reconnects with backoff and jitter, notices a dead
// link (no message for a while although we ping), and numbers outgoing actions.

export const PROTOCOL = 'booth-kiosk/1';

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];
const PING_EVERY_MS = 10_000;
const DEAD_AFTER_MS = 35_000;

/** The kiosk socket URL on the page's own host: ws://<host>/kiosk/v1. */
export function kioskUrl(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/kiosk/v1`;
}

/** Unique ids for actions and pings (crypto.randomUUID needs a secure context; this does not). */
export function makeIdSource() {
  const prefix = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
  let counter = 0;
  return () => `${prefix}-${Date.now().toString(36)}-${(++counter).toString(36)}`;
}

export class KioskConnection {
  /**
   * @param {{ url: string, onMessage: (msg: any) => void, onStatus: (status: 'connecting' | 'open') => void,
   *   log?: (line: string) => void }} options
   */
  constructor(options) {
    this.url = options.url;
    this.onMessage = options.onMessage;
    this.onStatus = options.onStatus;
    this.log = options.log ?? (() => {});
    this.nextId = makeIdSource();
    this.ws = null;
    this.failures = 0;
    this.ready = false;
    this.lastHeard = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.drop();
  }

  /** Sends a person action; returns its id, or undefined when the socket is not ready. */
  sendAction(action, extra = {}) {
    const id = this.nextId();
    return this.send({ type: 'action', id, action, ...extra }) ? id : undefined;
  }

  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  connect() {
    if (this.stopped) return;
    this.setReady(false);
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (error) {
      this.log(`cannot open ${this.url}: ${error}`);
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      // Says which protocol this page speaks: a mismatched update fails loudly (EPROTO, 4001).
      this.send({ type: 'hello', protocol: PROTOCOL });
      this.startPings();
    });
    ws.addEventListener('message', (event) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      let message;
      try {
        message = JSON.parse(typeof event.data === 'string' ? event.data : '');
      } catch {
        this.log('ignored a frame that is not JSON');
        return;
      }
      if (!message || typeof message !== 'object' || typeof message.type !== 'string') return;
      if (message.type === 'hello') {
        if (message.protocol !== PROTOCOL) this.log(`server speaks ${message.protocol}, expected ${PROTOCOL}`);
        this.failures = 0;
        this.setReady(true);
      }
      this.onMessage(message);
    });
    ws.addEventListener('close', () => {
      if (this.ws !== ws) return;
      this.drop();
      this.scheduleReconnect();
    });
    // An error is always followed by close; nothing to do here.
    ws.addEventListener('error', () => {});
  }

  /** Forgets the current socket (closing it) and shows "connecting". */
  drop() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) {
      try {
        ws.close();
      } catch {
        // already closing
      }
    }
    this.setReady(false);
  }

  scheduleReconnect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const base = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)];
    this.failures += 1;
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  startPings() {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > DEAD_AFTER_MS) {
        this.log('no word from the booth: reconnecting');
        this.drop();
        this.scheduleReconnect();
        return;
      }
      this.send({ type: 'ping', id: this.nextId() });
    }, PING_EVERY_MS);
  }

  setReady(ready) {
    if (this.ready === ready && ready) return;
    this.ready = ready;
    this.onStatus(ready ? 'open' : 'connecting');
  }
}
