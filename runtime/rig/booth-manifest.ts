/**
 * The boothd manifest of one scenario: the rig's booth (all simulated devices, or the template
 * RIG.yaml names) wired to the rig's broker, keys and state dir, with the scenario's session and
 * door overrides merged over it. The rig owns the keys that decide where data goes (stateDir,
 * mqtt, kiosk port, capture keys), so a template cannot point a test run at a real broker.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { RigConfig } from './rig-config.ts';
import type { BoothOverrides } from './scenario-schema.ts';

type Mapping = Record<string, unknown>;

/** Every simulated device class, quick enough for a scenario to run in seconds. */
export const SIM_DEVICES: readonly Mapping[] = [
  { id: 'door', compatible: 'sim,door-lock', props: { latencyMs: 10 } },
  { id: 'lights', compatible: 'sim,lighting' },
  { id: 'sensors', compatible: 'sim,sensors' },
  { id: 'scanner', compatible: 'sim,fingerprint', props: { placeDelayMs: 200 } },
  { id: 'camera', compatible: 'sim,camera' },
  { id: 'pad', compatible: 'sim,signature-pad', props: { signingMs: 500 } },
  { id: 'passport', compatible: 'sim,document-reader' },
];

export interface ManifestWiring {
  stateDir: string;
  brokerUrl: string;
  primaryHost: string;
  boothKeyFile: string;
  centralPublicKeyFile: string;
  /**
   * Where simulated hardware keeps its physical state (the lock's bolt). Outside the state dir,
   * as the real relay is outside the PC's disk: a full or lost state disk must not jam the lock.
   */
  hardwareDir: string;
}

export interface BoothManifest {
  manifest: Mapping;
  boothId: string;
  group: string;
  /** The simulated lock's state file (its physical bolt), when the door is simulated. */
  lockStateFile?: string;
  /** `sim` or the device ids with their compatibles, for the report header. */
  devicesLabel: string;
}

/** A template already read (the wire booth's derived manifest), and the folder its relative paths are relative to. */
export interface ReadTemplate {
  mapping: Mapping;
  dir: string;
}

/**
 * `template`: the template as already read and rewritten (`devices: wire`: the manifest with its
 * serial paths on the twins' PTYs and the simulated SDK); else RIG.yaml's `manifest` is read here.
 */
export function buildBoothManifest(rig: RigConfig, overrides: BoothOverrides | undefined, wiring: ManifestWiring, read?: ReadTemplate): BoothManifest {
  const template = read?.mapping ?? (rig.manifest ? readTemplate(rig.manifest) : {});
  const templateDir = read?.dir ?? (rig.manifest ? dirname(rig.manifest) : undefined);
  const devices =
    rig.devices === undefined || rig.devices === 'wire' ? ((template.devices as Mapping[] | undefined) ?? SIM_DEVICES) : rig.devices === 'sim' ? SIM_DEVICES : rig.devices;
  const templateBooth = (template.booth ?? {}) as Mapping;
  const booth = rig.booth ?? { id: String(templateBooth.id ?? 'rig-booth'), group: String(templateBooth.group ?? 'booth-rig') };
  const section = (key: string): Mapping => ({ ...((template[key] as Mapping | undefined) ?? {}) });

  const manifest: Mapping = {
    ...template,
    booth,
    stateDir: wiring.stateDir,
    log: { level: 'debug' },
    mqtt: { url: wiring.brokerUrl, primaryHost: wiring.primaryHost },
    // A short ack timeout: after a broker outage chunks published before the rig's receiver has
    // re-subscribed are gone, and the booth only resends once the timeout passes (30 s by default).
    captures: { ackTimeoutSeconds: 5, ...section('captures'), boothKeyFile: wiring.boothKeyFile, centralPublicKeyFile: wiring.centralPublicKeyFile, mqttProtocolVersion: 5 },
    kiosk: { ...section('kiosk'), host: '127.0.0.1', port: 0 },
    session: deepMerge(section('session'), overrides?.session ?? {}),
    door: deepMerge(section('door'), overrides?.door ?? {}),
    devices: devices.map((device) => structuredClone(device)),
  };
  if (templateDir !== undefined) resolveTemplatePaths(manifest, templateDir);
  const lock = (manifest.devices as Mapping[]).find((device) => device.compatible === 'sim,door-lock');
  if (lock && (lock.props as Mapping | undefined)?.stateFile === undefined) {
    lock.props = { ...((lock.props as Mapping | undefined) ?? {}), stateFile: resolve(wiring.hardwareDir, `${String(lock.id)}.json`) };
  }
  const lockProps = (lock?.props ?? {}) as Mapping;
  return {
    manifest,
    boothId: booth.id,
    group: booth.group,
    ...(lock ? { lockStateFile: resolve(wiring.stateDir, String(lockProps.stateFile ?? `sim/${String(lock.id)}.json`)) } : {}),
    devicesLabel:
      devices === SIM_DEVICES
        ? 'sim'
        : `${rig.devices === 'wire' ? 'wire: ' : ''}${devices.map((device) => `${String(device.id)} (${String(device.compatible)})`).join(', ')}`,
  };
}

function readTemplate(file: string): Mapping {
  const parsed = parse(readFileSync(file, 'utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: a manifest template must be a YAML mapping`);
  return parsed as Mapping;
}

/** Mappings merge key by key; anything else (lists included) is replaced by the override. */
export function deepMerge(base: Mapping, override: Mapping): Mapping {
  const merged: Mapping = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] = isMapping(current) && isMapping(value) ? deepMerge(current, value) : structuredClone(value);
  }
  return merged;
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The derived manifest lives in the scenario's work dir, so the template's relative file paths
 * (relative to the template, as boothd reads them) are made absolute here.
 */
function resolveTemplatePaths(manifest: Mapping, base: string): void {
  const fix = (mapping: unknown, key: string) => {
    if (!isMapping(mapping)) return;
    const value = mapping[key];
    if (typeof value === 'string' && !isAbsolute(value)) mapping[key] = resolve(base, value);
  };
  fix(manifest.commands, 'centralPublicKeyFile');
  fix(manifest.kiosk, 'uiDir');
  fix(manifest.audio, 'voiceDir');
  for (const device of manifest.devices as Mapping[]) {
    fix(device.bus, 'library');
    fix(device.bus, 'path');
  }
}
