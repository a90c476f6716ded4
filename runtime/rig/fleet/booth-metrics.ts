/**
 * What a simulated fleet booth reports over Sparkplug: the node metrics boothd samples every
 * telemetry period (uptime, event-loop lag, memory, disk, door guard, outbox) and the seven
 * devices of a booth (config/booth.sim.yaml) with the common device metrics plus their class
 * metrics, so NBIRTH/DBIRTH are the size a real booth's are. Between births a period's DATA is
 * one NDATA (what changed of the node) and one DDATA of the environment sensor.
 */
import { DataType } from '../../../protocols/sparkplug/datatypes.ts';
import { EdgeModel } from '../../../protocols/sparkplug/metric-model.ts';
import type { MetricValue } from '../../../protocols/sparkplug/payload.ts';
import { COMMON_DEVICE_METRICS } from '../../telemetry/device-metrics.ts';
import { NODE_METRICS, OUTBOX_METRICS } from '../../telemetry/node-metrics.ts';

type Spec = readonly [name: string, datatype: number, initial: MetricValue | null];

const DEVICES: ReadonlyArray<readonly [id: string, compatible: string, metrics: readonly Spec[]]> = [
  ['door', 'sim,door-lock', [['Door/Locked', DataType.Boolean, false], ['Door/Open', DataType.Boolean, false], ['Door/Forced Count', DataType.UInt32, 0]]],
  ['lights', 'sim,lighting', [['Light/Scene', DataType.String, 'idle'], ['Light/ceiling', DataType.Double, 0.3], ['Light/face', DataType.Double, 0]]],
  [
    'sensors',
    'sim,sensors',
    [
      ['Sensors/Occupied', DataType.Boolean, false],
      ['Sensors/Door Open', DataType.Boolean, false],
      ['Sensors/Exit Button', DataType.Boolean, false],
      ['Sensors/Fire Alarm', DataType.Boolean, false],
      ['Sensors/Tamper', DataType.Boolean, false],
      ['Sensors/UPS On Battery', DataType.Boolean, false],
      ['Sensors/Temperature C', DataType.Double, 22],
      ['Sensors/Humidity %', DataType.Double, 40],
    ],
  ],
  ['scanner', 'sim,fingerprint', [['Capture/Self Test', DataType.Boolean, false]]],
  ['camera', 'sim,camera', [['Capture/Self Test', DataType.Boolean, false]]],
  ['pad', 'sim,signature-pad', []],
  ['passport', 'sim,document-reader', []],
];

export interface TelemetryFacts {
  now: number;
  startedAt: number;
  loopLagP99Ms: number;
  outbox: { depth: number; bytes: number; oldestAt?: number; overdue: number };
  outboxFull: boolean;
}

/** The booth's Sparkplug model and the few simulated values that drift between periods. */
export class BoothMetrics {
  readonly model = new EdgeModel();
  readonly #random: () => number;
  #temperature: number;
  #humidity: number;
  #rss: number;
  #diskFree: number;

  constructor(random: () => number, now: number) {
    this.#random = random;
    this.#temperature = 21 + 3 * random();
    this.#humidity = 35 + 10 * random();
    this.#rss = 75e6 + 10e6 * random();
    this.#diskFree = 50e9 + 20e9 * random();
    for (const [name, datatype, initial] of [...NODE_METRICS, ...OUTBOX_METRICS]) this.model.node.define(name, datatype, initial, now);
    this.model.setNodeMetric('Node/Devices Ready', DEVICES.length, now);
    for (const [id, compatible, specs] of DEVICES) {
      const metrics = this.model.defineDevice(id);
      for (const spec of COMMON_DEVICE_METRICS) metrics.define(spec.name, spec.datatype, spec.initial, now, { writable: spec.writable ?? false });
      for (const [name, datatype, initial] of specs) metrics.define(name, datatype, initial, now);
      metrics.set('Info/Compatible', compatible, now);
      metrics.set('Info/Model', `${compatible.split(',')[1]} twin`, now);
      metrics.set('Info/Serial', `SIM-${id.toUpperCase()}-${Math.floor(random() * 1e6)}`, now);
      metrics.set('Connection/State', 'ready', now);
      metrics.set('Health/OK', true, now);
      this.model.setDeviceOnline(id, true);
    }
  }

  /** One telemetry period's samples: the node metrics and the environment sensor. */
  sample(facts: TelemetryFacts): void {
    const { now, outbox } = facts;
    const node = (name: string, value: MetricValue) => this.model.setNodeMetric(name, value, now);
    this.#rss = Math.max(60e6, this.#rss + (this.#random() - 0.5) * 2e6);
    node('Node/Uptime s', BigInt(Math.floor((now - facts.startedAt) / 1000)));
    node('Node/Event Loop Lag p99 ms', Math.round(facts.loopLagP99Ms * 100) / 100);
    node('Node/RSS bytes', BigInt(Math.round(this.#rss)));
    node('Node/Disk Free bytes', BigInt(Math.round(this.#diskFree - outbox.bytes)));
    node('Outbox/Depth', outbox.depth);
    node('Outbox/Bytes', BigInt(outbox.bytes));
    node('Outbox/Oldest Age s', BigInt(outbox.oldestAt === undefined ? 0 : Math.floor((now - outbox.oldestAt) / 1000)));
    node('Outbox/Overdue', outbox.overdue);
    node('Outbox/Full', facts.outboxFull);
    this.#temperature += (this.#random() - 0.5) * 0.4;
    this.#humidity += (this.#random() - 0.5) * 1.0;
    this.model.setDeviceMetric('sensors', 'Sensors/Temperature C', Math.round(this.#temperature * 10) / 10, now);
    this.model.setDeviceMetric('sensors', 'Sensors/Humidity %', Math.round(this.#humidity * 10) / 10, now);
  }

  /** A person walks in (the door locks) or the session ends (it is released). */
  session(active: boolean, now: number): void {
    this.model.setNodeMetric('Safety/Door Guard', active ? 'locked' : 'released', now);
    this.model.setDeviceMetric('door', 'Door/Locked', active, now);
    this.model.setDeviceMetric('sensors', 'Sensors/Occupied', active, now);
    this.model.setDeviceMetric('lights', 'Light/Scene', active ? 'session' : 'idle', now);
  }
}
