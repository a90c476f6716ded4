/**
 * Prints the node_modules folders the runtime needs, one per line, relative to the project:
 * package.json's dependencies and, recursively, theirs (optional ones only when installed),
 * found the way Node's resolver finds them (the nearest node_modules upwards). The .deb ships
 * exactly these, never devDependencies such as TypeScript.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));

function manifest(folder: string): Manifest {
  return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Manifest;
}

/** The folder `name` resolves to from a package in `from`, or undefined when not installed. */
function locate(name: string, from: string): string | undefined {
  for (let folder = from; ; folder = dirname(folder)) {
    const candidate = join(folder, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (folder === root || dirname(folder) === folder) return undefined;
  }
}

const found = new Set<string>();
function visit(folder: string, isRoot: boolean): void {
  const { dependencies = {}, optionalDependencies = {} } = manifest(folder);
  for (const [names, optional] of [[Object.keys(dependencies), false], [Object.keys(optionalDependencies), true]] as const) {
    for (const name of names) {
      const location = locate(name, folder);
      if (!location) {
        if (optional) continue; // another platform's prebuild, say
        throw new Error(`${name} (needed by ${isRoot ? 'package.json' : relative(root, folder)}) is not installed; run npm ci`);
      }
      if (found.has(location)) continue;
      found.add(location);
      visit(location, false);
    }
  }
}

visit(root, true);
for (const folder of [...found].map((location) => relative(root, location)).sort()) process.stdout.write(`${folder}\n`);
