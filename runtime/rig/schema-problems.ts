/**
 * Zod issues as the problems a scenario author reads: `steps[3].expect.within: …`, one per
 * unknown key (named in the path, so a typo points at itself), file and path always given.
 */
import type { z } from 'zod';
import { formatKeyPath } from '../config/errors.ts';

export interface SchemaProblem {
  file: string;
  /** `steps[3].person`, or `(top level)`. */
  path: string;
  message: string;
}

export interface RawIssue {
  path: PropertyKey[];
  message: string;
}

/** Unknown keys become one issue each, at the key's own path. */
export function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): RawIssue[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...prefix, ...issue.path, key], message: 'unknown key' }))
      : [{ path: [...prefix, ...issue.path], message: issue.message }],
  );
}

export function toProblems(file: string, issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): SchemaProblem[] {
  return flattenIssues(issues, prefix).map((issue) => ({ file, path: formatKeyPath(issue.path), message: issue.message }));
}

export function formatProblem(problem: SchemaProblem): string {
  return `${problem.file}: ${problem.path}: ${problem.message}`;
}
