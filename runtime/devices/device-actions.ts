/**
 * What a technician can do to one device (`boothctl device <id> <action>`), written once against
 * the HAL so it runs the same inside boothd (over the control socket) and in boothctl when the
 * daemon is down (devices opened directly). Test captures come back as an image file for the
 * technician; they never reach the outbox and are never uploaded.
 */
import type { AnyDevice, DeviceClass, DeviceInfo, FingerCapture, Slap } from '../../hal/index.ts';
import { encodePng } from '../../protocols/imaging/png.ts';
import type { AuditSink } from '../audit/audit-log.ts';

export interface ActionFile {
  format: 'png' | 'jpeg';
  bytes: Uint8Array;
}

export interface ActionResult {
  /** One line for a person: "bolt locked, door closed". */
  summary: string;
  data?: Record<string, unknown>;
  file?: ActionFile;
}

export interface ActionContext {
  /** The daemon's door guard: locks go through it so the max-lock timer and the audit apply. */
  door?: { lock(reason: string): Promise<void>; release(reason: string): Promise<void> };
  /** Without a door guard a lock is held this long, then released (boothctl without boothd). */
  holdMs?: number;
  /** Without a door guard, where door transitions are audited (`by: direct`). */
  audit?: AuditSink;
  sleep?: (ms: number) => Promise<void>;
  /** Closes and re-opens the device (the device manager's way when boothd owns it). */
  reopen?: (device: AnyDevice) => Promise<DeviceInfo>;
  timeoutMs?: number;
}

interface ActionSpec {
  describe: string;
  run(device: never, args: Record<string, unknown>, context: ActionContext): Promise<ActionResult>;
}

type Specs<D extends AnyDevice> = Record<string, { describe: string; run(device: D, args: Record<string, unknown>, context: ActionContext): Promise<ActionResult> }>;

const COMMON: Specs<AnyDevice> = {
  info: {
    describe: 'state, health, last error and model/serial/firmware',
    run: async (device, _args, context) => {
      const health = await device.health({ timeoutMs: context.timeoutMs ?? 2000 });
      const error = health.lastError ? `, last error ${health.lastError.code}: ${health.lastError.message}` : '';
      return { summary: `${health.state}, ${health.ok ? 'healthy' : 'NOT healthy'}${error}`, data: { ...health } };
    },
  },
  reset: {
    describe: 'close and re-open the device',
    run: async (device, _args, context) => {
      const info = context.reopen
        ? await context.reopen(device)
        : await device.close().then(() => device.open({ timeoutMs: context.timeoutMs ?? 5000 }));
      return { summary: `re-opened: ${info.model}, serial ${info.serial}, firmware ${info.firmware}`, data: { ...info } };
    },
  },
};

const DOOR: Specs<Extract<AnyDevice, { deviceClass: 'door-lock' }>> = {
  status: {
    describe: 'bolt and door contact',
    run: async (door, _args, context) => doorResult(await door.status({ timeoutMs: context.timeoutMs ?? 2000 })),
  },
  lock: {
    describe: 'lock the door (refused when unsafe); without boothd held for --hold seconds, then released',
    run: async (door, args, context) => {
      const reason = typeof args.reason === 'string' ? args.reason : 'technician (boothctl)';
      if (context.door) {
        await context.door.lock(reason);
        return doorResult(await door.status());
      }
      const holdMs = context.holdMs ?? 5000;
      const locked = await door.lock({ timeoutMs: context.timeoutMs ?? 2000 });
      context.audit?.record('door.locked', { door: door.id, reason, by: 'direct', holdSeconds: holdMs / 1000 });
      try {
        await (context.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms))))(holdMs);
      } finally {
        const released = await door.unlock();
        context.audit?.record('door.released', { door: door.id, reason: `${reason}: hold over`, by: 'direct', bolt: released.bolt });
      }
      return { summary: `bolt ${locked.bolt} for ${holdMs / 1000} s, then released`, data: { ...locked, heldMs: holdMs } };
    },
  },
  unlock: {
    describe: 'release the door (always accepted)',
    run: async (door, args, context) => {
      const reason = typeof args.reason === 'string' ? args.reason : 'technician (boothctl)';
      if (context.door) await context.door.release(reason);
      else {
        const released = await door.unlock();
        context.audit?.record('door.released', { door: door.id, reason, by: 'direct', bolt: released.bolt });
      }
      return doorResult(await door.status());
    },
  },
};

