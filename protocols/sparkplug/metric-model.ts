/**
 * What the edge node reports: node metrics and, per device, its metrics and whether it is
 * online. Every metric gets an alias unique across the whole edge node (node and devices), so
 * BIRTH messages carry name + alias + datatype and DATA messages only alias + value. Values set
 * between two flushes are coalesced: DATA carries only what changed, once, with the time of
 * its last change.
 */
import { EventEmitter } from 'node:events';
import { DataType, type ValueField } from './datatypes.ts';
import { metricValueToWire, type MetricValue, type SparkplugMetric, type WireValue } from './payload.ts';
import { writeDataPayload } from './payload-writer.ts';

export interface MetricState {
  name: string;
  alias: bigint;
  datatype: number;
  value: MetricValue | null;
  timestamp: number;
  /** A host may write it with NCMD/DCMD (the command executor decides what that does). */
  writable: boolean;
  /** The value as it goes on the wire, checked against the datatype when set. */
  field: ValueField | undefined;
  wire: WireValue | undefined;
  /** Computed once: the alias as the writer takes it, and the label of error messages. */
  aliasWire: number;
  label: string;
}

export class MetricSet {
  readonly #byName = new Map<string, MetricState>();
  readonly #byAlias = new Map<bigint, MetricState>();
  readonly #changed = new Set<MetricState>();
  readonly #nextAlias: () => bigint;

  constructor(nextAlias: () => bigint) {
    this.#nextAlias = nextAlias;
  }

  define(name: string, datatype: number, value: MetricValue | null, timestamp: number, options: { writable?: boolean } = {}): void {
    if (this.#byName.has(name)) throw new Error(`metric "${name}" defined twice`);
    const alias = this.#nextAlias();
    const state: MetricState = {
      name,
      alias,
      datatype,
      value: null,
      timestamp,
      writable: options.writable ?? false,
      field: undefined,
      wire: undefined,
      aliasWire: Number(alias), // aliases count up from 1: far below 2^53
      label: `metric "${name}"`,
    };
    setValue(state, value);
    this.#byName.set(name, state);
    this.#byAlias.set(state.alias, state);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  get(name: string): MetricState | undefined {
    return this.#byName.get(name);
  }

  byAlias(alias: bigint): MetricState | undefined {
    return this.#byAlias.get(alias);
  }

  /**
   * Returns true when the value changed (and will go out in the next DATA). Throws a
   * PayloadError, changing nothing, when the value does not fit the metric's datatype.
   */
  set(name: string, value: MetricValue | null, timestamp: number): boolean {
    const state = this.#byName.get(name);
    if (!state) throw new Error(`metric "${name}" is not defined`);
    if (sameValue(state.value, value)) return false;
    setValue(state, value);
    state.timestamp = timestamp;
    this.#changed.add(state);
    return true;
  }

  /** Every metric with name, alias, datatype and current value, for a BIRTH. Clears pending changes. */
  birth(): SparkplugMetric[] {
    this.#changed.clear();
    return [...this.#byName.values()].map((state) => ({ name: state.name, ...valueFields(state, false) }));
  }

  /** The metrics changed since the last birth or flush, by alias only. */
  takeChanges(): SparkplugMetric[] {
    const changes = [...this.#changed].map((state) => valueFields(state, true));
    this.#changed.clear();
    return changes;
  }

  /**
   * The changes since the last birth or flush as a DATA payload's bytes, straight from the
   * metric states (the edge node's hot path); undefined when nothing changed. `seq` undefined
   * and `withDatatype` true give the form kept by store-and-forward.
   */
  takeChangesEncoded(timestamp: number, seq: number | undefined, withDatatype: boolean): Buffer | undefined {
    if (this.#changed.size === 0) return undefined;
    const bytes = writeDataPayload(timestamp, seq, this.#changed, withDatatype);
    this.#changed.clear();
    return bytes;
  }

  get pendingChanges(): number {
    return this.#changed.size;
  }
}

/** DATA leaves the datatype off the wire (the receiver knows it by alias); BIRTH carries it. */
function valueFields(state: MetricState, omitDatatype: boolean): SparkplugMetric {
  const metric: SparkplugMetric = { alias: state.alias, datatype: state.datatype, timestamp: state.timestamp };
  if (state.value === null) metric.isNull = true;
  else metric.value = state.value;
  if (omitDatatype) metric.omitDatatype = true;
  return metric;
}

function setValue(state: MetricState, value: MetricValue | null): void {
  if (value === null) {
    state.field = undefined;
    state.wire = undefined;
  } else if (state.datatype === DataType.Double && typeof value === 'number') {
    // The common telemetry types need no range check: straight to their field (a hot path).
    state.field = 'double_value';
    state.wire = value;
  } else if (state.datatype === DataType.Boolean && typeof value === 'boolean') {
    state.field = 'boolean_value';
    state.wire = value;
  } else {
    const converted = metricValueToWire(state.datatype, value, state.label);
    state.field = converted.field;
    state.wire = converted.value;
  }
  state.value = value;
}

function sameValue(a: MetricValue | null, b: MetricValue | null): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

export interface EdgeModelEvents {
  /** Some metric changed; the edge node schedules a DATA flush. */
  changed: [];
  /** A device came (back) online: DBIRTH. */
  'device-online': [device: string];
  /** A device went away: DDEATH. */
  'device-offline': [device: string];
}

interface DeviceEntry {
  online: boolean;
  metrics: MetricSet;
}

export class EdgeModel extends EventEmitter<EdgeModelEvents> {
  readonly node: MetricSet;
  readonly #devices = new Map<string, DeviceEntry>();
  #alias = 0n;

  constructor() {
    super();
    this.node = new MetricSet(() => this.allocateAlias());
  }

  defineDevice(device: string): MetricSet {
    if (this.#devices.has(device)) throw new Error(`device "${device}" defined twice`);
    const metrics = new MetricSet(() => this.allocateAlias());
    this.#devices.set(device, { online: false, metrics });
    return metrics;
  }

  device(device: string): MetricSet | undefined {
    return this.#devices.get(device)?.metrics;
  }

  get deviceIds(): string[] {
    return [...this.#devices.keys()];
  }

  isOnline(device: string): boolean {
    return this.#devices.get(device)?.online ?? false;
  }

  setNodeMetric(name: string, value: MetricValue | null, timestamp: number): void {
    if (this.node.set(name, value, timestamp)) this.emit('changed');
  }

  setDeviceMetric(device: string, name: string, value: MetricValue | null, timestamp: number): void {
    const entry = this.#devices.get(device);
    if (!entry) throw new Error(`device "${device}" is not defined`);
    if (entry.metrics.set(name, value, timestamp) && entry.online) this.emit('changed');
  }

  setDeviceOnline(device: string, online: boolean): void {
    const entry = this.#devices.get(device);
    if (!entry) throw new Error(`device "${device}" is not defined`);
    if (entry.online === online) return;
    entry.online = online;
    this.emit(online ? 'device-online' : 'device-offline', device);
  }

  private allocateAlias(): bigint {
    this.#alias += 1n;
    return this.#alias;
  }
}
