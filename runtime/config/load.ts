/**
 * Reads and checks a booth manifest: YAML syntax, the schema, environment overrides, and each
 * device's `props` against the schema of the driver its `compatible` names. Everything wrong is
 * reported at once, with the file and key path, before boothd touches any hardware.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { secretFileProblems } from './secret-files.ts';
import { isMap, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { DeviceEntry } from './schema.ts';
import { boothConfigSchema, type BoothConfig } from './schema.ts';
import { ConfigError, formatKeyPath } from './errors.ts';
import type { DriverEntry, DriverRegistry } from '../devices/registry.ts';

/**
 * Environment variables that override manifest keys, for deployment and tests. BOOTH_MQTT_URL
 * may carry a comma-separated list: then it sets `mqtt.urls` (see applyEnvOverrides).
 */
export const ENV_OVERRIDES = {
  BOOTH_ID: ['booth', 'id'],
  BOOTH_MQTT_URL: ['mqtt', 'url'],
  BOOTH_STATE_DIR: ['stateDir'],
  BOOTH_LOG_LEVEL: ['log', 'level'],
  BOOTH_PRIMARY_HOST: ['mqtt', 'primaryHost'],
} as const satisfies Record<string, readonly string[]>;

export interface ResolvedDevice {
  entry: DeviceEntry;
  driver: DriverEntry;
  props: unknown;
}

export interface LoadedConfig {
  file: string;
  config: BoothConfig;
  devices: ResolvedDevice[];
  /** SHA-256 (hex) of the manifest's text as read: what `config.loaded` puts in the audit log. */
  sha256: string;
  /** The environment variables that overrode manifest keys (names only: values may be secret). */
  overrides: string[];
}

export interface LoadOptions {
  registry: DriverRegistry;
  env?: Record<string, string | undefined>;
}

export function loadConfigFile(file: string, options: LoadOptions): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseConfig(text, file, options);
}

export function parseConfig(text: string, file: string, options: LoadOptions): LoadedConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((error) => {
        const at = error.linePos?.[0];
        return `${at ? `line ${at.line}, column ${at.col}: ` : ''}YAML syntax error: ${error.message.split('\n')[0]}`;
      }),
    );
  }
  if (!isMap(document.contents)) throw new ConfigError(file, ['expected a YAML mapping at the top level']);

  const raw = document.toJS() as Record<string, unknown>;
  const overridden = applyEnvOverrides(raw, options.env ?? {});
  const parsed = boothConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, describeIssues(parsed.error.issues, [], overridden));

  const config = parsed.data;
  const env = options.env ?? {};
  // A relative stateDir in the file is relative to the file; one from the environment, to the caller.
  config.stateDir = resolve(env.BOOTH_STATE_DIR ? process.cwd() : dirname(resolve(file)), config.stateDir);
  if (config.captures) {
    // Key files, like stateDir, are relative to the manifest.
    config.captures.boothKeyFile = resolve(dirname(resolve(file)), config.captures.boothKeyFile);
    config.captures.centralPublicKeyFile = resolve(dirname(resolve(file)), config.captures.centralPublicKeyFile);
  }
  if (config.commands.centralPublicKeyFile) {
    config.commands.centralPublicKeyFile = resolve(dirname(resolve(file)), config.commands.centralPublicKeyFile);
  }
  if (config.kiosk.uiDir) {
    config.kiosk.uiDir = resolve(dirname(resolve(file)), config.kiosk.uiDir);
  }
  const secretProblems = secretFileProblems(config);
  if (secretProblems.length > 0) throw new ConfigError(file, secretProblems);
  const devices = resolveDevices(config, options.registry, file);
  return { file, config, devices, sha256: createHash('sha256').update(text).digest('hex'), overrides: [...new Set(overridden.values())] };
}

function resolveDevices(config: BoothConfig, registry: DriverRegistry, file: string): ResolvedDevice[] {
  const problems: string[] = [];
  const devices: ResolvedDevice[] = [];
  config.devices.forEach((entry, index) => {
    const at = `devices[${index}]`;
    const driver = registry.get(entry.compatible);
    if (!driver) {
      problems.push(
        `${at}.compatible: unknown compatible "${entry.compatible}"; expected one of: ${registry.compatibles.join(', ')}`,
      );
      return;
    }
    if (!driver.buses.includes(entry.bus.type)) {
      problems.push(`${at}.bus.type: "${entry.compatible}" cannot sit on a "${entry.bus.type}" bus; expected ${driver.buses.join(' or ')}`);
      return;
    }
    const props = driver.props.safeParse(entry.props);
    if (!props.success) {
      problems.push(...describeIssues(props.error.issues, ['devices', index, 'props'], new Map()));
      return;
    }
    devices.push({ entry, driver, props: props.data });
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return devices;
}

function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[],
  overridden: ReadonlyMap<string, string>,
): string[] {
  return issues.map((issue) => {
    const path = formatKeyPath([...prefix, ...issue.path]);
    const source = overridden.get(path);
    return `${path}${source ? ` (from ${source})` : ''}: ${issue.message}`;
  });
}

/** Writes each set override variable into the raw manifest; returns key path → variable name. */
function applyEnvOverrides(raw: Record<string, unknown>, env: Record<string, string | undefined>): Map<string, string> {
  const applied = new Map<string, string>();
  for (const [variable, path] of Object.entries(ENV_OVERRIDES)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    if (variable === 'BOOTH_MQTT_URL') {
      overrideBrokers(raw, value, applied);
      continue;
    }
    let node: Record<string, unknown> = raw;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
    applied.set(formatKeyPath(path), variable);
  }
  return applied;
}

/**
 * BOOTH_MQTT_URL replaces the manifest's brokers, whichever way it names them: one URL sets
 * `mqtt.url`, a comma-separated list `mqtt.urls` (so it never clashes with the manifest's own).
 */
function overrideBrokers(raw: Record<string, unknown>, value: string, applied: Map<string, string>): void {
  if (typeof raw.mqtt !== 'object' || raw.mqtt === null) raw.mqtt = {};
  const mqtt = raw.mqtt as Record<string, unknown>;
  delete mqtt.url;
  delete mqtt.urls;
  const urls = value.split(',').map((url) => url.trim());
  if (urls.length === 1) {
    mqtt.url = value;
    applied.set(formatKeyPath(['mqtt', 'url']), 'BOOTH_MQTT_URL');
    return;
  }
  mqtt.urls = urls;
  applied.set(formatKeyPath(['mqtt', 'urls']), 'BOOTH_MQTT_URL');
  urls.forEach((_, index) => applied.set(formatKeyPath(['mqtt', 'urls', index]), 'BOOTH_MQTT_URL'));
}
