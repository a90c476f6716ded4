/**
 * The zero-setup MQTT broker boothd starts when the manifest names none (DESIGN.md, MQTT row):
 * aedes 1.x over a plain `node:net` server, bound to loopback by default so a booth without a
 * configured broker never exposes an unauthenticated broker on the network.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type Client } from 'aedes';

/** The subset of a pino logger the broker uses (a `BoothLogger` fits). */
export interface BrokerLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  debug(object: object, message?: string): void;
}

export interface EmbeddedBrokerOptions {
  /** Interface to bind; default `127.0.0.1` (loopback only). */
  host?: string;
  /** TCP port; `0` picks a free ephemeral port (read it from `start()`'s result). */
  port: number;
  logger: BrokerLogger;
}

/** How long `stop()` lets aedes close its clients politely before cutting the sockets. */
const CLOSE_GRACE_MS = 1000;

/**
 * An in-process MQTT broker for a booth with no broker in its manifest.
 *
 * **MQTT 3.1.1 (and 3.1) only**: aedes does not implement MQTT 5, so clients must connect with
 * `protocolVersion: 4`; an MQTT 5 CONNECT is refused. Sparkplug B works over 3.1.1; features
 * that need MQTT 5 (user properties, message expiry, ...) must degrade when this broker is used.
 *
 * No persistence (in-memory): retained messages, sessions and wills are lost on `stop()`.
 * No authentication: it listens on loopback unless `host` says otherwise.
 */
export class EmbeddedBroker {
  readonly #host: string;
  readonly #port: number;
  readonly #logger: BrokerLogger;
  #aedes: Aedes | undefined;
  #server: Server | undefined;
  /** Every accepted socket, also those that never sent CONNECT (aedes does not know them). */
  readonly #sockets = new Set<Socket>();

  constructor(options: EmbeddedBrokerOptions) {
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port;
    this.#logger = options.logger;
  }

  /** Starts listening; rejects (nothing left open) if the port cannot be bound. */
  async start(): Promise<{ url: string; port: number }> {
    if (this.#server) throw new Error('embedded broker already started');
    const aedes = await Aedes.createBroker();
    this.#watch(aedes);
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      aedes.handle(socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: this.#host, port: this.#port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw error;
    }
    server.on('error', (error) => this.#logger.warn({ component: 'broker', err: error }, 'embedded broker server error'));
    this.#aedes = aedes;
    this.#server = server;
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.#port;
    // An IPv6 literal needs brackets in a URL.
    const host = this.#host.includes(':') ? `[${this.#host}]` : this.#host;
    const url = `mqtt://${host}:${port}`;
    this.#logger.info({ component: 'broker', event: 'broker.started', url }, `embedded MQTT 3.1.1 broker listening on ${url}`);
    return { url, port };
  }

  /**
   * Stops accepting, closes every client connection and the server. Resolves even when
   * clients are connected (they are disconnected) and when the broker was never started.
   */
  async stop(): Promise<void> {
    const aedes = this.#aedes;
    const server = this.#server;
    this.#aedes = undefined;
    this.#server = undefined;
    if (!aedes || !server) return;
    // server.close() only resolves once every connection is gone, so start it first (no new
    // connections), then let aedes close its clients, then cut whatever is left.
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => aedes.close(() => resolve())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS))),
    ]);
    clearTimeout(timer);
    for (const socket of this.#sockets) socket.destroy();
    await serverClosed;
    this.#logger.info({ component: 'broker', event: 'broker.stopped' }, 'embedded MQTT broker stopped');
  }

  #watch(aedes: Aedes): void {
    const log = this.#logger;
    aedes.on('clientReady', (client: Client) =>
      log.debug({ component: 'broker', event: 'broker.client.connected', clientId: client.id }, 'MQTT client connected'),
    );
    aedes.on('clientDisconnect', (client: Client) =>
      log.debug({ component: 'broker', event: 'broker.client.disconnected', clientId: client.id }, 'MQTT client disconnected'),
    );
    // A client dropping its socket is routine (that is what wills are for): debug, not warn.
    aedes.on('clientError', (client: Client, error: Error) =>
      log.debug({ component: 'broker', event: 'broker.client.error', clientId: client.id, err: error.message }, 'MQTT client error'),
    );
    // Garbage before/at CONNECT (not MQTT, bad protocol level, e.g. an MQTT 5 client).
    aedes.on('connectionError', (client: Client, error: Error) =>
      log.warn({ component: 'broker', event: 'broker.connection.error', clientId: client.id, err: error.message }, 'MQTT connection refused'),
    );
  }
}
