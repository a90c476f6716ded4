/**
 * A raw mqtt.js client for broker tests that need the broker's exact answers: every PUBACK's and
 * SUBACK's reason codes as they came off the wire, every message received, and bounded waits
 * driven by the client's own events (no polling, no sleeps).
 */
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

/** How a connection attempt ended when it did not get a successful CONNACK. */
export interface Refusal {
  /** The socket or TLS error, e.g. code ERR_SSL_TLSV1_ALERT_UNKNOWN_CA. */
  error?: Error & { code?: string | number };
  /** The CONNACK's reason code (MQTT 5) or return code (3.1.1), when one came. */
  connackCode?: number;
  /** The connection closed without any CONNACK. */
  closed: boolean;
}

export class MqttPeer {
  readonly client: MqttClient;
  readonly name: string;
  readonly received: Received[] = [];
  /** The CONNACK said the broker still held a session for this client id. */
  sessionPresent = false;
  readonly #acks: Packet[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(client: MqttClient, name: string) {
    this.client = client;
    this.name = name;
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' || packet.cmd === 'suback') this.#acks.push(packet);
    });
    client.on('message', (topic, payload, packet) => {
      this.received.push({ topic, payload, retain: packet.retain });
      for (const waiter of this.#waiters) waiter();
    });
  }

  /**
   * Connects (no automatic reconnect); rejects with what the broker or TLS said when refused.
   * Listeners are attached before the CONNACK, so a message that follows it at once (a stored
   * session's queue) is never missed.
   */
  static async connect(url: string, name: string, options: IClientOptions, limitMs = 10_000): Promise<MqttPeer> {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: limitMs, clean: true, ...options });
    const peer = new MqttPeer(client, name);
    client.once('connect', (connack) => (peer.sessionPresent = connack.sessionPresent));
    const refusal = await outcome(client, limitMs);
    if (refusal) {
      client.end(true);
      throw new Error(`${name}: connection refused: ${describeRefusal(refusal)}`);
    }
    return peer;
  }

  /** Connects expecting a refusal; fails if the broker accepts. */
  static async refused(url: string, options: IClientOptions, limitMs = 10_000): Promise<Refusal> {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: limitMs, clean: true, ...options });
    const refusal = await outcome(client, limitMs);
    client.end(true);
    if (!refusal) throw new Error('the broker accepted the connection');
    return refusal;
  }

  /**
   * Publishes and returns the PUBACK's reason code (QoS 1): 0 success, 0x10 no subscribers, 0x87
   * not authorized, … ; `undefined` on MQTT 3.1.1, whose PUBACK carries none. QoS 0: undefined.
   */
  async publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 1, retain = false): Promise<number | undefined> {
    const before = this.#acks.length;
    await this.client.publishAsync(topic, payload, { qos, retain }).catch((error: unknown) => {
      // mqtt.js turns a failure reason code into an error; the code is read from the packet below.
      if (typeof (error as { code?: unknown }).code !== 'number') throw error;
    });
    if (qos === 0) return undefined;
    const puback = this.#acks.slice(before).find((packet) => packet.cmd === 'puback');
    if (!puback) throw new Error(`${this.name}: no PUBACK recorded for ${topic}`);
    return (puback as { reasonCode?: number }).reasonCode;
  }

  /** Subscribes (QoS 1) and returns the SUBACK's codes, one per filter, as the broker sent them. */
  async subscribe(filters: string[]): Promise<number[]> {
    const before = this.#acks.length;
    await this.client.subscribeAsync(filters, { qos: 1 }).catch((error: unknown) => {
      if (typeof (error as { code?: unknown }).code !== 'number') throw error;
    });
    const suback = this.#acks.slice(before).find((packet) => packet.cmd === 'suback');
    if (!suback) throw new Error(`${this.name}: no SUBACK recorded for ${filters.join(', ')}`);
    return [...(suback as { granted: number[] }).granted];
  }

  /** Resolves with the first message (already received or to come) matching `predicate`. */
  waitForMessage(predicate: (message: Received) => boolean, what: string, limitMs = 5000): Promise<Received> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.received.find(predicate);
        if (found) finish(() => resolve(found));
      };
      const onClose = (): void => finish(() => reject(new Error(`${this.name}: connection closed while waiting for ${what}`)));
      const timer = setTimeout(() => finish(() => reject(new Error(`${this.name}: timed out after ${limitMs} ms waiting for ${what}`))), limitMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        this.client.off('close', onClose);
        settle();
      };
      this.#waiters.add(check);
      this.client.once('close', onClose);
      check();
    });
  }

  /** Resolves once the connection is closed (by the broker or a takeover), bounded. */
  waitForClose(limitMs = 5000): Promise<void> {
    if (!this.client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('close', onClose);
        reject(new Error(`${this.name}: still connected after ${limitMs} ms`));
      }, limitMs);
      const onClose = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('close', onClose);
    });
  }

  /** Drops the TCP connection without DISCONNECT, as a crashed client would (its Will fires). */
  drop(): void {
    this.client.stream.destroy();
    this.client.end(true);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}

function outcome(client: MqttClient, limitMs: number): Promise<Refusal | undefined> {
  return new Promise((resolve) => {
    let error: Refusal['error'];
    let connackCode: number | undefined;
    const timer = setTimeout(() => finish({ ...(error ? { error } : {}), closed: false, ...(connackCode === undefined ? {} : { connackCode }) }), limitMs + 1000);
    const finish = (result: Refusal | undefined): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      client.off('packetreceive', onPacket);
      resolve(result);
    };
    const onConnect = (): void => finish(undefined);
    const onError = (cause: Error): void => {
      error = cause;
    };
    const onPacket = (packet: Packet): void => {
      if (packet.cmd !== 'connack') return;
      const code = (packet as { reasonCode?: number; returnCode?: number }).reasonCode ?? (packet as { returnCode?: number }).returnCode;
      if (code !== undefined && code !== 0) connackCode = code;
    };
    const onClose = (): void => finish({ ...(error ? { error } : {}), closed: true, ...(connackCode === undefined ? {} : { connackCode }) });
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
    client.on('packetreceive', onPacket);
  });
}

export function describeRefusal(refusal: Refusal): string {
  const parts = [];
  if (refusal.error) parts.push(`${refusal.error.code ?? ''} ${refusal.error.message}`.trim());
  if (refusal.connackCode !== undefined) parts.push(`CONNACK code ${refusal.connackCode}`);
  parts.push(refusal.closed ? 'closed' : 'no close within the limit');
  return parts.join('; ');
}