const LIGHTING: Specs<Extract<AnyDevice, { deviceClass: 'lighting' }>> = {
  levels: {
    describe: 'the level of every channel',
    run: async (lights) => levelsResult(await lights.levels()),
  },
  light: {
    describe: 'set {level} 0–100 on {channel} (all channels when absent)',
    run: async (lights, args) => {
      const level = args.level;
      if (typeof level !== 'number' || !Number.isFinite(level) || level < 0 || level > 100) {
        throw new RangeError(`level must be a number 0–100; got ${JSON.stringify(level)}`);
      }
      const channel = args.channel === undefined ? undefined : String(args.channel);
      if (channel !== undefined && !lights.channels.includes(channel)) {
        throw new RangeError(`no channel "${channel}" on ${lights.id}; channels: ${lights.channels.join(', ')}`);
      }
      for (const name of channel === undefined ? lights.channels : [channel]) await lights.setLevel(name, level);
      return levelsResult(await lights.levels());
    },
  },
  scene: {
    describe: 'apply scene {name}',
    run: async (lights, args) => {
      const name = String(args.name ?? '');
      if (!lights.scenes.includes(name)) throw new RangeError(`no scene "${name}" on ${lights.id}; scenes: ${lights.scenes.join(', ')}`);
      await lights.setScene(name);
      return levelsResult(await lights.levels());
    },
  },
};

const SLAPS: readonly Slap[] = ['right-four', 'left-four', 'two-thumbs'];

const FINGERPRINT: Specs<Extract<AnyDevice, { deviceClass: 'fingerprint' }>> = {
  'capture-test': {
    describe: 'capture one slap {slap} (default right-four) and show per-finger quality; saves the image',
    run: async (scanner, args, context) => {
      const slap = (args.slap ?? 'right-four') as Slap;
      if (!SLAPS.includes(slap)) throw new RangeError(`slap must be one of ${SLAPS.join(', ')}; got ${JSON.stringify(args.slap)}`);
      const capture = await scanner.captureSlap(slap, { timeoutMs: context.timeoutMs ?? 30_000 });
      return fingerResult(capture);
    },
  },
};

const CAMERA: Specs<Extract<AnyDevice, { deviceClass: 'camera' }>> = {
  'capture-test': {
    describe: 'take a test photo and show the camera\'s portrait checks; saves the JPEG',
    run: async (camera, _args, context) => {
      const portrait = await camera.capture({ timeoutMs: context.timeoutMs ?? 10_000 });
      const checks = Object.entries(portrait.checks).map(([name, value]) => `${name}=${String(value)}`).join(' ');
      return {
        summary: `${portrait.width}×${portrait.height} JPEG, ${checks}`,
        data: { width: portrait.width, height: portrait.height, checks: portrait.checks },
        file: { format: 'jpeg', bytes: portrait.jpeg },
      };
    },
  },
};

const PAD: Specs<Extract<AnyDevice, { deviceClass: 'signature-pad' }>> = {
  clear: {
    describe: 'wipe the pad (an echo: the pad must answer)',
    run: async (pad, _args, context) => {
      await pad.clear({ timeoutMs: context.timeoutMs ?? 2000 });
      return { summary: `cleared (${pad.size.width}×${pad.size.height} pad answered)` };
    },
  },
  'capture-test': {
    describe: 'ask for a test signature and save it; press OK on the pad',
    run: async (pad, _args, context) => {
      const signature = await pad.collect('Test signature (technician)', { timeoutMs: context.timeoutMs ?? 120_000 });
      return {
        summary: `${signature.samples.length} pen samples, ${signature.width}×${signature.height}`,
        data: { samples: signature.samples.length, width: signature.width, height: signature.height },
        file: { format: 'png', bytes: signature.png },
      };
    },
  },
};

