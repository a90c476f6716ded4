/**
 * A raw MQTT subscriber that records everything under `spBv1.0/#` and decodes Sparkplug
 * payloads with the independent wire reader (not the project's encoder), so conformance tests
 * check what is really on the wire.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { readSparkplugWire, type WireMetric, type WirePayload } from './sparkplug-wire-reader.ts';

export interface Observed {
  index: number;
  topic: string;
  /** NBIRTH, DDATA, … or STATE. */
  type: string;
  device?: string;
  qos: number;
  retain: boolean;
  payload?: WirePayload;
  /** Why the payload could not be decoded (garbage a test published on purpose, or a bug). */
  decodeError?: string;
  raw: Buffer;
}

export class SparkplugObserver {
  readonly messages: Observed[] = [];
  readonly #client: MqttClient;
  readonly #waiters = new Set<() => void>();

  private constructor(client: MqttClient) {
    this.#client = client;
    client.on('message', (topic, raw, packet) => {
      const [, second, type, , device] = topic.split('/');
      const isState = second === 'STATE';
      let payload: WirePayload | undefined;
      let decodeError: string | undefined;
      try {
        if (!isState) payload = readSparkplugWire(raw);
      } catch (error) {
        decodeError = (error as Error).message;
      }
      this.messages.push({
        index: this.messages.length,
        topic,
        type: isState ? 'STATE' : (type ?? '?'),
        ...(device && !isState ? { device } : {}),
        qos: packet.qos,
        retain: packet.retain,
        ...(payload ? { payload } : {}),
        ...(decodeError ? { decodeError } : {}),
        raw,
      });
      for (const waiter of this.#waiters) waiter();
    });
  }

  static async connect(url: string, filter = 'spBv1.0/#'): Promise<SparkplugObserver> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 200, clientId: `observer-${process.pid}-${Math.random().toString(16).slice(2)}` });
    const observer = new SparkplugObserver(client);
    await client.subscribeAsync(filter, { qos: 1 });
    return observer;
  }

  /** Where "from now on" starts, for `waitFor(…, from)`. */
  mark(): number {
    return this.messages.length;
  }

  waitFor(predicate: (message: Observed) => boolean, what: string, limitMs = 10_000, from = 0): Promise<Observed> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find(predicate);
        if (!found) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${limitMs} ms waiting for ${what}; saw: ${this.messages.slice(from).map((m) => m.type + (m.device ? `/${m.device}` : '')).join(', ')}`));
      }, limitMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Publishes raw bytes (commands, STATE, garbage) with this observer's connection. */
  async publish(topic: string, payload: Uint8Array | string, options: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    await this.#client.publishAsync(topic, Buffer.from(payload), { qos: options.qos ?? 1, retain: options.retain ?? false });
  }

  async close(): Promise<void> {
    await this.#client.endAsync(true);
  }
}

export function metricNamed(payload: WirePayload | undefined, name: string): WireMetric | undefined {
  return payload?.metrics.find((metric) => metric.name === name);
}

/** The BIRTH's name → alias table. */
export function aliasTable(birth: WirePayload | undefined): Map<string, bigint> {
  return new Map((birth?.metrics ?? []).filter((m) => m.name !== undefined && m.alias !== undefined).map((m) => [m.name!, m.alias!]));
}
