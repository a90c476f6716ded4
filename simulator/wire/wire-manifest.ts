/**
 * For `make run-wire`: reads a booth manifest on real drivers (config/booth.example.yaml), works
 * out which wire-level twin plays the hardware behind each serial path, and writes the manifest
 * boothd runs against the twins — the same file with the serial paths replaced by PTY driver
 * ends, the vendor SDK by the simulated one, its own state folder, the embedded broker and
 * local keys. It also reads the Firmata devices' pins back into the twin's booth wiring, so the
 * twin's contacts always sit on the pins the manifest names.
 *
 * The manifest is read as plain YAML: boothd checks it when it starts (exit 2 when wrong).
 */
import { basename } from 'node:path';
import { isMap, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { ARDUINO_MEGA, ARDUINO_UNO, type BoardProfile } from './firmata-board-profiles.ts';
import type { BoothWiring, WiredInput } from './firmata-booth-wiring.ts';

/** Which twin sits on the far end of a serial line. */
export type TwinKind = 'firmata' | 'signature-pad' | 'env-sensor' | 'dmx';

const TWIN_OF: Readonly<Record<string, TwinKind>> = {
  'firmata,door-lock': 'firmata',
  'firmata,sensors': 'firmata',
  'firmata,pwm-lighting': 'firmata',
  'booth,serial-signature-pad': 'signature-pad',
  'booth,serial-env-sensor': 'env-sensor',
  'enttec,dmx-usb-pro': 'dmx',
};

export interface WireDevice {
  id: string;
  compatible: string;
  bus: { type: string; path?: string; library?: string };
  /** As written in the manifest (no defaults applied). */
  props: Record<string, unknown>;
}

/** One serial path of the manifest and the twin that plays what hangs on it. */
export interface SerialLine {
  path: string;
  kind: TwinKind;
  /** A short file-name-safe name for its PTY folder ("booth-io"). */
  name: string;
  devices: WireDevice[];
}

export interface WirePlan {
  devices: WireDevice[];
  lines: SerialLine[];
}

/** Reads the devices of a manifest and checks that run-wire can play every one of them. */
export function planWireBooth(text: string, file: string): WirePlan {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
  const raw = document.toJS() as { devices?: unknown };
  if (!Array.isArray(raw.devices)) throw new Error(`${file}: no devices list`);
  const devices = raw.devices.map((entry: unknown, index: number): WireDevice => {
    const device = (entry ?? {}) as { id?: unknown; compatible?: unknown; bus?: WireDevice['bus']; props?: Record<string, unknown> };
    if (typeof device.id !== 'string' || typeof device.compatible !== 'string') throw new Error(`${file}: devices[${index}] needs an id and a compatible`);
    return { id: device.id, compatible: device.compatible, bus: device.bus ?? { type: 'sim' }, props: device.props ?? {} };
  });
  const lines = new Map<string, SerialLine>();
  const names = new Set<string>();
  for (const device of devices) {
    const where = `${file}: device ${device.id} (${device.compatible})`;
    switch (device.bus.type) {
      case 'sim':
        if (!device.compatible.startsWith('sim,')) throw new Error(`${where}: a non-simulated device on a sim bus`);
        break;
      case 'sdk':
        if (!device.compatible.startsWith('biosdk,')) throw new Error(`${where}: run-wire simulates only the BioSDK behind an sdk bus`);
        break;
      case 'serial': {
        const kind = TWIN_OF[device.compatible];
        if (!kind) throw new Error(`${where}: run-wire has no wire-level twin for this compatible`);
        const path = device.bus.path;
        if (!path) throw new Error(`${where}: a serial bus needs a path`);
        const line = lines.get(path);
        if (line && line.kind !== kind) throw new Error(`${where}: ${path} is already the ${line.kind} line of device ${line.devices[0]?.id}`);
        if (line) {
          line.devices.push(device);
          break;
        }
        const name = uniqueName(basename(path).replace(/[^A-Za-z0-9_.-]/g, '_') || kind, names);
        lines.set(path, { path, kind, name, devices: [device] });
        break;
      }
      default:
        throw new Error(`${where}: run-wire cannot simulate a ${device.bus.type} bus`);
    }
  }
  return { devices, lines: [...lines.values()] };
}

function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n += 1) candidate = `${name}-${n}`;
  taken.add(candidate);
  return candidate;
}

