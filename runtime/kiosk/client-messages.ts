/**
 * What the touchscreen may send, checked strictly: a message is either exactly one of these or
 * an EBADMSG error that names the field at fault. Parsing never throws, so no frame a client
 * sends can crash the server or reach the session unchecked.
 */
import { z } from 'zod';
import { formatKeyPath } from '../config/errors.ts';
import { LANGUAGES, type PersonAction, type PersonActionName } from '../../protocols/kiosk/session-contract.ts';

const messageId = z.string().min(1, 'expected a string of 1–64 characters').max(64, 'expected a string of 1–64 characters');

const actionEnvelope = { type: z.literal('action'), id: messageId };

const missingFinger = z
  .object({
    position: z.number().int('expected a whole number 1–10').min(1, 'expected a finger position 1–10').max(10, 'expected a finger position 1–10'),
    reason: z.enum(['amputated', 'bandaged', 'unable-to-print']),
  })
  .strict();

const missingFingers = z
  .array(missingFinger)
  .max(10, 'at most 10 fingers')
  .superRefine((fingers, context) => {
    const seen = new Set<number>();
    fingers.forEach((finger, index) => {
      if (seen.has(finger.position)) {
        context.addIssue({ code: 'custom', path: [index, 'position'], message: `finger ${finger.position} is declared twice` });
      }
      seen.add(finger.position);
    });
  });

/** One strict schema per person action: its own fields plus the envelope, nothing else. */
const actionSchemas = {
  start: z.object({ ...actionEnvelope, action: z.literal('start') }).strict(),
  'choose-language': z.object({ ...actionEnvelope, action: z.literal('choose-language'), language: z.enum(LANGUAGES) }).strict(),
  'accept-consent': z.object({ ...actionEnvelope, action: z.literal('accept-consent') }).strict(),
  'decline-consent': z.object({ ...actionEnvelope, action: z.literal('decline-consent') }).strict(),
  'skip-document': z.object({ ...actionEnvelope, action: z.literal('skip-document') }).strict(),
  'declare-missing': z.object({ ...actionEnvelope, action: z.literal('declare-missing'), fingers: missingFingers }).strict(),
  retry: z.object({ ...actionEnvelope, action: z.literal('retry') }).strict(),
  'clear-signature': z.object({ ...actionEnvelope, action: z.literal('clear-signature') }).strict(),
  confirm: z.object({ ...actionEnvelope, action: z.literal('confirm') }).strict(),
  help: z.object({ ...actionEnvelope, action: z.literal('help') }).strict(),
  cancel: z.object({ ...actionEnvelope, action: z.literal('cancel') }).strict(),
  touch: z.object({ ...actionEnvelope, action: z.literal('touch') }).strict(),
} satisfies Record<PersonActionName, z.ZodType>;

// Compile-time proof that each schema yields exactly its PersonAction once the envelope is removed.
type ParsedAction<K extends PersonActionName> = Omit<z.infer<(typeof actionSchemas)[K]>, 'type' | 'id'>;
type SameAs<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchTheContract: { [K in PersonActionName]: SameAs<ParsedAction<K>, Extract<PersonAction, { action: K }>> } = {
  start: true,
  'choose-language': true,
  'accept-consent': true,
  'decline-consent': true,
  'skip-document': true,
  'declare-missing': true,
  retry: true,
  'clear-signature': true,
  confirm: true,
  help: true,
  cancel: true,
  touch: true,
};
void schemasMatchTheContract;

export const PERSON_ACTION_NAMES = Object.keys(actionSchemas) as PersonActionName[];

const helloSchema = z.object({ type: z.literal('hello'), protocol: z.string().min(1).max(64) }).strict();
const pingSchema = z.object({ type: z.literal('ping'), id: messageId }).strict();

const MESSAGE_TYPES = ['action', 'hello', 'ping'] as const;

export type ClientMessage =
  | { type: 'action'; id: string; action: PersonAction }
  | { type: 'hello'; protocol: string }
  | { type: 'ping'; id: string };

export type ParseResult =
  | { ok: true; message: ClientMessage }
  /** `id` is echoed when the message carried a usable one, so the client can match the error. */
  | { ok: false; message: string; id?: string };

/** How many zod issues one error message lists; the rest are counted. */
const MAX_ISSUES = 3;

export function parseClientMessage(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `malformed JSON: ${(error as Error).message}` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, message: `expected a JSON object, got ${describeJsonType(raw)}` };
  }
  const fields = raw as Record<string, unknown>;
  const id = messageId.safeParse(fields.id).success ? (fields.id as string) : undefined;
  const refuse = (message: string): ParseResult => (id === undefined ? { ok: false, message } : { ok: false, message, id });

  const type = fields.type;
  if (typeof type !== 'string') return refuse(`type: expected one of ${MESSAGE_TYPES.join(', ')}`);
  switch (type) {
    case 'action': {
      const name = fields.action;
      if (typeof name !== 'string' || !Object.hasOwn(actionSchemas, name)) {
        const got = typeof name === 'string' ? `unknown action ${JSON.stringify(name.slice(0, 64))}` : 'expected an action name';
        return refuse(`action: ${got}; expected one of ${PERSON_ACTION_NAMES.join(', ')}`);
      }
      const parsed = actionSchemas[name as PersonActionName].safeParse(fields);
      if (!parsed.success) return refuse(describeIssues(parsed.error.issues));
      const { type: _type, id: actionId, ...action } = parsed.data;
      return { ok: true, message: { type: 'action', id: actionId, action: action as PersonAction } };
    }
    case 'hello': {
      const parsed = helloSchema.safeParse(fields);
      return parsed.success ? { ok: true, message: parsed.data } : refuse(describeIssues(parsed.error.issues));
    }
    case 'ping': {
      const parsed = pingSchema.safeParse(fields);
      return parsed.success ? { ok: true, message: parsed.data } : refuse(describeIssues(parsed.error.issues));
    }
    default:
      return refuse(`type: unknown message type ${JSON.stringify(type.slice(0, 64))}; expected one of ${MESSAGE_TYPES.join(', ')}`);
  }
}

/** `fingers[1].reason: Invalid option: …`, the path as the client wrote it. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const described = issues.slice(0, MAX_ISSUES).map((issue) => `${formatKeyPath(issue.path)}: ${issue.message}`);
  if (issues.length > MAX_ISSUES) described.push(`and ${issues.length - MAX_ISSUES} more`);
  return described.join('; ');
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
