/**
 * Which Sparkplug metrics each HAL device class reports, and which of them a host may write.
 * Names follow "Group/Name"; writable metrics are the remote commands (DCMD) of the device.
 */
import type { AnyDevice } from '../../hal/index.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import type { MetricValue } from '../../protocols/sparkplug/payload.ts';

export interface MetricSpec {
  name: string;
  datatype: number;
  initial: MetricValue | null;
  writable?: boolean;
}

export const COMMON_DEVICE_METRICS: readonly MetricSpec[] = [
  { name: 'Connection/State', datatype: DataType.String, initial: 'closed' },
  { name: 'Health/OK', datatype: DataType.Boolean, initial: false },
  { name: 'Errors/Count', datatype: DataType.UInt32, initial: 0 },
  { name: 'Errors/Last Code', datatype: DataType.String, initial: '' },
  { name: 'Info/Compatible', datatype: DataType.String, initial: '' },
  { name: 'Info/Model', datatype: DataType.String, initial: '' },
  { name: 'Info/Serial', datatype: DataType.String, initial: '' },
  { name: 'Info/Firmware', datatype: DataType.String, initial: '' },
  { name: 'Device/Reset', datatype: DataType.Boolean, initial: false, writable: true },
  { name: 'Command/Last Result', datatype: DataType.String, initial: '' },
];

export function classMetrics(device: AnyDevice): MetricSpec[] {
  switch (device.deviceClass) {
    case 'door-lock':
      return [
        { name: 'Door/Locked', datatype: DataType.Boolean, initial: false, writable: true },
        { name: 'Door/Open', datatype: DataType.Boolean, initial: false },
        { name: 'Door/Forced Count', datatype: DataType.UInt32, initial: 0 },
      ];
    case 'lighting':
      return [
        { name: 'Light/Scene', datatype: DataType.String, initial: '', writable: true },
        ...device.channels.map((channel) => ({ name: `Light/${channel}`, datatype: DataType.Double, initial: 0, writable: true })),
      ];
    case 'sensors':
      return [
        { name: 'Sensors/Occupied', datatype: DataType.Boolean, initial: false },
        { name: 'Sensors/Door Open', datatype: DataType.Boolean, initial: false },
        { name: 'Sensors/Exit Button', datatype: DataType.Boolean, initial: false },
        { name: 'Sensors/Fire Alarm', datatype: DataType.Boolean, initial: false },
        { name: 'Sensors/Tamper', datatype: DataType.Boolean, initial: false },
        { name: 'Sensors/UPS On Battery', datatype: DataType.Boolean, initial: false },
        { name: 'Sensors/Temperature C', datatype: DataType.Double, initial: 0 },
        { name: 'Sensors/Humidity %', datatype: DataType.Double, initial: 0 },
      ];
    case 'fingerprint':
    case 'camera':
      return [
        // The result goes to Command/Last Result like every command's.
        { name: 'Capture/Self Test', datatype: DataType.Boolean, initial: false, writable: true },
      ];
    case 'signature-pad':
    case 'document-reader':
      return [];
  }
}

/** Sensor names of the HAL mapped to metric names. */
export const SENSOR_METRIC: Record<string, string> = {
  occupied: 'Sensors/Occupied',
  doorOpen: 'Sensors/Door Open',
  exitButtonPressed: 'Sensors/Exit Button',
  fireAlarm: 'Sensors/Fire Alarm',
  tamper: 'Sensors/Tamper',
  upsOnBattery: 'Sensors/UPS On Battery',
};