export interface DeriveOptions {
  /** The manifest it was derived from, for the header. */
  sourceName: string;
  /** Absolute paths from here on. */
  stateDir: string;
  keysDir: string;
  sdkLibrary: string;
  /** The PTY driver end that replaces each serial path of the manifest. */
  driverEnd: (path: string) => string;
  brokerPort: number;
  /** The Sparkplug primary host boothd waits for (the demo's simulated central side). */
  primaryHost: string;
}

/**
 * The manifest boothd runs under run-wire: the source's text and comments, with the paths of
 * this machine put in. Serial paths and the SDK library are replaced, everything else is kept.
 */
export function deriveWireManifest(text: string, options: DeriveOptions): string {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new Error(`${options.sourceName}: ${document.errors[0]?.message}`);
  document.commentBefore = [
    ` Derived by \`make run-wire\` (simulator/wire/run-wire.ts) from ${options.sourceName}; rewritten at`,
    ' every start. The booth on its real drivers, against wire-level simulators: serial paths are',
    ' socat PTY pairs with the twins on their other ends, the vendor SDK is the simulated one.',
  ].join('\n');
  document.setIn(['stateDir'], options.stateDir);
  document.deleteIn(['mqtt', 'url']);
  document.deleteIn(['mqtt', 'tls']);
  document.setIn(['mqtt', 'embeddedBroker'], flow(document, { port: options.brokerPort }));
  document.setIn(['mqtt', 'primaryHost'], options.primaryHost);
  document.setIn(['captures', 'boothKeyFile'], `${options.keysDir}/booth.key`);
  document.setIn(['captures', 'centralPublicKeyFile'], `${options.keysDir}/central.pub`);
  document.setIn(['commands', 'centralPublicKeyFile'], `${options.keysDir}/commands.pub`);
  const devices = document.get('devices');
  if (!isSeq(devices)) throw new Error(`${options.sourceName}: no devices list`);
  for (const item of devices.items) {
    if (!isMap(item)) continue;
    const bus = (item as YAMLMap).get('bus');
    if (!isMap(bus)) continue;
    const type = bus.get('type');
    if (type === 'serial') bus.set('path', options.driverEnd(String(bus.get('path'))));
    if (type === 'sdk') bus.set('library', options.sdkLibrary);
  }
  return document.toString({ lineWidth: 0 });
}

function flow(document: Document, value: object) {
  const node = document.createNode(value);
  node.flow = true;
  return node;
}

// ------------------------------------------------------------------ the Firmata board's wiring

type RawInput = { pin?: unknown; activeLow?: unknown };

/** The Uno unless a pin lies beyond it. */
export function boardProfileFor(devices: readonly WireDevice[]): BoardProfile {
  const pins = devices.flatMap((device) => pinsIn(device.props));
  const beyondUno = pins.some((pin) => (typeof pin === 'number' && pin >= ARDUINO_UNO.pinCount) || (typeof pin === 'string' && /^A([6-9]|\d\d)$/.test(pin)));
  return beyondUno ? ARDUINO_MEGA : ARDUINO_UNO;
}

function pinsIn(value: unknown): unknown[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => (key === 'pin' ? [item] : pinsIn(item)));
}

