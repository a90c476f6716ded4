/**
 * What the central side knows of one edge node from its Sparkplug messages: births, aliases,
 * current metric values, online state and sequence continuity. Turns each message into a line
 * a person can read.
 */
import type { MetricValue, SparkplugMetric, SparkplugPayload } from '../../protocols/sparkplug/payload.ts';

export interface DeviceView {
  online: boolean;
  metrics: Map<string, MetricValue | null>;
}

export interface Rendered {
  text: string;
  /** Births, deaths and device data matter to a person watching; node data is routine. */
  important: boolean;
  /** The seq did not follow the previous message: the host should ask for a rebirth. */
  seqGap: boolean;
}

export class NodeView {
  online = false;
  bdSeq: bigint | undefined;
  readonly metrics = new Map<string, MetricValue | null>();
  readonly devices = new Map<string, DeviceView>();
  #aliases = new Map<bigint, string>();
  #lastSeq: number | undefined;

  readonly id: string;

  constructor(id: string) {
    this.id = id;
  }

  apply(type: string, device: string | undefined, payload: SparkplugPayload): Rendered {
    const seqGap = this.checkSeq(type, payload.seq);
    switch (type) {
      case 'NBIRTH': {
        this.online = true;
        this.#aliases = new Map();
        this.metrics.clear();
        this.devices.clear();
        this.record(this.metrics, payload.metrics);
        this.bdSeq = asBigInt(this.metrics.get('bdSeq'));
        return { text: `${this.id} born (bdSeq ${this.bdSeq}), ${payload.metrics.length} node metrics`, important: true, seqGap };
      }
      case 'NDEATH': {
        const bdSeq = asBigInt(payload.metrics.find((m) => m.name === 'bdSeq')?.value);
        // Sparkplug B 3.0: an NDEATH ends the session whose NBIRTH carried the same bdSeq. Any
        // other is stale — typically the Will of an older connection that the broker delivers
        // after the node has already been born again on a new one — and changes nothing.
        if (this.bdSeq !== undefined && bdSeq !== this.bdSeq) {
          return { text: `${this.id}: stale NDEATH (bdSeq ${bdSeq ?? 'missing'}) ignored; the current session is bdSeq ${this.bdSeq}`, important: true, seqGap };
        }
        this.online = false;
        for (const view of this.devices.values()) view.online = false;
        return { text: `${this.id} DEAD (bdSeq ${bdSeq})`, important: true, seqGap };
      }
      case 'DBIRTH': {
        const view: DeviceView = { online: true, metrics: new Map() };
        this.devices.set(device!, view);
        this.record(view.metrics, payload.metrics);
        const model = view.metrics.get('Info/Model');
        return { text: `${this.id}/${device} born${model ? ` (${String(model)})` : ''}, ${payload.metrics.length} metrics`, important: true, seqGap };
      }
      case 'DDEATH': {
        const view = this.devices.get(device!);
        if (view) view.online = false;
        return { text: `${this.id}/${device} DEAD`, important: true, seqGap };
      }
      case 'NDATA':
        return { text: `${this.id}: ${this.describe(this.metrics, payload.metrics)}`, important: false, seqGap };
      case 'DDATA': {
        const view = this.devices.get(device!) ?? { online: true, metrics: new Map() };
        this.devices.set(device!, view);
        return { text: `${this.id}/${device}: ${this.describe(view.metrics, payload.metrics)}`, important: true, seqGap };
      }
      default:
        return { text: `${this.id}: ${type}`, important: false, seqGap };
    }
  }

  private checkSeq(type: string, seq: number | undefined): boolean {
    if (type === 'NDEATH' || type === 'NCMD' || type === 'DCMD') return false;
    if (type === 'NBIRTH') {
      this.#lastSeq = seq;
      return seq !== 0;
    }
    const expected = this.#lastSeq === undefined ? undefined : (this.#lastSeq + 1) % 256;
    this.#lastSeq = seq;
    return expected === undefined || seq !== expected;
  }

  private record(target: Map<string, MetricValue | null>, metrics: readonly SparkplugMetric[]): void {
    for (const metric of metrics) {
      if (metric.name === undefined) continue;
      if (metric.alias !== undefined) this.#aliases.set(metric.alias, metric.name);
      target.set(metric.name, metric.isNull ? null : (metric.value ?? null));
    }
  }

  private describe(target: Map<string, MetricValue | null>, metrics: readonly SparkplugMetric[]): string {
    return metrics
      .map((metric) => {
        const name = metric.name ?? (metric.alias === undefined ? undefined : this.#aliases.get(metric.alias)) ?? `alias ${metric.alias}`;
        const value = metric.isNull ? null : (metric.value ?? null);
        target.set(name, value);
        return `${name}=${show(value)}${metric.isHistorical ? ' (historical)' : ''}`;
      })
      .join(', ');
  }
}

function show(value: MetricValue | null): string {
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function asBigInt(value: MetricValue | null | undefined): bigint | undefined {
  return typeof value === 'bigint' ? value : typeof value === 'number' ? BigInt(value) : undefined;
}