const SENSORS: Specs<Extract<AnyDevice, { deviceClass: 'sensors' }>> = {
  read: {
    describe: 'read every sensor',
    run: async (sensors, _args, context) => {
      const snapshot = await sensors.read({ timeoutMs: context.timeoutMs ?? 2000 });
      const text = Object.entries(snapshot).map(([name, value]) => `${name}=${String(value)}`).join(' ');
      // An input the device lacks reads false: the capabilities say which readings mean anything.
      return { summary: text, data: { ...snapshot, capabilities: [...sensors.capabilities] } };
    },
  },
};

const READER: Specs<Extract<AnyDevice, { deviceClass: 'document-reader' }>> = {
  read: {
    describe: 'wait for a document and show what kind it read (the text itself is personal data and is not shown)',
    run: async (reader, _args, context) => {
      const read = await reader.read({ timeoutMs: context.timeoutMs ?? 30_000 });
      return { summary: `read a ${read.kind} of ${read.text.length} characters`, data: { kind: read.kind, characters: read.text.length } };
    },
  },
};

const BY_CLASS: Record<DeviceClass, Record<string, ActionSpec>> = {
  'door-lock': DOOR as Record<string, ActionSpec>,
  lighting: LIGHTING as Record<string, ActionSpec>,
  fingerprint: FINGERPRINT as Record<string, ActionSpec>,
  camera: CAMERA as Record<string, ActionSpec>,
  'signature-pad': PAD as Record<string, ActionSpec>,
  sensors: SENSORS as Record<string, ActionSpec>,
  'document-reader': READER as Record<string, ActionSpec>,
};

/** The actions a device of `deviceClass` offers, with one line each (help and completion). */
export function actionsOf(deviceClass: DeviceClass): Record<string, string> {
  const specs = { ...BY_CLASS[deviceClass], ...(COMMON as Record<string, ActionSpec>) };
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.describe]));
}

export async function runDeviceAction(device: AnyDevice, action: string, args: Record<string, unknown>, context: ActionContext = {}): Promise<ActionResult> {
  // Own names only: "constructor" or "toString" are not actions.
  const own = BY_CLASS[device.deviceClass];
  const spec = Object.hasOwn(own, action) ? own[action] : Object.hasOwn(COMMON, action) ? (COMMON as Record<string, ActionSpec>)[action] : undefined;
  if (!spec) {
    throw new RangeError(`unknown action "${action}" for ${device.id} (${device.deviceClass}); actions: ${Object.keys(actionsOf(device.deviceClass)).join(', ')}`);
  }
  return spec.run(device as never, args, context);
}

function doorResult(status: { bolt: string; contact: string }): ActionResult {
  return { summary: `bolt ${status.bolt}, door ${status.contact}`, data: { ...status } };
}

function levelsResult(levels: Record<string, number>): ActionResult {
  return { summary: Object.entries(levels).map(([channel, level]) => `${channel}=${level}%`).join(' '), data: { levels } };
}

function fingerResult(capture: FingerCapture): ActionResult {
  const fingers = capture.fingers.map((finger) => ({ position: finger.position, quality: finger.quality }));
  const { width, height, ppi, pixels } = capture.image;
  return {
    summary: `${capture.hand ?? ''} ${fingers.map((finger) => `finger ${finger.position} quality ${finger.quality}`).join(', ')}; live=${capture.liveness.live}`.trim(),
    data: { fingers, width, height, ppi, live: capture.liveness.live },
    file: { format: 'png', bytes: encodePng({ width, height, channels: 1, pixels }) },
  };
}
