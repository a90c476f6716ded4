/**
 * The control-socket commands boothctl uses on a running boothd: device actions through the
 * daemon's own device manager and door guard (so boothctl never fights boothd for a device),
 * the outbox listing and retry, recent logs, and the host facts `boothctl status` shows.
 */
import type { Booth } from '../booth.ts';
import { actionsOf, runDeviceAction, type ActionResult } from '../devices/device-actions.ts';
import type { RecentLogs } from '../logging/recent-logs.ts';
import { hostFacts, type HostFacts } from '../diagnostics/host-facts.ts';
import { nearestName } from './nearest-name.ts';

export interface TechnicianCommandOptions {
  recentLogs?: RecentLogs;
  /** The manifest boothd was started with, for `boothctl doctor` and the support bundle. */
  configFile: string;
  version: string;
  /** Host facts, injectable for tests (clock sync on a fake clock, a full disk). */
  hostFacts?: (booth: Booth) => HostFacts;
}

export function registerTechnicianCommands(booth: Booth, options: TechnicianCommandOptions): void {
  const { control, devices, door } = booth;
  const facts = options.hostFacts ?? ((owner: Booth) => hostFacts(owner.config, owner.clock.now()));

  control.register('status.full', 'status plus host facts (disk, clock sync, certificate, versions)', async () => ({
    ...(await booth.status()),
    primaryHost: booth.config.mqtt.primaryHost
      ? { id: booth.config.mqtt.primaryHost, online: booth.sparkplug.node.primaryHostOnline ?? false }
      : undefined,
    captureLink: booth.captures ? { connected: booth.captures.uploader.connected } : undefined,
    host: facts(booth),
    daemon: { pid: process.pid, version: options.version, node: process.version, configFile: options.configFile },
  }));

  control.register('devices.list', 'every device with its class and the actions it offers', () =>
    devices.devices.map((device) => ({ id: device.id, deviceClass: device.deviceClass, compatible: device.compatible, actions: actionsOf(device.deviceClass) })),
  );

  control.register('device.action', 'run {action} with {args} on {device}; a test image comes back as base64', async (args) => {
    const id = String(args.device ?? '');
    const device = devices.get(id);
    if (!device) throw unknownDevice(id, devices.devices.map((known) => known.id));
    const result = await runDeviceAction(device, String(args.action ?? ''), objectArg(args.args), {
      door: { lock: (reason) => door.lock(reason), release: (reason) => door.release(reason) },
      reopen: async (target) => {
        await target.close();
        await devices.openNow(target.id);
        return (await devices.health()).find((health) => health.id === target.id)?.info ?? { model: '?', serial: '?', firmware: '?' };
      },
    });
    return actionResultToWire(result);
  });

  control.register('outbox.list', 'pending capture packages: ids, sizes, age, attempts (no personal data)', (args) => {
    const captures = requireCaptures(booth);
    const limit = Number(args.limit ?? 100);
    return { ...captures.stats(), now: booth.clock.now(), pending: captures.outbox.pending(Number.isInteger(limit) && limit > 0 ? limit : 100) };
  });

  control.register('outbox.retry', 'forget every package\'s backoff and upload now', async () => {
    const captures = requireCaptures(booth);
    const waiting = await captures.uploader.retryNow();
    return { depth: captures.stats().depth, backoffCleared: waiting, connected: captures.uploader.connected };
  });

  control.register('outbox.export', 'the sealed package {packageId} as base64 (still encrypted to central and signed)', (args) => {
    const captures = requireCaptures(booth);
    const packageId = String(args.packageId ?? '');
    if (!captures.outbox.has(packageId)) {
      throw unknownPackage(packageId, captures.outbox.pending(1000).map((item) => item.packageId));
    }
    return { packageId, sealed: Buffer.from(captures.outbox.read(packageId)).toString('base64') };
  });

  control.register('telemetry.rebirth', 'publish NBIRTH and DBIRTHs again (so a new listener learns the metric names); says when to ask again if one was just done', () =>
    booth.sparkplug.node.rebirth(),
  );

  control.register('logs.recent', 'recent daemon log lines {component, level, limit}', (args) => {
    if (!options.recentLogs) throw new Error('this boothd keeps no recent logs in memory');
    return options.recentLogs.query({
      ...(typeof args.component === 'string' ? { component: args.component } : {}),
      ...(typeof args.level === 'string' ? { level: args.level } : {}),
      ...(args.limit !== undefined ? { limit: Number(args.limit) } : {}),
    });
  });
}

export function actionResultToWire(result: ActionResult): Record<string, unknown> {
  return {
    summary: result.summary,
    ...(result.data ? { data: result.data } : {}),
    ...(result.file ? { file: { format: result.file.format, base64: Buffer.from(result.file.bytes).toString('base64') } } : {}),
  };
}

function requireCaptures(booth: Booth): NonNullable<Booth['captures']> {
  if (!booth.captures) throw new Error('this booth has no capture path (no `captures` in the manifest)');
  return booth.captures;
}

function objectArg(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('args.args must be an object');
  return value as Record<string, unknown>;
}

export function unknownDevice(id: string, known: string[]): Error {
  const nearest = nearestName(id, known);
  return Object.assign(new Error(`no device "${id}"${nearest ? `; did you mean "${nearest}"?` : ''} (devices: ${known.join(', ')})`), { code: 'ENODEV' });
}

function unknownPackage(id: string, known: string[]): Error {
  const nearest = nearestName(id, known);
  return Object.assign(new Error(`no package "${id}" in the outbox${nearest ? `; did you mean "${nearest}"?` : ''}`), { code: 'ENOENT' });
}
