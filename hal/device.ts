/**
 * What every HAL device has in common, whatever its class: identity, capabilities, the
 * open/close/health lifecycle, typed events, and the rules of I/O.
 *
 * Rules every implementation (driver or simulator) keeps; tests/contract checks them:
 * - Every I/O method takes {@link IoOptions}: it rejects with `ETIMEDOUT` when `timeoutMs`
 *   passes and with `ECANCELED` when `signal` aborts, and leaves the device usable afterwards.
 * - One command in flight per device. A second command while one runs is rejected at once
 *   with `EBUSY`; it is not queued, because a queued biometric capture or lock command that
 *   runs seconds later than asked is more dangerous than a clear refusal. The one exception is
 *   the door lock's `unlock`, which pre-empts (see door-lock.ts).
 * - Any method other than `open` called on a device that is not open rejects with `ENODEV`.
 * - A device that disappears emits `lost` once and moves to state `lost`; `open` again to recover.
 */
import type { EventEmitter } from 'node:events';
import type { DeviceError } from './errors.ts';

export const DEVICE_CLASSES = [
  'door-lock',
  'lighting',
  'fingerprint',
  'camera',
  'signature-pad',
  'document-reader',
  'sensors',
] as const;

export type DeviceClass = (typeof DEVICE_CLASSES)[number];

/** Per-call limits. `timeoutMs` falls back to the device's default for that operation. */
export interface IoOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type DeviceState = 'closed' | 'opening' | 'ready' | 'lost' | 'closing';

/** What the device says about itself once open. */
export interface DeviceInfo {
  model: string;
  serial: string;
  firmware: string;
}

export interface LastError {
  code: DeviceError['code'];
  message: string;
  at: number;
}

export interface HealthReport {
  state: DeviceState;
  /** True when the device is open and its last self-check passed. */
  ok: boolean;
  lastError?: LastError;
  /** Class-specific readings, e.g. sensor temperature or lamp hours. Never personal data. */
  detail?: Record<string, string | number | boolean>;
}

/** Events every device emits, merged into each class's own event map. */
export interface CommonEvents {
  /** The lifecycle state changed. */
  state: [state: DeviceState];
  /** The device disappeared (unplugged, transport closed). Emitted once per loss. */
  lost: [error: DeviceError];
  /** A fault the device reported on its own, outside any command. */
  fault: [error: DeviceError];
}

export type EventMapOf<Own> = CommonEvents & Own;

/**
 * The lifecycle and identity part of every device class interface.
 * `Events` is the class's event map; `Capability` the strings its capability list may hold.
 */
export interface Device<Own extends Record<keyof Own, unknown[]>, Capability extends string>
  extends EventEmitter<EventMapOf<Own>> {
  /** The manifest id, e.g. `door-main`. */
  readonly id: string;
  readonly deviceClass: DeviceClass;
  /** The manifest `compatible` that chose this implementation, e.g. `sim,door-lock`. */
  readonly compatible: string;
  readonly capabilities: ReadonlySet<Capability>;
  readonly state: DeviceState;

  /** Opens the transport and identifies the device. Idempotent when already ready. */
  open(options?: IoOptions): Promise<DeviceInfo>;
  /** Releases the transport. Never throws for a device that is already closed or lost. */
  close(options?: IoOptions): Promise<void>;
  /** Asks the device for its condition; a device that is not open reports `ok: false`. */
  health(options?: IoOptions): Promise<HealthReport>;
}
