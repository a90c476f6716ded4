/**
 * Patterns in scenario files: `/regex/flags` written as a YAML string. Only the flags that keep a
 * RegExp stateless are accepted (`g` and `y` would make `test` remember where it stopped).
 */
import { z } from 'zod';

const LITERAL = /^\/(.+)\/([imsu]*)$/s;

export type TextMatch = RegExp | string;

function compile(text: string): RegExp | { problem: string } {
  const literal = LITERAL.exec(text);
  if (!literal) return { problem: `expected a /regex/ (optionally with flags i, m, s, u); got ${JSON.stringify(text)}` };
  try {
    return new RegExp(literal[1]!, literal[2]);
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/** `/regex/` only. */
export const regexSchema = z.string().transform((text, context): RegExp => {
  const compiled = compile(text);
  if (compiled instanceof RegExp) return compiled;
  context.addIssue({ code: 'custom', message: compiled.problem, input: text });
  return z.NEVER;
});

/** `/regex/`, or a plain string that must match exactly. */
export const textOrRegexSchema = z.string().transform((text, context): TextMatch => {
  if (!text.startsWith('/')) return text;
  const compiled = compile(text);
  if (compiled instanceof RegExp) return compiled;
  context.addIssue({ code: 'custom', message: compiled.problem, input: text });
  return z.NEVER;
});

export function matchesText(pattern: TextMatch, text: string): boolean {
  return typeof pattern === 'string' ? pattern === text : pattern.test(text);
}

export function showPattern(pattern: TextMatch): string {
  return typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern);
}
