/** Simulated lighting controller: named dimmable channels and scenes, levels kept in memory. */
import { z } from 'zod';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { Lighting, LightingCapability, LightingEvents } from '../../hal/lighting.ts';
import { SimDevice } from './sim-device.ts';

const level = z.number().min(0).max(100);

export const simLightingProps = z
  .object({
    channels: z.array(z.string().min(1)).min(1).default(['key', 'fill', 'ambient', 'scanner']),
    scenes: z
      .record(z.string(), z.record(z.string(), level))
      .default({
        off: { key: 0, fill: 0, ambient: 0, scanner: 0 },
        idle: { key: 0, fill: 0, ambient: 40, scanner: 0 },
        welcome: { key: 30, fill: 30, ambient: 80, scanner: 0 },
        fingerprint: { key: 20, fill: 20, ambient: 60, scanner: 100 },
        portrait: { key: 90, fill: 70, ambient: 50, scanner: 0 },
      }),
    latencyMs: z.number().int().min(0).max(10_000).default(5),
    serial: z.string().default('SIM-LIGHT-0001'),
  })
  .strict()
  .superRefine((props, context) => {
    for (const [scene, levels] of Object.entries(props.scenes)) {
      for (const channel of Object.keys(levels)) {
        if (!props.channels.includes(channel)) {
          context.addIssue({
            code: 'custom',
            path: ['scenes', scene, channel],
            message: `scene "${scene}" sets unknown channel "${channel}" (channels: ${props.channels.join(', ')})`,
          });
        }
      }
    }
  });
export type SimLightingProps = z.infer<typeof simLightingProps>;

export class SimLighting extends SimDevice<LightingEvents, LightingCapability> implements Lighting {
  readonly deviceClass = 'lighting' as const;
  readonly capabilities: ReadonlySet<LightingCapability> = new Set(['dimming', 'scenes']);
  protected readonly model = 'SimLight DMX-4';
  readonly channels: readonly string[];
  readonly scenes: readonly string[];
  readonly #sceneLevels: Record<string, Record<string, number>>;
  readonly #levels = new Map<string, number>();

  constructor(context: DeviceContext, props: SimLightingProps) {
    super(context, props);
    this.channels = props.channels;
    this.scenes = Object.keys(props.scenes);
    this.#sceneLevels = props.scenes;
    for (const channel of this.channels) this.#levels.set(channel, 0);
  }

  setLevel(channel: string, value: number, options?: IoOptions): Promise<void> {
    return this.command('setLevel', options, { timeoutMs: 1000 }, (signal) => {
      if (!this.#levels.has(channel)) throw this.error('ENOTSUP', 'setLevel', `no channel "${channel}"`);
      if (!Number.isFinite(value) || value < 0 || value > 100) {
        throw this.error('EBADMSG', 'setLevel', `level ${value} is outside 0–100`);
      }
      return this.roundTrip(signal, () => this.apply(channel, value));
    });
  }

  setScene(name: string, options?: IoOptions): Promise<void> {
    return this.command('setScene', options, { timeoutMs: 1000 }, (signal) => {
      const levels = this.#sceneLevels[name];
      if (!levels) throw this.error('ENOTSUP', 'setScene', `no scene "${name}" (scenes: ${this.scenes.join(', ')})`);
      return this.roundTrip(signal, () => {
        for (const [channel, value] of Object.entries(levels)) this.apply(channel, value);
        (this as Lighting).emit('scene', name);
      });
    });
  }

  levels(options?: IoOptions): Promise<Record<string, number>> {
    return this.command('levels', options, { timeoutMs: 1000 }, (signal) =>
      this.roundTrip(signal, () => Object.fromEntries(this.#levels)),
    );
  }

  private apply(channel: string, value: number): void {
    if (this.#levels.get(channel) === value) return;
    this.#levels.set(channel, value);
    (this as Lighting).emit('level', channel, value);
  }
}
