/**
 * The rig manifest (`--rig RIG.yaml`): which boothd to run and on what booth. Without one the rig
 * runs this installation's bin/boothd on every simulated device.
 *
 *   boothd: PATH           the boothd launcher (default: bin/boothd next to this runtime)
 *   booth: { id, group }   the booth's Sparkplug ids (default rig-booth / booth-rig)
 *   devices: sim           every simulated device class (the default); `wire`: the template's REAL
 *                          drivers against the wire-level twins the rig starts (PTY pairs, the
 *                          simulated vendor SDK); or a list of manifest device entries
 *                          ({ id, compatible, bus?, props? }) used instead
 *   manifest: FILE         a boothd manifest used as the template: its devices (unless `devices`
 *                          is a list), session, door, outbox, captures tuning, … are kept (with
 *                          `devices: wire` it defaults to config/booth.example.yaml); the rig
 *                          always sets stateDir, mqtt, kiosk.port, the capture keys and log level
 *
 * Relative paths are relative to RIG.yaml.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { deviceSchema } from '../config/schema.ts';
import { toProblems, type SchemaProblem } from './schema-problems.ts';

export const RUNTIME_ROOT = resolve(import.meta.dirname, '..', '..');

const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected 1–64 letters, digits, "_", "." or "-"');

const rigSchema = z
  .object({
    boothd: z.string().min(1).optional(),
    booth: z.object({ id: identifier.default('rig-booth'), group: identifier.default('booth-rig') }).strict().optional(),
    devices: z
      .union([z.literal('sim'), z.literal('wire'), z.array(deviceSchema).min(1)], { error: 'expected `sim`, `wire` or a list of device entries ({ id, compatible, bus?, props? })' })
      .optional(),
    manifest: z.string().min(1).optional(),
  })
  .strict();

export interface RigConfig {
  /** Absolute path of the boothd launcher. */
  boothd: string;
  /** Explicit booth ids, or undefined to take the template's (else the defaults). */
  booth?: { id: string; group: string };
  /**
   * `sim`, `wire` (the template's real drivers against wire-level twins), an explicit device list,
   * or undefined: the template's devices, else `sim`.
   */
  devices?: 'sim' | 'wire' | Array<z.input<typeof deviceSchema>>;
  /** Absolute path of the manifest template. */
  manifest?: string;
}

/** The template of `devices: wire` when RIG.yaml names none: the reference booth on its real drivers. */
export const WIRE_TEMPLATE = join(RUNTIME_ROOT, 'config', 'booth.example.yaml');

export function defaultRigConfig(): RigConfig {
  return { boothd: join(RUNTIME_ROOT, 'bin', 'boothd') };
}

export function loadRigConfig(file: string): { ok: true; config: RigConfig } | { ok: false; problems: SchemaProblem[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, problems: [{ file, path: '(file)', message: `cannot read: ${(error as Error).message}` }] };
  }
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    return { ok: false, problems: document.errors.map((error) => ({ file, path: '(file)', message: `YAML syntax error: ${error.message.split('\n')[0]}` })) };
  }
  const parsed = rigSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) return { ok: false, problems: toProblems(file, parsed.error.issues) };
  const base = dirname(resolve(file));
  const { boothd, booth, devices, manifest } = parsed.data;
  return {
    ok: true,
    config: {
      boothd: boothd ? resolve(base, boothd) : defaultRigConfig().boothd,
      ...(booth ? { booth } : {}),
      ...(devices ? { devices } : {}),
      ...(manifest ? { manifest: resolve(base, manifest) } : {}),
    },
  };
}
