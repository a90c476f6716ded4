/**
 * Turns an NCMD/DCMD payload into a batch of commands the edge node may execute, or a reason
 * to reject it. Every metric must name (or alias) a writable metric of its target and carry a
 * value of that metric's datatype; one bad metric rejects the whole batch, so a half-understood
 * command is never executed. The envelope metrics of a signed command (`Command/Id`, …,
 * `Command/Signature`; see command-signature.ts) are set aside, unjudged, for the command
 * authority. Pure: no I/O, safe to fuzz.
 */
import { DataType, describeDataType } from './datatypes.ts';
import type { EdgeModel, MetricSet } from './metric-model.ts';
import { decodePayload, metricValueFromWire, PayloadError, type MetricValue, type SparkplugMetric } from './payload.ts';
import { isEnvelopeMetric } from './command-signature.ts';

/** The node-level control metrics every Sparkplug edge node has (named, no alias). */
export const NODE_CONTROL = {
  rebirth: 'Node Control/Rebirth',
  reboot: 'Node Control/Reboot',
} as const;

export interface Command {
  /** The metric's full name (also when the host used its alias). */
  name: string;
  /** The metric's datatype as in its BIRTH. */
  datatype: number;
  value: MetricValue;
}

export interface CommandBatch {
  /** undefined for NCMD (the node itself). */
  device?: string;
  commands: Command[];
  /** The signed-command envelope metrics the payload carried, as sent; absent when none. */
  envelope?: SparkplugMetric[];
}

export type DecodedCommand = { ok: true; batch: CommandBatch } | { ok: false; reason: string };

const MAX_COMMANDS = 64;

export function decodeCommand(
  type: 'NCMD' | 'DCMD',
  device: string | undefined,
  bytes: Uint8Array,
  model: EdgeModel,
  maxBytes: number,
): DecodedCommand {
  if (bytes.byteLength > maxBytes) return { ok: false, reason: `payload of ${bytes.byteLength} bytes exceeds the ${maxBytes}-byte command limit` };
  let metrics: SparkplugMetric[];
  try {
    metrics = decodePayload(bytes, { maxBytes, maxMetrics: MAX_COMMANDS }).metrics;
  } catch (error) {
    if (error instanceof PayloadError) return { ok: false, reason: error.message };
    throw error;
  }
  if (metrics.length === 0) return { ok: false, reason: 'command carries no metrics' };
  let targets: MetricSet | undefined;
  if (type === 'DCMD') {
    targets = device === undefined ? undefined : model.device(device);
    if (!targets) return { ok: false, reason: `unknown device "${device}"` };
  } else {
    targets = model.node;
  }
  const commands: Command[] = [];
  const envelope: SparkplugMetric[] = [];
  for (const [index, metric] of metrics.entries()) {
    if (isEnvelopeMetric(metric.name)) {
      envelope.push(metric);
      continue;
    }
    const command = type === 'NCMD' ? nodeControl(metric) ?? resolve(metric, targets) : resolve(metric, targets);
    if ('reason' in command) return { ok: false, reason: `metric ${index}: ${command.reason}` };
    commands.push(command);
  }
  if (commands.length === 0) return { ok: false, reason: 'command carries no command metrics, only its envelope' };
  return { ok: true, batch: { ...(device === undefined ? {} : { device }), commands, ...(envelope.length > 0 ? { envelope } : {}) } };
}

function nodeControl(metric: SparkplugMetric): Command | { reason: string } | undefined {
  if (metric.name !== NODE_CONTROL.rebirth && metric.name !== NODE_CONTROL.reboot) return undefined;
  return typed(metric, metric.name, DataType.Boolean);
}

function resolve(metric: SparkplugMetric, targets: MetricSet): Command | { reason: string } {
  const byName = metric.name === undefined ? undefined : targets.get(metric.name);
  const byAlias = metric.alias === undefined ? undefined : targets.byAlias(metric.alias);
  if (metric.name !== undefined && !byName) return { reason: `unknown metric "${metric.name}"` };
  if (metric.alias !== undefined && !byAlias) return { reason: `unknown alias ${metric.alias}` };
  if (byName && byAlias && byName !== byAlias) return { reason: `name "${metric.name}" and alias ${metric.alias} are different metrics` };
  const definition = (byName ?? byAlias)!;
  if (!definition.writable) return { reason: `metric "${definition.name}" is read-only` };
  return typed(metric, definition.name, definition.datatype);
}

/** Checks the datatype (when sent) and converts an untyped wire value to the metric's type. */
function typed(metric: SparkplugMetric, name: string, datatype: number): Command | { reason: string } {
  if (metric.datatype !== DataType.Unknown && metric.datatype !== datatype) {
    return { reason: `"${name}" is ${describeDataType(datatype)}, the command says ${describeDataType(metric.datatype)}` };
  }
  if (metric.isNull || metric.value === undefined) return { reason: `"${name}" needs a value` };
  if (metric.datatype !== DataType.Unknown) return { name, datatype, value: metric.value };
  if (!metric.wireField) return { reason: `"${name}": value field unknown` };
  try {
    return { name, datatype, value: metricValueFromWire(datatype, metric.wireField, metric.value as never, `"${name}"`) };
  } catch (error) {
    if (error instanceof PayloadError) return { reason: error.message };
    throw error;
  }
}
