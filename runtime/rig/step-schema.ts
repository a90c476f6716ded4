/**
 * What a scenario can make happen: the person in the booth, the devices, the infrastructure
 * around it, the officer. Each step kind is a word or a one-key mapping (keyed-choice.ts);
 * docs/booth-rig.md describes what each one does on the rig.
 */
import { z } from 'zod';
import { LANGUAGES } from '../../protocols/kiosk/session-contract.ts';
import { keyedChoice } from './keyed-choice.ts';

const finger = z.number().int().min(1).max(10);
const deviceId = z.string().min(1);

export const PERSON_WORDS = [
  'enter',
  'leave',
  'press-exit',
  'start',
  'touch',
  'cancel',
  'help',
  'retry',
  'confirm',
  'accept-consent',
  'decline-consent',
  'skip-document',
  'clear-signature',
] as const;

export const FACE_SUBJECTS = ['present', 'absent', 'eyes-closed', 'turned', 'badly-lit', 'ok'] as const;
export type FaceSubject = (typeof FACE_SUBJECTS)[number];

export const personSchema = keyedChoice('person action', PERSON_WORDS, {
  'choose-language': z.enum(LANGUAGES),
  'declare-missing': z
    .array(z.object({ finger, reason: z.enum(['amputated', 'bandaged', 'unable-to-print']) }).strict())
    .max(10)
    .refine((fingers) => new Set(fingers.map((entry) => entry.finger)).size === fingers.length, 'a finger is declared twice'),
  'finger-quality': z.number().int().min(0).max(100),
  'wrong-hand': z.boolean(),
  'fingers-missing': z.array(finger).max(10),
  face: z.enum(FACE_SUBJECTS),
  passport: z.array(z.string().min(1)).min(1),
});
export type PersonStep = z.output<typeof personSchema>;

export const DEVICE_ERROR_CODES = ['ETIMEDOUT', 'EIO', 'EBADMSG', 'ENODEV', 'EBUSY'] as const;

export const deviceSchema = keyedChoice('device fault', [], {
  unplug: deviceId,
  replug: deviceId,
  hang: deviceId,
  'fail-next': z.object({ device: deviceId, code: z.enum(DEVICE_ERROR_CODES) }).strict(),
  slow: z.object({ device: deviceId, latencyMs: z.number().int().min(0).max(60_000) }).strict(),
  'jam-bolt': z.boolean(),
  'force-door': z.literal(true),
});
export type DeviceStep = z.output<typeof deviceSchema>;

export const INFRA_WORDS = ['broker-down', 'broker-up', 'power-cut', 'power-on', 'fire-alarm-on', 'fire-alarm-off'] as const;

export const infraSchema = keyedChoice('infrastructure event', INFRA_WORDS, {
  'network-stall': z.object({ seconds: z.number().positive().max(600) }).strict(),
  'disk-full': z.boolean(),
  'clock-jump': z
    .object({ seconds: z.number().int().min(-10 * 365 * 86_400).max(10 * 365 * 86_400).refine((seconds) => seconds !== 0, 'a jump of 0 s does nothing') })
    .strict(),
});
export type InfraStep = z.output<typeof infraSchema>;

export const officerSchema = z.enum(['resume', 'commit', 'discard']);
export type OfficerStep = z.output<typeof officerSchema>;

/** A pause in milliseconds (an hour at most), for the booth's own timeouts to run. */
export const waitSchema = z.number().int().min(0).max(3_600_000);
