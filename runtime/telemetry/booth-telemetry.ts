/**
 * Feeds the Sparkplug model from the booth: one Sparkplug device per HAL device (online while
 * the device is ready, so a lost device gets DDEATH and a returning one DBIRTH), its class
 * metrics from its events, and node metrics sampled periodically (uptime, event-loop lag,
 * memory, disk free, door guard, command and store counters).
 */
import type { EventEmitter } from 'node:events';
import { statfsSync } from 'node:fs';
import type { AnyDevice, Clock, DeviceError, TimerHandle } from '../../hal/index.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import type { EdgeModel } from '../../protocols/sparkplug/metric-model.ts';
import type { MetricValue } from '../../protocols/sparkplug/payload.ts';
import type { AuditSummary } from '../audit/audit-log.ts';
import type { DeviceManager } from '../devices/device-manager.ts';
import type { DoorGuard } from '../safety/door-guard.ts';
import { classMetrics, COMMON_DEVICE_METRICS, SENSOR_METRIC } from './device-metrics.ts';
import { EventLoopLag } from './event-loop-lag.ts';
import { NODE_METRICS, OUTBOX_METRICS } from './node-metrics.ts';

export interface NodeCounters {
  commandsExecuted(): number;
  commandsRejected(): number;
  badMessages(): number;
  storePending(): number;
  storeDropped(): number;
}

export interface BoothTelemetryOptions {
  model: EdgeModel;
  devices: DeviceManager;
  door: DoorGuard;
  clock: Clock;
  stateDir: string;
  sampleMs: number;
  counters: NodeCounters;
  logger: { warn(object: object, message?: string): void };
  /** Outbox figures, when the booth has a capture path. */
  outbox?: () => { depth: number; bytes: number; oldestAt?: number; overdue: number; full: boolean };
  /** The audit log's summary: counts, the last event's name and the chain head, no field values. */
  audit?: () => AuditSummary;
}

/**
 * The audit chain as central sees it. `Audit/Seq` and `Audit/Head Hash` are the chain's head:
 * kept centrally, they let `boothctl audit verify --expect SEQ:HASH` prove the booth's chain was
 * not rolled back or rewritten since. `Audit/Chain OK` stays null until the start-up self-check ends.
 */
const AUDIT_METRICS: ReadonlyArray<[string, number, MetricValue | null]> = [
  ['Audit/Records', DataType.UInt64, 0n],
  ['Audit/Last Event', DataType.String, ''],
  ['Audit/Chain OK', DataType.Boolean, null],
  ['Audit/Seq', DataType.UInt64, 0n],
  ['Audit/Head Hash', DataType.String, ''],
];

export class BoothTelemetry {
  readonly #options: BoothTelemetryOptions;
  readonly #startedAt: number;
  readonly #lag = new EventLoopLag(10);
  readonly #errors = new Map<string, number>();
  #sampler: TimerHandle | undefined;

  constructor(options: BoothTelemetryOptions) {
    this.#options = options;
    const { model, clock, devices } = options;
    this.#startedAt = clock.now();
    const now = clock.now();
    for (const [name, datatype, initial] of NODE_METRICS) model.node.define(name, datatype, initial, now);
    if (options.outbox) for (const [name, datatype, initial] of OUTBOX_METRICS) model.node.define(name, datatype, initial, now);
    if (options.audit) for (const [name, datatype, initial] of AUDIT_METRICS) model.node.define(name, datatype, initial, now);
    for (const device of devices.devices) {
      const metrics = model.defineDevice(device.id);
      for (const spec of [...COMMON_DEVICE_METRICS, ...classMetrics(device)]) {
        metrics.define(spec.name, spec.datatype, spec.initial, now, { writable: spec.writable ?? false });
      }
      model.setDeviceMetric(device.id, 'Info/Compatible', device.compatible, now);
      this.watchDevice(device);
    }
    this.watchManager();
  }

  start(): void {
    this.#lag.start();
    this.sample();
  }

  stop(): void {
    this.#sampler?.cancel();
    this.#sampler = undefined;
    this.#lag.stop();
  }

  /** Records the outcome of a remote command on the device it targeted, or on the node for NCMD. */
  reportCommandResult(device: string | undefined, result: string): void {
    if (device) this.set(device, 'Command/Last Result', result);
    else this.#options.model.setNodeMetric('Command/Last Result', result, this.#options.clock.now());
  }

