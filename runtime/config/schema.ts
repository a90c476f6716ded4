/**
 * The booth manifest: who the booth is, where it reports, its door policy and its devices.
 * docs/config.md documents every key; this schema is the single source of types, defaults and
 * error messages. Per-device `props` are checked afterwards by the schema of the driver the
 * `compatible` names (see load.ts).
 */
import { z } from 'zod';
import { sessionConfigSchema } from '../session/session-config.ts';
import { isLoopbackAddress, LOOPBACK_ONLY_MESSAGE } from '../kiosk/loopback-address.ts';

const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected 1–64 letters, digits, "_", "." or "-", starting with a letter or digit');

const brokerUrl = z.url({ protocol: /^mqtts?$/, error: 'expected an mqtt:// or mqtts:// URL' });

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
        /** The central broker. Absent (and no `urls`): boothd starts its embedded broker (see embeddedBroker). */
        url: brokerUrl.optional(),
        /** Several brokers (a cluster's nodes, or independent ones), walked round robin on failure; instead of `url`. */
        urls: z
          .array(brokerUrl)
          .min(1, 'expected at least one broker URL')
          .max(16, 'expected at most 16 broker URLs')
          .refine((urls) => new Set(urls).size === urls.length, 'a broker URL is listed twice')
          .optional(),
        embeddedBroker: z
          .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65_535).default(18_830) })
          .strict()
          .default({ host: '127.0.0.1', port: 18_830 }),
        primaryHost: identifier.optional(),
        /** TLS material for mqtts:// (files), ready for per-booth client certificates. */
        tls: z
          .object({
            caFile: z.string().min(1).optional(),
            certFile: z.string().min(1).optional(),
            keyFile: z.string().min(1).optional(),
            rejectUnauthorized: z.boolean().default(true),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((mqtt) => mqtt.url === undefined || mqtt.urls === undefined, {
        path: ['urls'],
        message: 'mqtt.url and mqtt.urls are mutually exclusive: give one broker as `url` or several as `urls`',
      })
      .default({ embeddedBroker: { host: '127.0.0.1', port: 18_830 } }),
    sparkplug: z
      .object({
        /** Store-and-forward bounds: the oldest stored DATA is dropped beyond either. */
        storeMaxBytes: z.number().int().min(1024).default(16 * 1024 * 1024),
        storeMaxAgeSeconds: z.number().int().min(1).default(7 * 24 * 3600),
        replayPerSecond: z.number().min(1).max(10_000).default(50),
        dataBatchMs: z.number().int().min(0).max(10_000).default(50),
        rebirthDebounceMs: z.number().int().min(0).max(60_000).default(2000),
        sampleSeconds: z.number().min(0.1).max(3600).default(10),
      })
      .strict()
      .default({ storeMaxBytes: 16 * 1024 * 1024, storeMaxAgeSeconds: 7 * 24 * 3600, replayPerSecond: 50, dataBatchMs: 50, rebirthDebounceMs: 2000, sampleSeconds: 10 }),
    captures: z
      .object({
        /** The booth's Ed25519 signing key (PKCS8 PEM); relative to the manifest's folder. */
        boothKeyFile: z.string().min(1),
        /** The central side's X25519 public key (SPKI PEM) every package is encrypted to. */
        centralPublicKeyFile: z.string().min(1),
        maxChunkBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(131_072),
        maxInFlightBytes: z.number().int().min(1024).default(1024 * 1024),
        ackTimeoutSeconds: z.number().min(1).max(3600).default(30),
        /** The share of the centre's uplink captures may take; unset: as fast as the link allows. */
        maxBytesPerSecond: z.number().int().min(1024).optional(),
        /** MQTT version of the capture connection; 4 with the embedded broker (it speaks no 5). */
        mqttProtocolVersion: z.union([z.literal(4), z.literal(5)]).optional(),
      })
      .strict()
      .optional(),
    /** Signed remote commands (docs/sparkplug.md, "Signed commands"). */
    commands: z
      .object({
        /**
         * The central side's Ed25519 command-signing public key (SPKI PEM), relative to the
         * manifest's folder. Absent: every state-changing command is refused (unlock and rebirth
         * still work).
         */
        centralPublicKeyFile: z.string().min(1).optional(),
        /** Clock difference tolerated between the central side and the booth. */
        clockSkewSeconds: z.number().min(0).max(60).default(10),
      })
      .strict()
      .default({ clockSkewSeconds: 10 }),
    /** The enrolment session (docs/session.md); absent: this booth runs no sessions (a test rig, a kiosk-less booth). */
    session: sessionConfigSchema.optional(),
    outbox: z
      .object({
        maxBytes: z.number().int().min(1024 * 1024).default(2 * 1024 ** 3),
        maxAgeHours: z.number().min(0.01).default(72),
      })
      .strict()
      .default({ maxBytes: 2 * 1024 ** 3, maxAgeHours: 72 }),
    /** The local kiosk API the touchscreen uses (docs/kiosk-api.md). Loopback only. */
    kiosk: z
      .object({
        host: z.string().refine(isLoopbackAddress, LOOPBACK_ONLY_MESSAGE).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(18_880),
        /** The touchscreen application; relative to the manifest's folder. Absent: the installation's kiosk/ui. */
        uiDir: z.string().min(1).optional(),
        maxClients: z.number().int().min(1).max(64).default(4),
        previewsPerSecond: z.number().min(1).max(60).default(10),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 18_880, maxClients: 4, previewsPerSecond: 10 }),
    door: z
      .object({
        maxLockSeconds: z.number().int().min(1).max(3600).default(600),
        /** A lock command not confirmed within this gets the door released again. */
        lockTimeoutMs: z.number().int().min(100).max(30_000).default(2000),
      })
      .strict()
      .default({ maxLockSeconds: 600, lockTimeoutMs: 2000 }),
    /** The hash-chained audit log (docs/audit.md): rotation size and how many files are kept. */
    audit: z
      .object({
        maxFileBytes: z.number().int().min(4096).max(1024 ** 3).default(4 * 1024 * 1024),
        /** Files kept, the current one included; the oldest beyond are deleted (recorded in the chain). */
        maxFiles: z.number().int().min(2).max(10_000).default(8),
      })
      .strict()
      .default({ maxFileBytes: 4 * 1024 * 1024, maxFiles: 8 }),
    supervisor: z
      .object({
        retryInitialMs: z.number().int().min(10).default(500),
        retryMaxMs: z.number().int().min(10).default(30_000),
        retryJitter: z.number().min(0).max(1).default(0.3),
        /** A component failing for longer than this stops the systemd watchdog pings, so systemd restarts boothd. */
        faultGraceSeconds: z.number().min(0.1).max(3600).default(120),
      })
      .strict()
      .default({ retryInitialMs: 500, retryMaxMs: 30_000, retryJitter: 0.3, faultGraceSeconds: 120 }),
    /** The spoken prompts (docs/voice.md): where the sound goes, where the generated files are. */
    audio: z
      .object({
        /** `null` plays nothing (no speaker, the simulated booth); `command` runs `command` + file per prompt. */
        output: z.enum(['null', 'command']).default('null'),
        command: z.array(z.string().min(1)).min(1, 'expected the player program and its arguments').default(['aplay', '-q']),
        /**
         * The folder `make voice` wrote (index.json + <lang>/*.wav), relative to the manifest's
         * folder. Absent: build/voice of the runtime's own folder (see runtime/audio/audio-settings.ts).
         */
        voiceDir: z.string().min(1).optional(),
      })
      .strict()
      .default({ output: 'null', command: ['aplay', '-q'] }),
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

/** Whether boothd runs its own broker: the manifest names no central one (`mqtt.url` or `mqtt.urls`). */
export function usesEmbeddedBroker(mqtt: BoothConfig['mqtt']): boolean {
  return mqtt.url === undefined && mqtt.urls === undefined;
}
