/**
 * The shape most scenario steps take in YAML: either a bare word (`person: enter`) or a mapping
 * with exactly one key whose value that key's schema checks (`person: { finger-quality: 20 }`).
 * A zod union would answer a typo with a bare "Invalid input"; this names the word or key that
 * was wrong and lists what is allowed, at the path of the offending value.
 */
import { z } from 'zod';
import { flattenIssues } from './schema-problems.ts';

/** The parsed value: the bare word, or `{ key: value }` with the key's own output type. */
export type KeyedChoiceOutput<W extends string, K extends Record<string, z.ZodType>> =
  | W
  | { [P in keyof K & string]: { [Q in P]: z.output<K[P]> } }[keyof K & string];

export function keyedChoice<W extends string, K extends Record<string, z.ZodType>>(
  what: string,
  words: readonly W[],
  keyed: K,
): z.ZodType<KeyedChoiceOutput<W, K>> {
  const keys = Object.keys(keyed);
  const expected = [
    words.length > 0 ? `one of ${words.join(', ')}` : '',
    keys.length > 0 ? `a mapping with one of ${keys.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', or ');
  return z.unknown().transform((value, context): KeyedChoiceOutput<W, K> => {
    const fail = (message: string, path: PropertyKey[] = []): never => {
      context.addIssue({ code: 'custom', message, path, input: value });
      return z.NEVER as never;
    };
    if (typeof value === 'string') {
      if ((words as readonly string[]).includes(value)) return value as W;
      const needsValue = keys.includes(value) ? ` ("${value}" needs a value: { ${value}: … })` : '';
      return fail(`unknown ${what} "${value}"${needsValue}; expected ${expected}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`expected ${expected}`);
    const given = Object.keys(value);
    if (given.length !== 1) return fail(`expected exactly one key, got ${given.length === 0 ? 'none' : given.join(', ')}; expected ${expected}`);
    const key = given[0]!;
    const schema = keyed[key];
    if (!schema) return fail(`unknown ${what} "${key}"; expected ${expected}`, [key]);
    const parsed = schema.safeParse((value as Record<string, unknown>)[key]);
    if (!parsed.success) {
      for (const issue of flattenIssues(parsed.error.issues, [key])) context.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
      return z.NEVER as never;
    }
    return { [key]: parsed.data } as KeyedChoiceOutput<W, K>;
  });
}

/** Exactly one of `keys` present in an object: for steps and for the checks of an `expect`. */
export function exactlyOneOf<K extends string>(object: Record<string, unknown>, keys: readonly K[]): K | { problem: string } {
  const present = keys.filter((key) => object[key] !== undefined);
  if (present.length === 1) return present[0]!;
  return { problem: present.length === 0 ? `expected one of ${keys.join(', ')}` : `expected only one of ${keys.join(', ')}; got ${present.join(', ')}` };
}
