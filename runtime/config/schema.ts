/**
 * The booth manifest: who the booth is, where it reports, its door policy and its devices.
 * docs/config.md documents every key; this schema is the single source of types, defaults and
 * error messages. Per-device `props` are checked afterwards by the schema of the driver the
 * `compatible` names (see load.ts).
 */
import { z } from 'zod';

const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected 1–64 letters, digits, "_", "." or "-", starting with a letter or digit');

/** How the host reaches a device. Only the bus types a driver declares are accepted for it. */
export const busSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sim') }).strict(),
  z
    .object({
      type: z.literal('serial'),
      path: z.string().min(1),
      baudRate: z.number().int().positive().default(115_200),
    })
    .strict(),
  z.object({ type: z.literal('gpio'), chip: z.string().min(1) }).strict(),
  z.object({ type: z.literal('sdk'), library: z.string().min(1) }).strict(),
]);
export type Bus = z.infer<typeof busSchema>;

export const deviceSchema = z
  .object({
    id: identifier,
    compatible: z.string().regex(/^[a-z0-9-]+,[a-z0-9-]+$/, 'expected "vendor,device", e.g. "sim,door-lock"'),
    bus: busSchema.default({ type: 'sim' }),
    props: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type DeviceEntry = z.infer<typeof deviceSchema>;

export const boothConfigSchema = z
  .object({
    booth: z
      .object({
        id: identifier,
        group: identifier.default('booths'),
      })
      .strict(),
    stateDir: z.string().min(1).default('/var/lib/boothd'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'audit', 'info', 'debug', 'trace']).default('info') })
      .strict()
      .default({ level: 'info' }),
    mqtt: z
      .object({
        url: z.url({ protocol: /^mqtts?$/, error: 'expected an mqtt:// or mqtts:// URL' }).default('mqtt://localhost:1883'),
        primaryHost: identifier.optional(),
      })
      .strict()
      .default({ url: 'mqtt://localhost:1883' }),
    door: z
      .object({
        maxLockSeconds: z.number().int().min(1).max(3600).default(600),
        /** A lock command not confirmed within this gets the door released again. */
        lockTimeoutMs: z.number().int().min(100).max(30_000).default(2000),
      })
      .strict()
      .default({ maxLockSeconds: 600, lockTimeoutMs: 2000 }),
    supervisor: z
      .object({
        retryInitialMs: z.number().int().min(10).default(500),
        retryMaxMs: z.number().int().min(10).default(30_000),
        retryJitter: z.number().min(0).max(1).default(0.3),
      })
      .strict()
      .default({ retryInitialMs: 500, retryMaxMs: 30_000, retryJitter: 0.3 }),
    devices: z
      .array(deviceSchema)
      .min(1, 'a booth needs at least one device')
      .superRefine((devices, context) => {
        const seen = new Map<string, number>();
        devices.forEach((device, index) => {
          const first = seen.get(device.id);
          if (first === undefined) seen.set(device.id, index);
          else
            context.addIssue({
              code: 'custom',
              path: [index, 'id'],
              message: `duplicate device id "${device.id}" (already used by devices[${first}])`,
            });
        });
      }),
  })
  .strict();

export type BoothConfig = z.infer<typeof boothConfigSchema>;
