/**
 * Lighting: dimmable channels (face key light, fill, ambient, scanner guide LEDs) and named
 * scenes that set several channels at once.
 */
import type { Device, IoOptions } from './device.ts';

/** Level of one channel in percent, 0 (off) to 100 (full). */
export type LightLevel = number;

export type LightingCapability = 'dimming' | 'scenes';

export interface LightingEvents {
  /** A channel's level changed. */
  level: [channel: string, level: LightLevel];
  /** A scene was applied. */
  scene: [name: string];
}

export interface Lighting extends Device<LightingEvents, LightingCapability> {
  readonly deviceClass: 'lighting';
  /** The channel names this device drives, e.g. `key`, `fill`, `ambient`. */
  readonly channels: readonly string[];
  /** The scene names it knows, e.g. `idle`, `portrait`, `fingerprint`, `off`. */
  readonly scenes: readonly string[];
  /** Sets one channel. ENOTSUP for an unknown channel, EBADMSG for a level outside 0–100. */
  setLevel(channel: string, level: LightLevel, options?: IoOptions): Promise<void>;
  /** Applies a named scene. ENOTSUP for an unknown scene. */
  setScene(name: string, options?: IoOptions): Promise<void>;
  /** Current level of every channel. */
  levels(options?: IoOptions): Promise<Record<string, LightLevel>>;
}
