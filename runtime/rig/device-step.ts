/** `device:` steps: hardware misbehaving, through the simulators' hooks on boothd's control socket. */
import type { StepContext } from './step-context.ts';
import type { DeviceStep } from './step-schema.ts';

export async function playDevice(step: DeviceStep, { booth }: StepContext): Promise<string | undefined> {
  if ('unplug' in step) await booth.control('sim.unplug', { device: step.unplug });
  else if ('replug' in step) await booth.control('sim.replug', { device: step.replug });
  else if ('hang' in step) await booth.control('sim.hang', { device: step.hang });
  else if ('fail-next' in step) await booth.control('sim.fail-next', { device: step['fail-next'].device, code: step['fail-next'].code });
  else if ('slow' in step) await booth.control('sim.latency', { device: step.slow.device, latencyMs: step.slow.latencyMs });
  else if ('jam-bolt' in step) await booth.control('sim.jam-bolt', { jammed: step['jam-bolt'] });
  else if ('force-door' in step) await booth.control('sim.force-door');
  return undefined;
}
