/**
 * The node metrics boothd reports every telemetry period (Sparkplug NBIRTH/NDATA): process health,
 * safety, commands, the store-and-forward buffer and, on a booth with captures, the outbox. Shared
 * with the fleet simulator so a simulated booth's births are the size and shape of a real one's.
 */
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import type { MetricValue } from '../../protocols/sparkplug/payload.ts';

export const OUTBOX_METRICS: ReadonlyArray<[string, number, MetricValue]> = [
  ['Outbox/Depth', DataType.UInt32, 0],
  ['Outbox/Bytes', DataType.UInt64, 0n],
  ['Outbox/Oldest Age s', DataType.Int64, 0n],
  ['Outbox/Overdue', DataType.UInt32, 0],
  // The alarm: new sessions are refused until captures are delivered.
  ['Outbox/Full', DataType.Boolean, false],
];

export const NODE_METRICS: ReadonlyArray<[string, number, MetricValue]> = [
  ['Node/Uptime s', DataType.Int64, 0n],
  ['Node/Event Loop Lag p99 ms', DataType.Double, 0],
  ['Node/RSS bytes', DataType.UInt64, 0n],
  ['Node/Disk Free bytes', DataType.UInt64, 0n],
  ['Node/Devices Ready', DataType.UInt32, 0],
  ['Safety/Door Guard', DataType.String, 'released'],
  ['Safety/Fire Alarm', DataType.Boolean, false],
  ['Commands/Executed', DataType.UInt64, 0n],
  ['Commands/Rejected', DataType.UInt64, 0n],
  // The outcome of the last NCMD (devices have their own), e.g. a refused unsigned Reboot.
  ['Command/Last Result', DataType.String, ''],
  ['Errors/Bad Messages', DataType.UInt64, 0n],
  ['Store/Pending', DataType.UInt32, 0],
  ['Store/Dropped', DataType.UInt64, 0n],
];
