/**
 * At most N previews a second to one screen. Frames come from the scanner or the camera as fast
 * as they can make them; a screen needs far fewer, and each one costs the kiosk browser a decode.
 * Frames are spaced at least 1/N s apart, so no window of one second ever holds more than N
 * (a source slightly slower than N/s may get a little fewer — previews are disposable).
 */
import type { Clock } from '../../hal/clock.ts';

export class PreviewThrottle {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  #lastSentAt: number | undefined;

  constructor(clock: Clock, perSecond: number) {
    if (!(perSecond > 0)) throw new RangeError(`previews per second must be positive, got ${perSecond}`);
    this.#clock = clock;
    this.#intervalMs = 1000 / perSecond;
  }

  /** True when a frame may go now; counts it as sent. */
  take(): boolean {
    const now = this.#clock.now();
    const sinceLast = this.#lastSentAt === undefined ? Infinity : now - this.#lastSentAt;
    // A wall clock stepped backwards (NTP) must not freeze the preview until it catches up.
    if (sinceLast >= 0 && sinceLast < this.#intervalMs) return false;
    this.#lastSentAt = now;
    return true;
  }
}
