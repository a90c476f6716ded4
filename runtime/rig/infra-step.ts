/**
 * `infra:` steps: what happens around the booth — the central broker going away, the network
 * freezing, the power, the disk, the clock, the building's fire alarm.
 */
import type { StepContext } from './step-context.ts';
import { StepFailure } from './step-failure.ts';
import type { InfraStep } from './step-schema.ts';
import { waitUntil } from './wait-until.ts';

/** How far boothd's clock may be from the intended offset once a jump has landed. */
const CLOCK_TOLERANCE_MS = 1500;
const CLOCK_LAND_LIMIT_MS = 5000;

export async function playInfra(step: InfraStep, context: StepContext): Promise<string | undefined> {
  const { booth } = context;
  switch (step) {
    case 'broker-down':
      if (!booth.broker.running) throw new StepFailure('the broker is already down');
      await booth.broker.down();
      return `mosquitto on port ${booth.broker.port} killed`;
    case 'broker-up':
      if (booth.broker.running) throw new StepFailure('the broker is already up');
      await booth.broker.up();
      return `mosquitto back on port ${booth.broker.port} (pid ${booth.broker.pid})`;
    case 'power-cut': {
      const detail = await booth.powerCut();
      return `boothd killed (SIGKILL); the fail-safe lock lost power${detail ? `; ${detail}` : ''}`;
    }
    case 'power-on':
      await booth.powerOn();
      return `boothd pid ${booth.boothd?.pid}`;
    case 'fire-alarm-on':
      return booth.hardware.fireAlarm(true);
    case 'fire-alarm-off':
      return booth.hardware.fireAlarm(false);
  }
  if ('network-stall' in step) {
    booth.stallNetwork(step['network-stall'].seconds);
    return `mosquitto stopped (SIGSTOP) for ${step['network-stall'].seconds} s; the scenario goes on meanwhile`;
  }
  if ('disk-full' in step) {
    if (!booth.tmpfs) throw new Error('no tmpfs under the state dir (the rig mounts one when a scenario has a disk-full step)');
    if (!step['disk-full']) {
      booth.tmpfs.free();
      return 'filler removed';
    }
    return `${Math.round(booth.tmpfs.fill() / 1024)} KiB of filler; the state disk is full`;
  }
  return jumpClock(step['clock-jump'].seconds, context);
}

/** Moves boothd's wall clock and waits until boothd itself reports the new time. */
async function jumpClock(seconds: number, { booth, clock, signal }: StepContext): Promise<string> {
  const boothdClock = booth.boothdClock;
  if (!boothdClock) throw new Error('boothd was not started under libfaketime (the rig does so when a scenario has a clock-jump step)');
  boothdClock.jump(seconds);
  const landed = await waitUntil(
    async () => {
      const status = (await booth.control('status')) as { startedAt: number; uptimeMs: number };
      const skewMs = status.startedAt + status.uptimeMs - clock.now();
      return { done: Math.abs(skewMs - boothdClock.offsetSeconds * 1000) <= CLOCK_TOLERANCE_MS, value: skewMs };
    },
    { clock, limitMs: CLOCK_LAND_LIMIT_MS, signal, everyMs: 200 },
  );
  if (!landed.done) throw new StepFailure(`boothd's clock is ${Math.round(landed.value / 1000)} s off true time, not the intended ${boothdClock.offsetSeconds} s`);
  return `boothd's clock is now ${boothdClock.offsetSeconds >= 0 ? '+' : ''}${boothdClock.offsetSeconds} s off true time`;
}
