/**
 * Reads scenario files and checks them against the schema, all of them before anything runs:
 * a run with one bad file reports every problem of every file and starts nothing (exit 2).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { scenarioSchema, type Scenario } from './scenario-schema.ts';
import { toProblems, type SchemaProblem } from './schema-problems.ts';

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

export type ScenarioLoad = { ok: true; loaded: LoadedScenario } | { ok: false; problems: SchemaProblem[] };

export function loadScenarioFile(file: string): ScenarioLoad {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, problems: [{ file, path: '(file)', message: `cannot read: ${(error as Error).message}` }] };
  }
  return parseScenario(text, file);
}

export function parseScenario(text: string, file: string): ScenarioLoad {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const at = error.linePos?.[0];
        return { file, path: at ? `line ${at.line}, column ${at.col}` : '(file)', message: `YAML syntax error: ${error.message.split('\n')[0]}` };
      }),
    };
  }
  const parsed = scenarioSchema.safeParse(document.toJS());
  if (!parsed.success) return { ok: false, problems: toProblems(file, parsed.error.issues) };
  return { ok: true, loaded: { file, scenario: parsed.data } };
}

/** Every file loaded, or every problem found in any of them. */
export function loadScenarioFiles(files: readonly string[]): { ok: true; scenarios: LoadedScenario[] } | { ok: false; problems: SchemaProblem[] } {
  const results = files.map(loadScenarioFile);
  const problems = results.flatMap((result) => (result.ok ? [] : result.problems));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, scenarios: results.map((result) => (result as { ok: true; loaded: LoadedScenario }).loaded) };
}
