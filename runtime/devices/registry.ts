/**
 * Which implementation serves which manifest `compatible`, like a devicetree match table.
 * Each entry declares its device class, the buses it can sit on and the schema of its `props`,
 * so the manifest is fully checked before any hardware is touched.
 */
import type { z } from 'zod';
import type { AnyDevice, Clock, DeviceClass } from '../../hal/index.ts';
import type { Bus } from '../config/schema.ts';

export interface DeviceFactoryContext {
  id: string;
  compatible: string;
  bus: Bus;
  clock: Clock;
  /** Folder for the device's own durable state (resolved manifest `stateDir`). */
  stateDir: string;
}

export interface DriverEntry<Props = unknown> {
  compatible: string;
  deviceClass: DeviceClass;
  /** One line for `boothctl` listings and error messages. */
  description: string;
  buses: readonly Bus['type'][];
  props: z.ZodType<Props>;
  create(context: DeviceFactoryContext, props: Props): AnyDevice;
}

export class DriverRegistry {
  readonly #entries = new Map<string, DriverEntry>();

  constructor(entries: readonly DriverEntry<never>[]) {
    for (const entry of entries) {
      if (this.#entries.has(entry.compatible)) throw new Error(`driver "${entry.compatible}" registered twice`);
      this.#entries.set(entry.compatible, entry as unknown as DriverEntry);
    }
  }

  get(compatible: string): DriverEntry | undefined {
    return this.#entries.get(compatible);
  }

  get compatibles(): string[] {
    return [...this.#entries.keys()].sort();
  }
}

/** Typed helper so each entry's `create` sees its own parsed props type. */
export function defineDriver<Props>(entry: DriverEntry<Props>): DriverEntry<never> {
  return entry as unknown as DriverEntry<never>;
}
