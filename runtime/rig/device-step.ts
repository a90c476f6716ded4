/** `device:` steps: hardware misbehaving — the simulators' hooks, or the wire booth's twins (booth-hardware.ts). */
import type { StepContext } from './step-context.ts';
import type { DeviceStep } from './step-schema.ts';

export function playDevice(step: DeviceStep, { booth }: StepContext): Promise<string | undefined> {
  return booth.hardware.device(step);
}
