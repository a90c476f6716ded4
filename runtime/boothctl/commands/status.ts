/**
 * `boothctl status`: the one screen a technician reads first. With boothd running it shows what
 * the daemon knows; with boothd down it says so plainly and shows what can be learnt without
 * it (host facts, the outbox file, each device probed directly).
 */
import type { BoothStatus } from '../../booth.ts';
import { hostFacts, type HostFacts } from '../../diagnostics/host-facts.ts';
import type { CommandSpec } from '../command.ts';
import { EXIT } from '../command.ts';
import type { CliContext } from '../context.ts';
import { DaemonDown } from '../daemon-link.ts';
import { probeDevicesDirectly, withOfflineOutbox, type ProbedDevice } from '../offline-facts.ts';
import { formatBytes, formatDuration, type Terminal } from '../terminal.ts';

/** One device as status shows it: what boothd's device manager reports, or a direct probe. */
export interface DeviceRow {
  id: string;
  deviceClass: string;
  state: string;
  ok: boolean;
  info?: { model: string; serial: string; firmware: string };
  lastError?: { code: string; message: string };
  failedOpens?: number;
}

/** What boothd answers to `status.full` (runtime/control/technician-commands.ts). */
export type FullStatus = Omit<BoothStatus, 'devices'> & {
  devices: DeviceRow[];
  primaryHost?: { id: string; online: boolean };
  captureLink?: { connected: boolean };
  host: HostFacts;
  daemon: { pid: number; version: string; node: string; configFile: string };
};

export interface OfflineStatus {
  daemon: { running: false; socket: string };
  boothId?: string;
  host?: HostFacts;
  outbox?: { depth: number; bytes: number; oldestAt?: number; overdue: number };
  devices?: ProbedDevice[];
  configError?: string;
}

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'daemon, broker link, devices, outbox, disk, clock and certificate at a glance',
  help: `usage: boothctl status [--json] [--no-probe]

Shows the daemon state and uptime, the broker link and primary host, each device (state,
health, last error, model/serial/firmware), the outbox depth and its oldest item's age, disk
free, clock synchronisation and the client certificate's expiry.
With boothd down it says so, and probes each device directly (skip that with --no-probe).
Exit code: 0 boothd running, 69 boothd not running.`,
  options: { 'no-probe': { type: 'boolean', default: false } },
  async run(context, _positionals, values) {
    let status: FullStatus;
    try {
      status = await context.daemon().call<FullStatus>('status.full');
    } catch (error) {
      if (!(error instanceof DaemonDown)) throw error;
      const offline = await offlineStatus(context, values['no-probe'] !== true);
      context.emit(offline, () => renderOffline(context.term, offline, error.message));
      return EXIT.unavailable;
    }
    context.emit(status, () => renderStatus(context.term, status, Date.now()));
    return EXIT.ok;
  },
};

async function offlineStatus(context: CliContext, probe: boolean): Promise<OfflineStatus> {
  const socket = context.daemon().socketPath;
  let loaded;
  try {
    loaded = context.config();
  } catch (error) {
    return { daemon: { running: false, socket }, configError: (error as Error).message };
  }
  const outbox = withOfflineOutbox(loaded, (box) => box.stats());
  return {
    daemon: { running: false, socket },
    boothId: loaded.config.booth.id,
    host: hostFacts(loaded.config, Date.now()),
    ...(outbox ? { outbox } : {}),
    ...(probe ? { devices: await probeDevicesDirectly(loaded) } : {}),
  };
}

export function renderStatus(term: Terminal, status: FullStatus, now: number): void {
  const { paint } = bindPaint(term);
  const link = status.sparkplug.state === 'online' ? paint('green', 'online') : paint('red', status.sparkplug.state);
  term.line(`${paint('bold', `booth ${status.boothId}`)} (group ${status.group})`);
  term.table([
    ['boothd', `${paint('green', 'running')}, version ${status.daemon.version}, pid ${status.daemon.pid}, up ${formatDuration(status.uptimeMs)}`],
    ['door', `${status.door.state}${status.door.fireAlarm ? paint('red', ', FIRE ALARM') : ''}`],
    ['broker', `${link} ${status.sparkplug.broker ?? ''}${status.sparkplug.bdSeq === undefined ? '' : ` (bdSeq ${status.sparkplug.bdSeq})`}; ${status.sparkplug.storedMessages} stored, ${status.sparkplug.droppedMessages} dropped`],
    ['primary host', status.primaryHost ? `${status.primaryHost.id} ${status.primaryHost.online ? paint('green', 'online') : paint('red', 'offline')}` : 'not configured'],
    ['outbox', outboxLine(term, status.outbox, now, status.captureLink?.connected)],
    ...hostRows(term, status.host),
  ]);
  term.line();
  renderDevices(term, status.devices);
}