  private sample(): void {
    const { model, clock, counters, door, devices, stateDir, sampleMs } = this.#options;
    const now = clock.now();
    const node = (name: string, value: MetricValue | null) => {
      try {
        model.setNodeMetric(name, value, now);
      } catch (error) {
        this.#options.logger.warn({ metric: name, err: error }, `telemetry metric ${name} not updated: ${(error as Error).message}`);
      }
    };
    node('Node/Uptime s', BigInt(Math.floor((now - this.#startedAt) / 1000)));
    node('Node/Event Loop Lag p99 ms', Math.round(this.#lag.percentileMs(99) * 100) / 100);
    this.#lag.reset();
    node('Node/RSS bytes', BigInt(process.memoryUsage.rss()));
    node('Node/Disk Free bytes', diskFree(stateDir));
    node('Node/Devices Ready', devices.devices.filter((device) => device.state === 'ready').length);
    node('Safety/Door Guard', door.state);
    node('Safety/Fire Alarm', door.fireAlarmActive);
    node('Commands/Executed', BigInt(counters.commandsExecuted()));
    node('Commands/Rejected', BigInt(counters.commandsRejected()));
    node('Errors/Bad Messages', BigInt(counters.badMessages()));
    node('Store/Pending', counters.storePending());
    node('Store/Dropped', BigInt(counters.storeDropped()));
    let outbox: ReturnType<NonNullable<BoothTelemetryOptions['outbox']>> | undefined;
    try {
      outbox = this.#options.outbox?.();
    } catch {
      outbox = undefined; // not open yet, or failing: the outbox reports its own errors
    }
    if (outbox) {
      node('Outbox/Depth', outbox.depth);
      node('Outbox/Bytes', BigInt(outbox.bytes));
      node('Outbox/Oldest Age s', BigInt(outbox.oldestAt === undefined ? 0 : Math.floor((now - outbox.oldestAt) / 1000)));
      node('Outbox/Overdue', outbox.overdue);
      node('Outbox/Full', outbox.full);
    }
    const audit = this.#options.audit?.();
    if (audit) {
      node('Audit/Records', BigInt(audit.records));
      node('Audit/Last Event', audit.lastEvent ?? '');
      node('Audit/Chain OK', audit.chainOk ?? null);
      node('Audit/Seq', BigInt(audit.head.seq));
      node('Audit/Head Hash', audit.head.seq === 0 ? '' : audit.head.hash);
    }
    this.#sampler = clock.setTimeout(() => this.sample(), sampleMs);
  }

  /**
   * Never throws: these run inside device event handlers, and a telemetry mistake (a value that
   * does not fit its metric) must not break the device operation that emitted the event.
   */
  private set(device: string, name: string, value: MetricValue): void {
    try {
      this.#options.model.setDeviceMetric(device, name, value, this.#options.clock.now());
    } catch (error) {
      this.#options.logger.warn({ device, metric: name, err: error }, `telemetry metric ${device} ${name} not updated: ${(error as Error).message}`);
    }
  }

  private watchManager(): void {
    const { devices, model } = this.#options;
    devices.on('ready', (device, info) => {
      this.set(device.id, 'Connection/State', 'ready');
      this.set(device.id, 'Health/OK', true);
      this.set(device.id, 'Info/Model', info.model);
      this.set(device.id, 'Info/Serial', info.serial);
      this.set(device.id, 'Info/Firmware', info.firmware);
      model.setDeviceOnline(device.id, true);
    });
    devices.on('lost', (device, error) => {
      this.countError(device, error);
      this.set(device.id, 'Connection/State', 'lost');
      this.set(device.id, 'Health/OK', false);
      model.setDeviceOnline(device.id, false);
    });
    devices.on('fault', (device, error) => {
      this.countError(device, error);
      this.set(device.id, 'Health/OK', false);
    });
  }

  private countError(device: AnyDevice, error: DeviceError): void {
    const count = (this.#errors.get(device.id) ?? 0) + 1;
    this.#errors.set(device.id, count);
    this.set(device.id, 'Errors/Count', count);
    this.set(device.id, 'Errors/Last Code', error.code);
  }

  private watchDevice(device: AnyDevice): void {
    const on = (event: string, listener: (...args: never[]) => void) =>
      (device as unknown as EventEmitter).on(event, listener as (...args: unknown[]) => void);
    const id = device.id;
    switch (device.deviceClass) {
      case 'door-lock': {
        let forced = 0;
        on('bolt', (bolt: string) => this.set(id, 'Door/Locked', bolt === 'locked'));
        on('contact', (contact: string) => this.set(id, 'Door/Open', contact === 'open'));
        on('forced', () => this.set(id, 'Door/Forced Count', ++forced));
        break;
      }
      case 'lighting':
        on('level', (channel: string, level: number) => this.set(id, `Light/${channel}`, level));
        on('scene', (scene: string) => this.set(id, 'Light/Scene', scene));
        break;
      case 'sensors':
        on('change', (sensor: string, value: boolean) => {
          const name = SENSOR_METRIC[sensor];
          if (name) this.set(id, name, value);
        });
        on('climate', (temperatureC: number, humidityPct: number) => {
          this.set(id, 'Sensors/Temperature C', temperatureC);
          this.set(id, 'Sensors/Humidity %', humidityPct);
        });
        break;
      default:
        break;
    }
  }
}

function diskFree(path: string): bigint {
  try {
    const stats = statfsSync(path, { bigint: true });
    return stats.bavail * stats.bsize;
  } catch {
    return 0n;
  }
}
