/**
 * Named channels on DMX slots: percent levels rendered into the 512 slot values of one
 * universe, 8-bit (one slot) or 16-bit (a coarse and a fine slot). Pure, no I/O.
 */
import { UNIVERSE_SLOTS } from './protocol.ts';

export interface ChannelPatch {
  /** DMX slot 1–512 of the channel (the coarse byte of a 16-bit channel). */
  slot: number;
  /** The fine (low) byte's slot of a 16-bit channel. */
  fineSlot?: number;
}

/** Percent 0–100 to an 8-bit slot value. */
export function percentTo8Bit(percent: number): number {
  return Math.round((clampPercent(percent) * 255) / 100);
}

/** Percent 0–100 to a 16-bit value (coarse = high byte, fine = low byte). */
export function percentTo16Bit(percent: number): number {
  return Math.round((clampPercent(percent) * 65_535) / 100);
}

function clampPercent(percent: number): number {
  return Math.min(100, Math.max(0, percent));
}

/** The level `progress` (0–1) of the way from `from` to `to`. */
export function interpolate(from: number, to: number, progress: number): number {
  const p = Math.min(1, Math.max(0, progress));
  return p >= 1 ? to : from + (to - from) * p;
}

export class ChannelMap {
  readonly #patches: ReadonlyMap<string, ChannelPatch>;

  constructor(patches: Record<string, ChannelPatch>) {
    const used = new Map<number, string>();
    for (const [name, patch] of Object.entries(patches)) {
      for (const slot of patch.fineSlot === undefined ? [patch.slot] : [patch.slot, patch.fineSlot]) {
        if (!Number.isInteger(slot) || slot < 1 || slot > UNIVERSE_SLOTS) {
          throw new RangeError(`channel "${name}": slot ${slot} is outside 1–${UNIVERSE_SLOTS}`);
        }
        const owner = used.get(slot);
        if (owner !== undefined) throw new RangeError(`channel "${name}": slot ${slot} is already used by "${owner}"`);
        used.set(slot, name);
      }
    }
    this.#patches = new Map(Object.entries(patches));
  }

  get names(): string[] {
    return [...this.#patches.keys()];
  }

  has(name: string): boolean {
    return this.#patches.has(name);
  }

  /** The 512 slot values for these levels; unpatched slots are 0. `result[0]` is slot 1. */
  render(levels: ReadonlyMap<string, number>): Uint8Array {
    const slots = new Uint8Array(UNIVERSE_SLOTS);
    for (const [name, patch] of this.#patches) {
      const level = levels.get(name) ?? 0;
      if (patch.fineSlot === undefined) {
        slots[patch.slot - 1] = percentTo8Bit(level);
      } else {
        const value = percentTo16Bit(level);
        slots[patch.slot - 1] = value >> 8;
        slots[patch.fineSlot - 1] = value & 0xff;
      }
    }
    return slots;
  }
}
