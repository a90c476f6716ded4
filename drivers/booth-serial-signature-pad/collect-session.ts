/**
 * One collect in progress: the samples since the prompt (or the last clear) and the button
 * presses in the order the pad sent them. OK on a signed pad freezes the samples there, so pen
 * events that were already on the wire do not leak into the signature.
 */
import type { PadButton, PenSample } from '../../hal/signature-pad.ts';

export interface Press {
  button: PadButton;
  /** For an OK that ends the collect: the signature's samples. */
  samples?: PenSample[];
}

export class CollectSession {
  #samples: PenSample[] = [];
  #lastT = -1;
  #done = false;
  #queued: Press[] = [];
  #waiter: ((press: Press) => void) | undefined;

  /** False once an OK ended it (later pen events are not part of this signature). */
  get open(): boolean {
    return !this.#done;
  }

  /** Adds a sample; false when it goes back in time (the caller counts it as bad). */
  pen(sample: PenSample): boolean {
    if (sample.t < this.#lastT) return false;
    this.#lastT = sample.t;
    this.#samples.push(sample);
    return true;
  }

  press(button: PadButton): void {
    if (this.#done) return;
    let press: Press = { button };
    if (button === 'clear') this.#samples = []; // the pad wiped its ink when the button went down
    if (button === 'ok' && this.#samples.length > 0) {
      press = { button, samples: this.#samples };
      this.#done = true;
    }
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter(press);
    else this.#queued.push(press);
  }

  clear(): void {
    this.#samples = [];
  }

  next(signal: AbortSignal): Promise<Press> {
    const queued = this.#queued.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise<Press>((resolve, reject) => {
      const onAbort = () => {
        this.#waiter = undefined;
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = (press) => {
        signal.removeEventListener('abort', onAbort);
        resolve(press);
      };
    });
  }
}
