/**
 * `expect:` steps: one check (what the rig should observe) and how long to wait for it. The check
 * is rewritten into a tagged object, so the expectation code switches on `kind` instead of
 * probing which key a YAML mapping happened to have.
 */
import { z } from 'zod';
import { SESSION_RESULTS } from '../../protocols/capture/package-codec.ts';
import { LANGUAGES, SESSION_STATES, type SessionOutcome } from '../../protocols/kiosk/session-contract.ts';
import { exactlyOneOf } from './keyed-choice.ts';
import { regexSchema, textOrRegexSchema, type TextMatch } from './text-pattern.ts';

export const ENDED_OUTCOMES = ['completed', 'escalated', 'abandoned', 'refused', 'cancelled', 'fire-alarm'] as const satisfies readonly SessionOutcome[];

/** A JSON scalar a Sparkplug metric value is compared with. */
const jsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type JsonScalar = z.output<typeof jsonScalar>;

const auditFields = z
  .object({ event: z.string().min(1) })
  .catchall(z.union([z.string(), z.number(), z.boolean()]))
  .transform(({ event, ...fields }) => ({ event, fields: Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, String(value)])) }));

export const CHECK_KEYS = ['session', 'door', 'prompt', 'sparkplug', 'central', 'outbox', 'audit', 'escalation', 'log', 'ended'] as const;

const rawExpect = z
  .object({
    within: z.number().int().min(0).max(3_600_000).default(5000),
    session: z.enum(SESSION_STATES).optional(),
    /** Only alongside `session`: the snapshot's reason must match. */
    reason: regexSchema.optional(),
    door: z.enum(['locked', 'unlocked']).optional(),
    prompt: z.string().min(1).optional(),
    sparkplug: z.object({ metric: z.string().min(1), value: jsonScalar, device: z.string().min(1).optional() }).strict().optional(),
    central: z
      .object({ packages: z.number().int().min(0), result: z.enum(SESSION_RESULTS).optional(), language: z.enum(LANGUAGES).optional() })
      .strict()
      .optional(),
    outbox: z.object({ depth: z.number().int().min(0) }).strict().optional(),
    audit: auditFields.optional(),
    escalation: textOrRegexSchema.optional(),
    log: regexSchema.optional(),
    ended: z.enum(ENDED_OUTCOMES).optional(),
  })
  .strict();

export type ExpectCheck =
  | { kind: 'session'; state: (typeof SESSION_STATES)[number]; reason?: RegExp }
  | { kind: 'door'; bolt: 'locked' | 'unlocked' }
  | { kind: 'prompt'; key: string }
  | { kind: 'sparkplug'; metric: string; value: JsonScalar; device?: string }
  | { kind: 'central'; packages: number; result?: (typeof SESSION_RESULTS)[number]; language?: string }
  | { kind: 'outbox'; depth: number }
  | { kind: 'audit'; event: string; fields: Record<string, string> }
  | { kind: 'escalation'; reason: TextMatch }
  | { kind: 'log'; pattern: RegExp }
  | { kind: 'ended'; outcome: (typeof ENDED_OUTCOMES)[number] };

export interface ExpectStep {
  withinMs: number;
  check: ExpectCheck;
}

export const expectSchema = rawExpect.transform((raw, context): ExpectStep => {
  const key = exactlyOneOf(raw, CHECK_KEYS);
  if (typeof key !== 'string') {
    context.addIssue({ code: 'custom', message: key.problem, input: raw });
    return z.NEVER;
  }
  if (raw.reason !== undefined && key !== 'session') {
    context.addIssue({ code: 'custom', message: '`reason` goes only with `session`', path: ['reason'], input: raw });
    return z.NEVER;
  }
  return { withinMs: raw.within, check: toCheck(key, raw) };
});

function toCheck(key: (typeof CHECK_KEYS)[number], raw: z.output<typeof rawExpect>): ExpectCheck {
  switch (key) {
    case 'session':
      return { kind: 'session', state: raw.session!, ...(raw.reason ? { reason: raw.reason } : {}) };
    case 'door':
      return { kind: 'door', bolt: raw.door! };
    case 'prompt':
      return { kind: 'prompt', key: raw.prompt! };
    case 'sparkplug':
      return { kind: 'sparkplug', ...raw.sparkplug! };
    case 'central':
      return { kind: 'central', ...raw.central! };
    case 'outbox':
      return { kind: 'outbox', depth: raw.outbox!.depth };
    case 'audit':
      return { kind: 'audit', ...raw.audit! };
    case 'escalation':
      return { kind: 'escalation', reason: raw.escalation! };
    case 'log':
      return { kind: 'log', pattern: raw.log! };
    case 'ended':
      return { kind: 'ended', outcome: raw.ended! };
  }
}
