/**
 * The rig's view of its booth's Sparkplug messages: every BIRTH, DATA and DEATH of its node
 * decoded into named metric values (aliases resolved from the births), for `expect: sparkplug`
 * and for the births and deaths the timeline tells. It reads what the rig's primary host
 * receives rather than keeping a subscription of its own: the host subscribes before it
 * announces itself online, and boothd births only once the host is online, so after a broker
 * outage the host cannot miss the new NBIRTH — a second client reconnecting on its own could
 * (it did, in CI: the booth re-born before that client had subscribed again).
 */
import type { MetricValue, SparkplugPayload } from '../../protocols/sparkplug/payload.ts';
import type { EdgeTopic, MessageType } from '../../protocols/sparkplug/topics.ts';

/** Where the messages come from: the rig's PrimaryHost ('edge' events, decoded there). */
type EdgeListener = (topic: EdgeTopic, payload: SparkplugPayload | undefined) => void;
export interface EdgeMessageSource {
  on(event: 'edge', listener: EdgeListener): unknown;
  off(event: 'edge', listener: EdgeListener): unknown;
}

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
  readonly #group: string;
  readonly #node: string;
  readonly #onMessage: (message: SparkplugMessage) => void;
  /** Alias → name, per device ('' for the node), reset at each NBIRTH. */
  #aliases = new Map<string, Map<bigint, string>>();
  readonly #listener: EdgeListener = (topic, payload) => this.onMessage(topic, payload);
  #source: EdgeMessageSource | undefined;

  constructor(options: { group: string; node: string; onMessage(message: SparkplugMessage): void }) {
    this.#group = options.group;
    this.#node = options.node;
    this.#onMessage = options.onMessage;
  }

  /** Starts reading the messages `source` receives (call before the booth can birth). */
  watch(source: EdgeMessageSource): void {
    this.stop();
    this.#source = source;
    source.on('edge', this.#listener);
  }

  stop(): void {
    this.#source?.off('edge', this.#listener);
    this.#source = undefined;
  }

  private onMessage(parsed: EdgeTopic, decoded: SparkplugPayload | undefined): void {
    if (parsed.group !== this.#group || parsed.node !== this.#node) return; // another node on the same broker
    if (!decoded) {
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
