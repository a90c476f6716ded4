/**
 * The rig's own Sparkplug subscription to its booth: every BIRTH and DATA decoded into named
 * metric values (aliases resolved from the births), for `expect: sparkplug` and for the births
 * and deaths the timeline tells. Separate from the primary host on purpose: the host plays the
 * central server, this is the rig looking over its shoulder.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { decodePayload, type MetricValue } from '../../protocols/sparkplug/payload.ts';
import { parseTopic, type MessageType } from '../../protocols/sparkplug/topics.ts';

export interface MetricSample {
  type: MessageType;
  /** Undefined for node metrics. */
  device?: string;
  name: string;
  /** JSON-comparable: int64 as number when it fits, bytes as null. */
  value: string | number | boolean | null;
}

export interface SparkplugMessage {
  type: MessageType;
  device?: string;
  samples: MetricSample[];
  /** For births and deaths: a short description for the timeline. */
  summary: string;
}

export class SparkplugWatch {
  readonly #brokerUrl: string;
  readonly #group: string;
  readonly #node: string;
  readonly #onMessage: (message: SparkplugMessage) => void;
  /** Alias → name, per device ('' for the node), reset at each NBIRTH. */
  #aliases = new Map<string, Map<bigint, string>>();
  #client: MqttClient | undefined;

  constructor(options: { brokerUrl: string; group: string; node: string; onMessage(message: SparkplugMessage): void }) {
    this.#brokerUrl = options.brokerUrl;
    this.#group = options.group;
    this.#node = options.node;
    this.#onMessage = options.onMessage;
  }

  async start(limitMs: number): Promise<void> {
    // `…/<node>/#` matches the node's own topics too (a `#` also matches its parent level).
    const filter = `spBv1.0/${this.#group}/+/${this.#node}/#`;
    const client = mqtt.connect(this.#brokerUrl, { protocolVersion: 5, clean: true, reconnectPeriod: 500, clientId: `booth-rig-watch-${randomUUID()}` });
    this.#client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('connect', () => void client.subscribeAsync(filter, { qos: 1 }).catch(() => undefined));
    client.on('error', () => undefined); // reconnects on its own; a broker outage is part of the scenario
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the rig's Sparkplug watch did not connect to ${this.#brokerUrl} within ${limitMs} ms`)), limitMs);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.subscribeAsync(filter, { qos: 1 });
  }

  async stop(): Promise<void> {
    this.#client?.end(true);
    this.#client = undefined;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'edge' || parsed.type === 'NCMD' || parsed.type === 'DCMD') return;
    let decoded;
    try {
      decoded = decodePayload(payload);
    } catch {
      this.#onMessage({ type: parsed.type, ...(parsed.device ? { device: parsed.device } : {}), samples: [], summary: `undecodable ${parsed.type}` });
      return;
    }
    const scope = parsed.device ?? '';
    if (parsed.type === 'NBIRTH') this.#aliases = new Map();
    if (parsed.type === 'NBIRTH' || parsed.type === 'DBIRTH') this.#aliases.set(scope, new Map());
    const aliases = this.#aliases.get(scope) ?? new Map<bigint, string>();
    const samples: MetricSample[] = [];
    for (const metric of decoded.metrics) {
      if (metric.name !== undefined && metric.alias !== undefined) aliases.set(metric.alias, metric.name);
      const name = metric.name ?? (metric.alias === undefined ? undefined : aliases.get(metric.alias));
      if (name === undefined) continue;
      samples.push({ type: parsed.type, ...(parsed.device ? { device: parsed.device } : {}), name, value: metric.isNull ? null : comparable(metric.value) });
    }
    const what = parsed.device ? `${this.#node}/${parsed.device}` : this.#node;
    const bdSeq = samples.find((sample) => sample.name === 'bdSeq')?.value;
    const summary =
      parsed.type === 'NBIRTH'
        ? `Sparkplug NBIRTH ${what} (bdSeq ${bdSeq}, ${samples.length} metrics)`
        : parsed.type === 'NDEATH'
          ? `Sparkplug NDEATH ${what} (bdSeq ${bdSeq})`
          : `Sparkplug ${parsed.type} ${what}`;
    this.#onMessage({ type: parsed.type, ...(parsed.device ? { device: parsed.device } : {}), samples, summary });
  }
}

function comparable(value: MetricValue | undefined): string | number | boolean | null {
  if (value === undefined || value instanceof Uint8Array) return null;
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  return value;
}