/** A Firmata pin of the manifest (7, "D7", "A2") as a pin number of the board. */
export function resolvePin(pin: unknown, profile: BoardProfile): number {
  if (typeof pin === 'number') return pin;
  const text = String(pin);
  const digital = /^D(\d+)$/.exec(text);
  if (digital) return Number(digital[1]);
  const analog = /^A(\d+)$/.exec(text);
  if (analog) {
    for (const [number, channel] of profile.analog) if (channel === Number(analog[1])) return number;
  }
  throw new Error(`pin ${text} does not exist on an ${profile.name}`);
}

/** What hangs on the board's pins, read from the props of the Firmata devices on one line. */
export function firmataWiring(devices: readonly WireDevice[], profile: BoardProfile): BoothWiring {
  const input = (raw: unknown): WiredInput | undefined => {
    const spec = raw as RawInput | undefined;
    return spec?.pin === undefined ? undefined : { pin: resolvePin(spec.pin, profile), activeLow: spec.activeLow === true };
  };
  const wiring: BoothWiring = {};
  const doorContacts: WiredInput[] = [];
  for (const device of devices) {
    const props = device.props;
    if (device.compatible === 'firmata,door-lock') {
      const relay = props.relay as RawInput | undefined;
      if (relay?.pin !== undefined) wiring.relay = { pin: resolvePin(relay.pin, profile), activeLow: relay.activeLow === true };
      wiring.boltSensor = input(props.boltSensor);
      const contact = input(props.doorContact);
      if (contact) doorContacts.push(contact);
    }
    if (device.compatible === 'firmata,sensors') {
      const inputs = (props.inputs ?? {}) as Record<string, unknown>;
      wiring.exitButton = input(inputs['exit-button']);
      wiring.fireAlarm = input(inputs['fire-alarm']);
      wiring.occupancy = input(inputs.occupancy);
      wiring.tamper = input(inputs.tamper);
      wiring.ups = input(inputs.ups);
      const contact = input(inputs['door-contact']);
      if (contact) doorContacts.push(contact);
      const climate = props.climate as { temperature?: { pin: unknown; zero: number; fullScale: number }; humidity?: { pin: unknown; zero: number; fullScale: number } } | undefined;
      if (climate?.temperature && climate.humidity) {
        const transmitter = (spec: { pin: unknown; zero: number; fullScale: number }) => {
          const channel = profile.analog.get(resolvePin(spec.pin, profile));
          if (channel === undefined) throw new Error(`climate pin ${String(spec.pin)} is not an analog pin`);
          return { channel, zero: spec.zero, fullScale: spec.fullScale };
        };
        wiring.climate = { temperature: transmitter(climate.temperature), humidity: transmitter(climate.humidity) };
      }
    }
  }
  if (doorContacts.length > 0) wiring.doorContacts = doorContacts;
  return wiring;
}

// ------------------------------------------------------------------------ the DMX fixtures

/** The driver's default patch (docs/drivers/enttec-dmx-usb-pro.md). */
const DEFAULT_DMX_CHANNELS = { key: { slot: 1, fineSlot: 2 }, fill: { slot: 3, fineSlot: 4 }, ambient: { slot: 5 }, scanner: { slot: 6 } };

export type DmxPatch = Record<string, { slot: number; fineSlot?: number }>;

/** Channel name → DMX slot(s), from the props of an `enttec,dmx-usb-pro` device. */
export function dmxPatch(device: WireDevice): DmxPatch {
  const channels = device.props.channels as Record<string, number | { slot: number; fineSlot?: number }> | undefined;
  if (!channels) return DEFAULT_DMX_CHANNELS;
  return Object.fromEntries(Object.entries(channels).map(([name, patch]) => [name, typeof patch === 'number' ? { slot: patch } : patch]));
}

/** The levels (percent) a DMX universe gives each patched channel. */
export function dmxLevels(patch: DmxPatch, slot: (n: number) => number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(patch).map(([name, { slot: coarse, fineSlot }]) => {
      const value = fineSlot === undefined ? slot(coarse) / 255 : (slot(coarse) * 256 + slot(fineSlot)) / 65_535;
      return [name, Math.round(value * 100)];
    }),
  );
}
