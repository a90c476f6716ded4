/**
 * `boothctl device <id> <action> [name=value …]`: lock/unlock, light level, capture test, sensor
 * read, reset — through boothd when it runs, else straight through the HAL under the device's
 * lock file. A test capture goes only to the file the technician names, never to the outbox.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../../hal/clock.ts';
import type { AnyDevice } from '../../../hal/index.ts';
import { AuditLog } from '../../audit/audit-log.ts';
import { createLogger } from '../../logging/logger.ts';
import { actionsOf, runDeviceAction, type ActionResult } from '../../devices/device-actions.ts';
import { actionResultToWire, unknownDevice } from '../../control/technician-commands.ts';
import type { CommandSpec, OptionValues } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';
import type { CliContext } from '../context.ts';
import { DaemonDown } from '../daemon-link.ts';
import { openDirect } from '../direct-devices.ts';

interface WireResult {
  summary: string;
  data?: Record<string, unknown>;
  file?: { format: string; base64: string };
}

interface ListedDevice {
  id: string;
  deviceClass: string;
  compatible: string;
  actions: Record<string, string>;
}

export const deviceCommand: CommandSpec = {
  name: 'device',
  summary: 'act on one device: lock/unlock, light level, capture test, sensor read, reset',
  help: `usage: boothctl device                       list devices and their actions
       boothctl device <id>                  the actions of one device
       boothctl device <id> <action> [name=value …] [--out FILE] [--hold SECONDS]

examples:
  boothctl device door lock                 (without boothd: held --hold seconds, default 5, then released)
  boothctl device door unlock
  boothctl device lights light level=40 channel=key
  boothctl device scanner capture-test slap=left-four --out /tmp/slap.png
  boothctl device camera capture-test --out /tmp/face.jpg
  boothctl device sensors read
  boothctl device scanner reset

Test captures are written only to --out (mode 0600) and are never uploaded.`,
  options: {
    out: { type: 'string' },
    hold: { type: 'string' },
    force: { type: 'boolean', default: false },
  },
  async run(context, positionals, values) {
    const [id, action, ...pairs] = positionals;
    if (!id) return listDevices(context);
    const args = parsePairs(pairs);
    if (action === 'capture-test' && typeof values.out !== 'string') {
      throw new UsageError('capture-test saves its image only to a file you name: add --out FILE');
    }
    let result: WireResult;
    try {
      result = await context.daemon().call<WireResult>(action ? 'device.action' : 'devices.list', action ? { device: id, action, args } : {}, 150_000);
      if (!action) return showActions(context, result as unknown as ListedDevice[], id);
    } catch (error) {
      if (!(error instanceof DaemonDown)) throw error;
      result = await directly(context, id, action, args, values);
      if (!action) return EXIT.ok;
    }
    if (result.file && typeof values.out === 'string') {
      writeFileSync(values.out, Buffer.from(result.file.base64, 'base64'), { mode: 0o600, flag: values.force === true ? 'w' : 'wx' });
    }
    context.emit({ device: id, action, ...result, ...(result.file ? { file: { format: result.file.format, savedTo: values.out } } : {}) }, () => {
      context.term.line(`${id} ${action}: ${result.summary}`);
      if (result.file) context.term.line(`test image (${result.file.format}) saved to ${String(values.out)}; it was not uploaded`);
    });
    return EXIT.ok;
  },
};

async function directly(context: CliContext, id: string, action: string | undefined, args: Record<string, unknown>, values: OptionValues): Promise<WireResult> {
  const loaded = context.config();
  if (!action) {
    const entry = loaded.devices.find((device) => device.entry.id === id);
    if (!entry) throw unknownDevice(id, loaded.devices.map((device) => device.entry.id));
    printActions(context, id, entry.driver.deviceClass, actionsOf(entry.driver.deviceClass));
    return { summary: '' };
  }
  const holdSeconds = values.hold === undefined ? 5 : Number(values.hold);
  const maxHold = loaded.config.door.maxLockSeconds;
  if (!Number.isFinite(holdSeconds) || holdSeconds <= 0 || holdSeconds > maxHold) {
    throw new UsageError(`--hold must be 1..${maxHold} seconds (the manifest's door.maxLockSeconds)`);
  }
  const direct = await openDirect(loaded, `boothctl device ${id} ${action}`, [id]);
  let audit: AuditLog | undefined;
  try {
    const device = direct.devices[0] as AnyDevice | undefined;
    if (!device) throw direct.failed[0]?.error ?? new Error(`${id} did not open`);
    if (device.deviceClass === 'door-lock') {
      // Without boothd's door guard the door transitions are audited here (only failures reach stderr).
      const logger = createLogger({ level: 'warn', pretty: false, destination: process.stderr });
      audit = new AuditLog(join(loaded.config.stateDir, 'audit.log'), systemClock, logger, loaded.config.audit);
    }
    const result: ActionResult = await runDeviceAction(device, action, args, { holdMs: holdSeconds * 1000, ...(audit ? { audit } : {}) });
    return actionResultToWire(result) as unknown as WireResult;
  } finally {
    audit?.close();
    await direct.close();
  }
}

async function listDevices(context: CliContext): Promise<number> {
  let devices: ListedDevice[];
  try {
    devices = await context.daemon().call<ListedDevice[]>('devices.list');
  } catch (error) {
    if (!(error instanceof DaemonDown)) throw error;
    devices = context.config().devices.map(({ entry, driver }) => ({ id: entry.id, deviceClass: driver.deviceClass, compatible: entry.compatible, actions: actionsOf(driver.deviceClass) }));
  }
  context.emit(devices, () => context.term.table(devices.map((device) => [device.id, device.deviceClass, device.compatible, Object.keys(device.actions).join(' ')])));
  return EXIT.ok;
}

function showActions(context: CliContext, devices: ListedDevice[], id: string): number {
  const device = devices.find((known) => known.id === id);
  if (!device) throw unknownDevice(id, devices.map((known) => known.id));
  printActions(context, id, device.deviceClass, device.actions);
  return EXIT.ok;
}

function printActions(context: CliContext, id: string, deviceClass: string, actions: Record<string, string>): void {
  context.emit({ id, deviceClass, actions }, () => {
    context.term.line(`${id} (${deviceClass}) actions:`);
    context.term.table(Object.entries(actions), '  ');
  });
}

/**
 * `level=40 channel=key` → { level: 40, channel: "key" }: plain decimal numbers and true/false
 * as such; anything else ("007", "0x10", "") stays text, for the action to judge.
 */
export function parsePairs(pairs: readonly string[]): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`expected name=value, got "${pair}"`);
    const name = pair.slice(0, equals);
    const text = pair.slice(equals + 1);
    args[name] = text === 'true' ? true : text === 'false' ? false : /^-?(0|[1-9]\d*)(\.\d+)?$/.test(text) ? Number(text) : text;
  }
  return args;
}
