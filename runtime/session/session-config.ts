/**
 * The manifest's `session` section: which steps this booth runs, the quality it demands, how
 * patient it is, and whether it locks the door. Defaults are the pilot booth's (docs/session.md).
 */
import { z } from 'zod';
import { LANGUAGES } from '../../protocols/kiosk/session-contract.ts';

const quality = z.number().int().min(0).max(100);
const seconds = (max: number) => z.number().min(0.1).max(max);

/** Per-finger minimums on the 0–100 NFIQ-style scale; the defaults follow BSI TR-03121 practice. */
const fingerQualitySchema = z
  .object({
    thumb: quality.default(30),
    index: quality.default(30),
    middle: quality.default(20),
    ring: quality.default(10),
    little: quality.default(10),
  })
  .strict();

const timeoutsSchema = z
  .object({
    /** Any state waiting for the person: after this without a touch, "are you still there?". */
    inactivitySeconds: seconds(3600).default(60),
    /** After the "still there?" prompt, this long without a touch abandons the session. */
    stillThereSeconds: seconds(600).default(20),
    /** Occupancy gone for this long during a session = the person left (the session is discarded). */
    leaveGraceSeconds: seconds(600).default(10),
    /** How long a capture waits for the hand, face or pen before asking again. */
    captureSeconds: seconds(600).default(45),
    /** An accepted capture stays on screen this long ("good, lift your hand") before the next one. */
    acceptedPauseSeconds: z.number().min(0).max(30).default(1.5),
    /** After a failed attempt, the next starts by itself after this (or at once on "retry"). */
    autoRetrySeconds: seconds(600).default(5),
    /** The goodbye/refused screen; then the booth is idle again (sooner when the person leaves). */
    goodbyeSeconds: seconds(600).default(20),
    /** A whole session longer than this escalates (someone is stuck). */
    sessionMinutes: z.number().min(1).max(240).default(20),
    /** An escalated session waits this long for an officer, then its data is discarded. */
    escalationHoldMinutes: z.number().min(1).max(24 * 60).default(30),
    /** Out of service: how often the devices are checked again. */
    recheckSeconds: seconds(3600).default(15),
  })
  .strict();

export const sessionConfigSchema = z
  .object({
    /** Lock the door while a session runs (never longer than door.maxLockSeconds). */
    lockDoor: z.boolean().default(true),
    /** Start when occupancy is detected (with an occupancy sensor), or only on the Start button. */
    startOnOccupancy: z.boolean().default(true),
    languages: z.array(z.enum(LANGUAGES)).min(1).default([...LANGUAGES]),
    /** The consent text's version, recorded with the answer (change it when the legal text changes). */
    consentVersion: z.string().min(1).max(64).default('2026-11'),
    /** The document step: none, passport MRZ or queue ticket barcode; `allowSkip` lets the person continue without. */
    document: z
      .object({ read: z.enum(['none', 'mrz', 'barcode']).default('none'), allowSkip: z.boolean().default(true) })
      .strict()
      .default({ read: 'none', allowSkip: true }),
    fingerprints: z.boolean().default(true),
    palms: z.array(z.enum(['right-full', 'left-full', 'right-writer', 'left-writer'])).default(['right-full', 'left-full']),
    face: z.boolean().default(true),
    signature: z.boolean().default(true),
    maxAttempts: z.number().int().min(1).max(10).default(3),
    quality: z
      .object({
        fingers: fingerQualitySchema.default({ thumb: 30, index: 30, middle: 20, ring: 10, little: 10 }),
        palm: quality.default(30),
        /** Liveness is required for prints unless switched off (a scanner without it passes). */
        requireLiveness: z.boolean().default(true),
      })
      .strict()
      .default({ fingers: { thumb: 30, index: 30, middle: 20, ring: 10, little: 10 }, palm: 30, requireLiveness: true }),
    portrait: z
      .object({ minWidth: z.number().int().min(1).default(1200), minHeight: z.number().int().min(1).default(1600) })
      .strict()
      .default({ minWidth: 1200, minHeight: 1600 }),
    timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
  })
  .strict();

export type SessionConfig = z.infer<typeof sessionConfigSchema>;

/** A session section with every default, for booths whose manifest has none and for tests. */
export function defaultSessionConfig(overrides: Record<string, unknown> = {}): SessionConfig {
  return sessionConfigSchema.parse(overrides);
}
