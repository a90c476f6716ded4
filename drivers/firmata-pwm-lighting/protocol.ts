/**
 * Light levels (percent) and what goes on the wire for them, as pure functions: PWM duty for a
 * dimmable channel, a level for an on/off one, both possibly inverted.
 */

/** The PWM duty for `level` percent on a `max`-step output. */
export function dutyFor(level: number, max: number, activeLow: boolean): number {
  const duty = Math.round((level / 100) * max);
  return activeLow ? max - duty : duty;
}

/** The level a duty read back from the board stands for, to a tenth of a percent. */
export function levelForDuty(duty: number, max: number, activeLow: boolean): number {
  const on = activeLow ? max - duty : duty;
  return Math.round((on / max) * 1000) / 10;
}

/** An on/off channel is on for any level above 0. */
export function onOffLevel(level: number): 0 | 100 {
  return level > 0 ? 100 : 0;
}

export function pinHighFor(level: number, activeLow: boolean): boolean {
  return (level > 0) !== activeLow;
}

export function levelForPin(state: number, activeLow: boolean): 0 | 100 {
  return (state === 1) !== activeLow ? 100 : 0;
}

/** A level the HAL accepts: a finite number from 0 to 100. */
export function validLevel(level: number): boolean {
  return Number.isFinite(level) && level >= 0 && level <= 100;
}
