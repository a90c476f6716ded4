/** The env sensor's own refusals (link and device errors come from ../line-protocol/errors.ts). */
import { LineError } from '../line-protocol/errors.ts';
import { HUMIDITY_RANGE_PCT, TEMPERATURE_RANGE_C } from './protocol.ts';

export function badHello(what: string): LineError {
  return new LineError('EBADMSG', `the HELLO answer ${what}`);
}

export function badReading(): string {
  const [tMin, tMax] = TEMPERATURE_RANGE_C;
  const [hMin, hMax] = HUMIDITY_RANGE_PCT;
  return `the READ answer lacks a valid t= (${tMin}…${tMax}), rh= (${hMin}…${hMax}) or battery= (0|1)`;
}
