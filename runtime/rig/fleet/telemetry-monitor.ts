/**
 * Watches the fleet's Sparkplug DATA on a connection of its own (the primary host renders every
 * message for people; this only counts): per node, when each periodic NDATA arrived — the ones
 * carrying `Node/Uptime s`, whose alias the node's NBIRTH gives; a door change in between is
 * an NDATA too, and must not hide a missing sample — and for every DATA how long it took from
 * the payload's timestamp (set by the booth when it sent) to arrival. Booths and monitor share
 * the machine's clock, so the difference is the delivery lag.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { decodePayload } from '../../../protocols/sparkplug/payload.ts';

interface Arrival {
  at: number;
  lagMs: number;
  bytes: number;
  node: string;
  kind: 'sample' | 'NDATA' | 'DDATA';
}

const SAMPLE_METRIC = 'Node/Uptime s';

export interface WindowFigures {
  /** Periodic NDATA samples that arrived in the window, in total and per node. */
  samples: number;
  /** DDATA and NDATA sent on a change between samples (a door, the sensors). */
  otherData: number;
  /** Bytes of topic + payload of the DATA messages in the window. */
  dataBytes: number;
  perNode: Record<string, number>;
  /** Largest gap between two NDATA of one node in the window (ms). */
  maxGapMs: number;
  /** Arrival − payload timestamp of every DATA in the window (ms). */
  lagMs: number[];
}

export class TelemetryMonitor {
  readonly #arrivals: Arrival[] = [];
  /** Per node, the alias of the metric every periodic sample carries. */
  readonly #sampleAlias = new Map<string, bigint>();
  readonly #now: () => number;
  #client: MqttClient | undefined;

  constructor(now: () => number) {
    this.#now = now;
  }

  async start(brokerUrl: string, group: string, mqttVersion: 4 | 5): Promise<void> {
    const client = await mqtt.connectAsync(brokerUrl, { protocolVersion: mqttVersion, clean: true, reconnectPeriod: 1000 });
    this.#client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    await client.subscribeAsync([`spBv1.0/${group}/NBIRTH/+`, `spBv1.0/${group}/NDATA/+`, `spBv1.0/${group}/DDATA/+/+`], { qos: 0 });
  }

  async stop(): Promise<void> {
    await this.#client?.endAsync(true);
    this.#client = undefined;
  }

  /** What arrived in [from, to). */
  window(from: number, to: number): WindowFigures {
    const figures: WindowFigures = { samples: 0, otherData: 0, dataBytes: 0, perNode: {}, maxGapMs: 0, lagMs: [] };
    const lastAt = new Map<string, number>();
    for (const arrival of this.#arrivals) {
      if (arrival.at < from || arrival.at >= to) continue;
      figures.dataBytes += arrival.bytes;
      figures.lagMs.push(arrival.lagMs);
      if (arrival.kind !== 'sample') {
        figures.otherData += 1; // event NDATA counts with the device DATA
        continue;
      }
      figures.samples += 1;
      figures.perNode[arrival.node] = (figures.perNode[arrival.node] ?? 0) + 1;
      const previous = lastAt.get(arrival.node);
      if (previous !== undefined) figures.maxGapMs = Math.max(figures.maxGapMs, arrival.at - previous);
      lastAt.set(arrival.node, arrival.at);
    }
    return figures;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const at = this.#now();
    const [, , type, node = '?'] = topic.split('/');
    if (type === 'NBIRTH') {
      const alias = decodeQuietly(payload)?.metrics.find((metric) => metric.name === SAMPLE_METRIC)?.alias;
      if (alias !== undefined) this.#sampleAlias.set(node, alias);
      return;
    }
    let kind: Arrival['kind'] = 'DDATA';
    let timestamp: number | undefined;
    if (type === 'NDATA') {
      const decoded = decodeQuietly(payload);
      const alias = this.#sampleAlias.get(node);
      kind = decoded?.metrics.some((metric) => metric.alias === alias) ? 'sample' : 'NDATA';
      timestamp = decoded?.timestamp;
    } else timestamp = payloadTimestamp(payload);
    if (timestamp === undefined) return;
    this.#arrivals.push({ at, lagMs: at - timestamp, bytes: topic.length + payload.length, node, kind });
    if (process.env.FLEET_DEBUG && at - timestamp > 300) process.stderr.write(`LAG ${at - timestamp} ${topic} ${kind} at ${new Date(at).toISOString()} len ${payload.length}\n`);
  }
}

function decodeQuietly(payload: Uint8Array): ReturnType<typeof decodePayload> | undefined {
  try {
    return decodePayload(payload);
  } catch {
    return undefined;
  }
}

/**
 * The payload's timestamp (field 1): the edge node writes it first, so it is read straight from
 * the bytes; any other layout goes through the full decoder.
 */
export function payloadTimestamp(payload: Uint8Array): number | undefined {
  if (payload[0] === 0x08) {
    let value = 0;
    let scale = 1;
    for (let index = 1; index < Math.min(payload.length, 11); index += 1) {
      const byte = payload[index]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return undefined;
  }
  try {
    const decoded = decodePayload(payload);
    return decoded.timestamp === undefined ? undefined : Number(decoded.timestamp);
  } catch {
    return undefined;
  }
}
