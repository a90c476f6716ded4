/**
 * A scenario file: a name, the booth's manifest overrides, and the steps played in order. Every
 * step is a mapping with exactly one key naming its kind; the result is a tagged `Step` so the
 * player switches on `kind`. docs/booth-rig.md is the author's reference for all of it.
 */
import { z } from 'zod';
import { boothConfigSchema } from '../config/schema.ts';
import { sessionConfigSchema } from '../session/session-config.ts';
import { expectSchema, type ExpectStep } from './expect-schema.ts';
import { exactlyOneOf } from './keyed-choice.ts';
import { flattenIssues } from './schema-problems.ts';
import { deviceSchema, infraSchema, officerSchema, personSchema, waitSchema, type DeviceStep, type InfraStep, type OfficerStep, type PersonStep } from './step-schema.ts';

export type Step =
  | { kind: 'person'; person: PersonStep }
  | { kind: 'device'; device: DeviceStep }
  | { kind: 'infra'; infra: InfraStep }
  | { kind: 'officer'; officer: OfficerStep }
  | { kind: 'wait'; ms: number }
  | { kind: 'expect'; expect: ExpectStep };

const STEP_KINDS = ['person', 'device', 'infra', 'officer', 'wait', 'expect'] as const;
const STEP_SCHEMAS = { person: personSchema, device: deviceSchema, infra: infraSchema, officer: officerSchema, wait: waitSchema, expect: expectSchema };

const stepSchema = z.unknown().transform((value, context): Step => {
  const fail = (message: string, path: PropertyKey[] = []): never => {
    context.addIssue({ code: 'custom', message, path, input: value });
    return z.NEVER as never;
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`expected a mapping with one of ${STEP_KINDS.join(', ')}`);
  const step = value as Record<string, unknown>;
  const unknown = Object.keys(step).filter((key) => !(STEP_KINDS as readonly string[]).includes(key));
  for (const key of unknown) fail(`unknown step kind; expected one of ${STEP_KINDS.join(', ')}`, [key]);
  if (unknown.length > 0) return z.NEVER as never;
  const kind = exactlyOneOf(step, STEP_KINDS);
  if (typeof kind !== 'string') return fail(kind.problem);
  const parsed = STEP_SCHEMAS[kind].safeParse(step[kind]);
  if (!parsed.success) {
    for (const issue of flattenIssues(parsed.error.issues, [kind])) context.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
    return z.NEVER as never;
  }
  switch (kind) {
    case 'wait':
      return { kind, ms: parsed.data as number };
    case 'person':
      return { kind, person: parsed.data as PersonStep };
    case 'device':
      return { kind, device: parsed.data as DeviceStep };
    case 'infra':
      return { kind, infra: parsed.data as InfraStep };
    case 'officer':
      return { kind, officer: parsed.data as OfficerStep };
    case 'expect':
      return { kind, expect: parsed.data as ExpectStep };
  }
});

/**
 * Manifest overrides are checked against boothd's own schemas here, so a misspelt timeout is a
 * problem in the scenario file (exit 2) rather than a boothd that will not start mid-run.
 * The raw mapping is kept: the manifest builder merges it over the rig's manifest.
 */
const boothOverridesSchema = z
  .object({
    session: z.record(z.string(), z.unknown()).optional(),
    door: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((overrides, context) => {
    const check = (key: 'session' | 'door', schema: z.ZodType) => {
      if (overrides[key] === undefined) return;
      const parsed = schema.safeParse(overrides[key]);
      if (parsed.success) return;
      for (const issue of flattenIssues(parsed.error.issues, [key])) context.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: overrides });
    };
    check('session', sessionConfigSchema);
    check('door', boothConfigSchema.shape.door);
  });

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    tags: z.array(z.string().min(1)).default([]),
    timeoutSeconds: z.number().positive().max(24 * 3600).default(180),
    booth: boothOverridesSchema.optional(),
    steps: z.array(stepSchema).min(1, 'a scenario needs at least one step'),
  })
  .strict();

export type Scenario = z.output<typeof scenarioSchema>;
export type BoothOverrides = NonNullable<Scenario['booth']>;
