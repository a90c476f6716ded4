/**
 * The simulated lock's bolt as the hardware holds it: its state file, which outlives boothd (a
 * relay keeps its position when the software dies). Read directly, so the door can be checked
 * while boothd is down, and watched so the timeline tells every move of the bolt.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Bolt = 'locked' | 'unlocked';

interface LockFile {
  bolt?: string;
  contact?: string;
}

export class DoorBolt {
  readonly file: string;
  #timer: NodeJS.Timeout | undefined;
  #last: Bolt | undefined;
  #onChange: ((bolt: Bolt) => void) | undefined;

  constructor(file: string) {
    this.file = file;
  }

  /** A lock whose file does not exist yet was never powered: unlocked, as the sim reads it. */
  read(): Bolt {
    return this.raw().bolt === 'locked' ? 'locked' : 'unlocked';
  }

  /**
   * The power is gone: a fail-safe lock drops its bolt. Written the way the sim writes it, so the
   * next boothd reads a lock that is unlocked (its door contact untouched).
   */
  loseLockPower(): void {
    const { contact } = this.raw();
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.rig-tmp`;
    writeFileSync(temporary, JSON.stringify({ bolt: 'unlocked', contact: contact === 'open' ? 'open' : 'closed' }));
    renameSync(temporary, this.file);
    this.#check(); // told now, at the cut, not at the next poll
  }

  /** Calls `onChange` whenever the bolt moves, checking every `everyMs`. */
  watch(onChange: (bolt: Bolt) => void, everyMs = 100): void {
    this.#last = this.read();
    this.#onChange = onChange;
    this.#timer = setInterval(() => this.#check(), everyMs);
  }

  unwatch(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#onChange = undefined;
  }

  #check(): void {
    if (!this.#onChange) return;
    const bolt = this.read();
    if (bolt === this.#last) return;
    this.#last = bolt;
    this.#onChange(bolt);
  }

  private raw(): LockFile {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as LockFile;
    } catch {
      return {};
    }
  }
}