function renderOffline(term: Terminal, status: OfflineStatus, why: string): void {
  const { paint } = bindPaint(term);
  term.line(`${paint('bold', status.boothId ? `booth ${status.boothId}` : 'booth')}`);
  term.table([
    ['boothd', `${paint('red', 'NOT RUNNING')} (${status.daemon.socket})`],
    ...(status.configError ? [['config', paint('red', status.configError)]] : []),
    ['outbox', status.configError ? 'unknown (the manifest could not be read)' : outboxLine(term, status.outbox, Date.now(), undefined)],
    ...(status.host ? hostRows(term, status.host) : []),
  ]);
  if (status.devices) {
    term.line();
    term.line(paint('dim', 'devices probed directly (boothd is down):'));
    renderDevices(term, status.devices);
  }
  term.err.write(`boothctl: ${why}\n`);
}

function outboxLine(term: Terminal, outbox: (NonNullable<OfflineStatus['outbox']> & { full?: boolean }) | undefined, now: number, connected: boolean | undefined): string {
  const { paint } = bindPaint(term);
  if (!outbox) return 'none (no capture path, or nothing stored yet)';
  const oldest = outbox.oldestAt === undefined ? '' : `, oldest ${formatDuration(now - outbox.oldestAt)}`;
  const overdue = outbox.overdue > 0 ? paint('yellow', `, ${outbox.overdue} OVERDUE`) : '';
  const full = outbox.full ? paint('red', ', FULL: new sessions refused') : '';
  const link = connected === undefined ? '' : connected ? '; upload link up' : paint('red', '; upload link DOWN');
  return `${outbox.depth} packages, ${formatBytes(outbox.bytes)}${oldest}${overdue}${full}${link}`;
}

function hostRows(term: Terminal, host: HostFacts): string[][] {
  const { paint } = bindPaint(term);
  const rows: string[][] = [];
  const disk = host.disk;
  rows.push(['disk', 'error' in disk ? paint('red', disk.error) : `${formatBytes(disk.freeBytes)} free of ${formatBytes(disk.totalBytes)} (${disk.freePct.toFixed(0)}%)${disk.freePct < 10 ? paint('red', ' LOW') : ''}`]);
  const clock = host.clock;
  rows.push([
    'clock',
    clock.source === 'unavailable'
      ? paint('yellow', `unknown (${clock.error ?? 'adjtimex unavailable'})`)
      : `${clock.synchronized ? paint('green', 'synchronised') : paint('red', 'NOT synchronised')}, offset ${clock.offsetMs.toFixed(3)} ms, est. error ${clock.estimatedErrorMs.toFixed(1)} ms`,
  ]);
  const certificate = host.certificate;
  if (!certificate) rows.push(['certificate', 'none (no TLS client certificate configured)']);
  else if ('error' in certificate) rows.push(['certificate', paint('red', certificate.error)]);
  else {
    const left = certificate.expired ? paint('red', 'EXPIRED') : certificate.daysLeft < 30 ? paint('yellow', `${certificate.daysLeft} days left`) : `${certificate.daysLeft} days left`;
    rows.push(['certificate', `${certificate.subject}, valid to ${certificate.validTo} (${left})`]);
  }
  return rows;
}

export function renderDevices(term: Terminal, devices: readonly DeviceRow[]): void {
  const { paint } = bindPaint(term);
  const rows = [[paint('bold', 'DEVICE'), paint('bold', 'CLASS'), paint('bold', 'STATE'), paint('bold', 'HEALTH'), paint('bold', 'MODEL / SERIAL / FIRMWARE'), paint('bold', 'LAST ERROR')]];
  for (const device of devices) {
    rows.push([
      device.id,
      device.deviceClass,
      device.state === 'ready' ? device.state : paint('red', device.state),
      device.ok ? paint('green', 'ok') : paint('red', 'FAIL'),
      device.info ? `${device.info.model} / ${device.info.serial} / ${device.info.firmware}` : '-',
      device.lastError ? paint(device.ok ? 'yellow' : 'red', `${device.lastError.code}: ${device.lastError.message}`) : '-',
    ]);
  }
  term.table(rows, '  ');
}

function bindPaint(term: Terminal): { paint: Terminal['paint'] } {
  return { paint: term.paint.bind(term) };
}
