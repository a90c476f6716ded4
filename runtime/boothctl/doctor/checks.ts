/**
 * Every check `boothctl doctor` runs, in order, each answering pass/warn/fail/skip with what it
 * saw and what to do about it. A check never throws: whatever goes wrong is its finding.
 */
import type { LoadedConfig } from '../../config/load.ts';
import { certificateExpiry } from '../../diagnostics/certificate.ts';
import type { ClockSyncReport } from '../../diagnostics/clock-sync.ts';
import { diskSpace, probeDiskWrite } from '../../diagnostics/disk.ts';
import type { DeviceRow } from '../commands/status.ts';
import { formatBytes } from '../terminal.ts';
import type { BoothAccess } from './booth-access.ts';
import type { BrokerProbe } from './broker-probe.ts';

export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

export interface Finding {
  verdict: Verdict;
  detail: string;
  fix?: string;
}

export interface DoctorCheck {
  name: string;
  run(): Promise<Finding>;
}

export interface DoctorEnvironment {
  configFile: string;
  loaded?: LoadedConfig;
  configError?: string;
  access?: BoothAccess;
  accessError?: string;
  stateDir?: string;
  /** Run the test capture, photo and signature checks (a person at real hardware must act). */
  captures: boolean;
  probeBroker(url: string, primaryHost: string | undefined): Promise<BrokerProbe>;
  readClock(): ClockSyncReport;
  now(): number;
}

const pass = (detail: string): Finding => ({ verdict: 'pass', detail });
const warn = (detail: string, fix: string): Finding => ({ verdict: 'warn', detail, fix });
const fail = (detail: string, fix: string): Finding => ({ verdict: 'fail', detail, fix });
const skip = (detail: string): Finding => ({ verdict: 'skip', detail });
/** "CODE: message", without repeating the code when the message already starts with it (Node's errno messages do). */
const withCode = (code: string, message: string): string => (message.startsWith(`${code}:`) ? message : `${code}: ${message}`);

/** The checks for this booth, known once the manifest is read and its devices are listed. */
export async function planChecks(environment: DoctorEnvironment): Promise<DoctorCheck[]> {
  const { loaded, access } = environment;
  const checks: DoctorCheck[] = [
    {
      name: 'config',
      run: async () =>
        loaded
          ? pass(`${environment.configFile}: valid (booth ${loaded.config.booth.id}, ${loaded.devices.length} devices)`)
          : fail(environment.configError ?? 'not loaded', `fix the manifest, then: boothctl config validate ${environment.configFile}`),
    },
    {
      name: 'boothd',
      run: async () => {
        if (access?.mode === 'daemon') return pass('running; device checks go through it');
        if (access) return warn('not running; devices were opened directly for these checks', 'systemctl start boothd (then boothctl status)');
        return fail(environment.accessError ?? 'cannot reach boothd or the devices', 'see the error above');
      },
    },
  ];
  if (!access) return [...checks, ...hostChecks(environment)];
  const rows = await access.devices().catch((error: Error): DeviceRow[] => {
    checks.push({ name: 'devices', run: async () => fail(error.message, 'boothctl status') });
    return [];
  });
  const answering = new Set(rows.filter((row) => row.ok && row.state === 'ready').map((row) => row.id));
  for (const row of rows) checks.push({ name: `device ${row.id}`, run: async () => deviceFinding(row) });
  const sensors = rows.filter((row) => row.deviceClass === 'sensors' && answering.has(row.id)).map((row) => row.id);
  for (const row of rows) {
    const ready = answering.has(row.id);
    const gone = async () => skip(`${row.id} does not answer (see "device ${row.id}")`);
    if (row.deviceClass === 'door-lock') checks.push({ name: `door ${row.id}`, run: ready ? () => doorCycle(access, row.id, sensors) : gone });
    if (row.deviceClass === 'lighting') checks.push({ name: `lighting ${row.id}`, run: ready ? () => lightingEcho(access, row.id) : gone });
    if (row.deviceClass === 'signature-pad') checks.push({ name: `signature pad ${row.id}`, run: ready ? () => padEcho(access, row.id) : gone });
    if (!environment.captures) continue;
    if (row.deviceClass === 'fingerprint') checks.push({ name: `scanner ${row.id}`, run: ready ? () => scannerCapture(access, row.id) : gone });
    if (row.deviceClass === 'camera') checks.push({ name: `camera ${row.id}`, run: ready ? () => cameraPhoto(access, row.id) : gone });
  }
  return [...checks, ...hostChecks(environment)];
}

function deviceFinding(row: DeviceRow): Finding {
  const info = row.info ? ` (${row.info.model}, serial ${row.info.serial}, firmware ${row.info.firmware})` : '';
  if (row.ok && row.state === 'ready') return pass(`opens and answers${info}`);
  const error = row.lastError ? withCode(row.lastError.code, row.lastError.message) : `state ${row.state}`;
  const fix =
    row.lastError?.code === 'ENODEV'
      ? `check ${row.id}'s cable and power (unplugged?), then: boothctl device ${row.id} reset`
      : row.lastError?.code === 'EBUSY'
        ? 'another process holds the device: see the error for which one'
        : row.lastError?.code === 'ENOSPC'
          ? 'the disk holding the state dir is full, so the device could not be taken (see "disk"): free space, then run boothctl doctor again'
          : `boothctl device ${row.id} reset; if it stays down, swap the device`;
  return fail(`${row.id} does not answer: ${error}`, fix);
}

/** Session states in which nobody is being enrolled, so cycling the lock disturbs no one. */
const NO_SESSION = new Set(['idle', 'out-of-service']);

async function doorCycle(access: BoothAccess, doorId: string, sensorIds: readonly string[]): Promise<Finding> {
  // The cycle's unlock would release a session's lock (and its lock would shut a person in).
  const session = access.sessionState();
  if (session !== undefined && !NO_SESSION.has(session)) return skip(`an enrolment session is running (${session}): the lock is not cycled`);
  // Only a device with an occupancy input can say the booth is empty (an environment sensor reads
  // "occupied: false" because it has no such input). Without one, the lock is not cycled.
  let knowsOccupancy = false;
  for (const sensorsId of sensorIds) {
    const reading = await access.action(sensorsId, 'read').catch(() => undefined);
    const capabilities = (reading?.data?.capabilities ?? []) as string[];
    if (!capabilities.includes('occupancy')) continue;
    knowsOccupancy = true;
    if (reading?.data?.occupied === true) return skip('someone is in the booth: the lock is not cycled with a person inside');
  }
  if (!knowsOccupancy) return warn('no occupancy sensor answers, so nobody can say the booth is empty: lock not cycled', 'check the occupancy sensor (boothctl status), then run boothctl doctor again');
  const before = await access.action(doorId, 'status').catch((error: Error) => error);
  if (before instanceof Error) return fail(`${doorId}: status: ${before.message}`, `boothctl device ${doorId} reset`);
  if (before.data?.contact === 'open') return warn('the door is open, so the bolt cannot engage: lock not cycled', 'close the door and run boothctl doctor again');
  try {
    const locked = await access.action(doorId, 'lock');
    if (locked.data?.bolt !== 'locked') return fail(`after "lock" the bolt sensor reports ${String(locked.data?.bolt)}`, 'the bolt did not follow the lock: check the bolt and its sensor wiring');
  } catch (error) {
    return fail(`lock: ${(error as Error).message}`, 'the bolt did not follow the lock: check for a jammed bolt, the relay and the bolt sensor wiring');
  } finally {
    await access.action(doorId, 'unlock').catch(() => undefined);
  }
  const after = await access.action(doorId, 'status').catch((error: Error) => error);
  if (after instanceof Error) return fail(`unlock: ${after.message}`, 'release the door by hand and check the relay');
  if (after.data?.bolt !== 'unlocked') return fail(`after "unlock" the bolt sensor reports ${String(after.data?.bolt)}`, 'the bolt did not release: check the relay (the lock must be fail-safe)');
  return pass('locked and released; the bolt sensor followed both, door contact closed');
}

async function lightingEcho(access: BoothAccess, id: string): Promise<Finding> {
  try {
    const before = (await access.action(id, 'levels')).data?.levels as Record<string, number>;
    const probeLevel = Object.values(before).every((level) => level === 37) ? 38 : 37;
    const set = (await access.action(id, 'light', { level: probeLevel })).data?.levels as Record<string, number>;
    for (const [channel, level] of Object.entries(before)) await access.action(id, 'light', { level, channel });
    const silent = Object.entries(set).filter(([, level]) => level !== probeLevel).map(([channel]) => channel);
    if (silent.length > 0) return fail(`channels ${silent.join(', ')} did not take level ${probeLevel}`, 'check the DMX/PWM wiring of those channels');
    return pass(`${Object.keys(set).length} channels (${Object.keys(set).join(', ')}) took level ${probeLevel} and were restored`);
  } catch (error) {
    return fail((error as Error).message, `boothctl device ${id} reset`);
  }
}

async function padEcho(access: BoothAccess, id: string): Promise<Finding> {
  try {
    return pass((await access.action(id, 'clear')).summary);
  } catch (error) {
    return fail((error as Error).message, `check the pad's USB cable, then: boothctl device ${id} reset`);
  }
}

async function scannerCapture(access: BoothAccess, id: string): Promise<Finding> {
  try {
    const answer = await access.action(id, 'capture-test');
    const fingers = (answer.data?.fingers ?? []) as Array<{ position: number; quality: number }>;
    if (fingers.length === 0) return fail('the capture found no fingers', 'place four fingers flat on the platen and run again; clean the platen');
    const worst = Math.min(...fingers.map((finger) => finger.quality));
    const detail = `slap captured, ${fingers.length} fingers, quality ${fingers.map((finger) => finger.quality).join('/')}`;
    return worst < 40 ? warn(detail, 'low quality: clean the platen and retry with firm, flat fingers') : pass(detail);
  } catch (error) {
    return fail((error as Error).message, `check the scanner's cable, then: boothctl device ${id} reset`);
  }
}

async function cameraPhoto(access: BoothAccess, id: string): Promise<Finding> {
  try {
    const answer = await access.action(id, 'capture-test');
    const checks = (answer.data?.checks ?? {}) as Record<string, unknown>;
    const failed = Object.entries(checks).filter(([, value]) => value === false).map(([name]) => name);
    if (failed.length > 0) return warn(`${answer.summary}; checks not passed: ${failed.join(', ')}`, 'stand in front of the camera under the portrait light and run again');
    return pass(answer.summary);
  } catch (error) {
    return fail((error as Error).message, `check the camera's cable, then: boothctl device ${id} reset`);
  }
}

function hostChecks(environment: DoctorEnvironment): DoctorCheck[] {
  const { loaded, access } = environment;
  const checks: DoctorCheck[] = [];
  const primaryHost = loaded?.config.mqtt.primaryHost;
  let brokerProbes: Promise<BrokerProbes> | undefined;
  const probe = () => {
    // The host's retained STATE tells "said offline" from "never connected", which boothd's
    // own view (online or not) cannot.
    brokerProbes ??= probeInOrder(access?.brokerUrls() ?? [], (url) => environment.probeBroker(url, primaryHost));
    return brokerProbes;
  };
  checks.push({
    name: 'broker',
    run: async () => {
      const urls = access?.brokerUrls() ?? [];
      if (urls.length === 0) return skip(access?.mode === 'direct' ? 'boothd is down and so is its embedded broker' : 'no broker known');
      const { reached, unreachable } = await probe();
      const down = unreachable.map(({ url, error }) => `${url} unreachable: ${error}`).join('; ');
      if (!reached) return fail(down, 'check the network path and the broker; boothctl status shows the link');
      const { url, result } = reached;
      let detail = `${url} reachable, CONNACK in ${result.connectMs?.toFixed(0)} ms`;
      if (!result.tls && !url.includes('127.0.0.1') && !url.includes('localhost')) return warn(`${detail}, WITHOUT TLS${down ? `; ${down}` : ''}`, 'use mqtts:// with the booth certificate (mqtt.tls in the manifest)');
      detail = result.tls ? `${detail} over TLS` : `${detail} (local broker, no TLS needed)`;
      // A broker of the failover list that is down leaves the booth with less to fall back on.
      if (down) return warn(`${detail}; ${down}`, 'a broker of the failover list (mqtt.urls) is down: the booth runs on the others; tell the central operations desk');
      return pass(detail);
    },
  });
  checks.push({
    name: 'primary host',
    run: async () => {
      if (!primaryHost) return skip('none configured (mqtt.primaryHost)');
      const online = access?.primaryHostOnline() === true ? true : (await probe()).reached?.result.primaryHostOnline;
      if (online === true) return pass(`${primaryHost} online`);
      if (online === false) return fail(`${primaryHost} says it is offline: the booth holds its telemetry`, 'the central application is down: call the central operations desk');
      return fail(`no STATE from ${primaryHost}`, 'the central application has never connected to this broker: call the central operations desk');
    },
  });
  checks.push({
    name: 'disk',
    run: async () => {
      const dir = environment.stateDir;
      if (!dir) return skip('no state dir known');
      const write = await probeDiskWrite(dir);
      if (!write.ok) {
        const fix = write.code === 'ENOSPC' ? `the disk holding ${dir} is full: free space (old logs, core files); captures are kept` : `the disk under ${dir} fails: check dmesg, replace the disk`;
        return fail(`write + fsync in ${dir}: ${withCode(write.code, write.message)}`, fix);
      }
      const space = (() => {
        try {
          return diskSpace(dir);
        } catch {
          return undefined;
        }
      })();
      const detail = `write ${write.writeMs.toFixed(1)} ms + fsync ${write.fsyncMs.toFixed(1)} ms${space ? `; ${formatBytes(space.freeBytes)} free (${space.freePct.toFixed(0)}%)` : ''}`;
      if (space && space.freePct < 10) return warn(detail, 'less than 10% free: free space before the outbox fills');
      return pass(detail);
    },
  });
  checks.push({
    name: 'time sync',
    run: async () => {
      const clock = environment.readClock();
      if (clock.source === 'unavailable') return warn(`cannot ask the kernel: ${clock.error}`, 'check with timedatectl');
      if (!clock.synchronized) return warn(`the kernel clock is NOT synchronised (estimated error ${clock.estimatedErrorMs.toFixed(0)} ms)`, 'enable NTP (chrony or systemd-timesyncd) against the centre\'s time server');
      if (Math.abs(clock.offsetMs) > 1000) return warn(`synchronised but ${clock.offsetMs.toFixed(0)} ms off`, 'check the time server');
      return pass(`synchronised, offset ${clock.offsetMs.toFixed(3)} ms`);
    },
  });
  const certFile = loaded?.config.mqtt.tls?.certFile;
  if (certFile) {
    checks.push({
      name: 'certificate',
      run: async () => {
        try {
          const expiry = certificateExpiry(certFile, environment.now());
          if (expiry.expired) return fail(`${expiry.subject} expired ${expiry.validTo}`, 'install a renewed booth certificate');
          if (expiry.daysLeft < 30) return warn(`${expiry.subject} expires in ${expiry.daysLeft} days`, 'order a renewed booth certificate');
          return pass(`${expiry.subject} valid for ${expiry.daysLeft} more days`);
        } catch (error) {
          return fail((error as Error).message, 'install the booth certificate named by mqtt.tls.certFile');
        }
      },
    });
  }
  return checks;
}

interface BrokerProbes {
  /** The first broker of the list that answered, as boothd itself would pick it. */
  reached?: { url: string; result: BrokerProbe };
  /** The brokers before it, and after it too: all of a failover list are checked. */
  unreachable: Array<{ url: string; error: string }>;
}

async function probeInOrder(urls: readonly string[], probe: (url: string) => Promise<BrokerProbe>): Promise<BrokerProbes> {
  // All at once: three brokers down would otherwise cost three connect timeouts one after another.
  const results = await Promise.all(urls.map(probe));
  const found: BrokerProbes = { unreachable: [] };
  for (const [index, result] of results.entries()) {
    const url = urls[index]!;
    if (result.ok && !found.reached) found.reached = { url, result };
    else if (!result.ok) found.unreachable.push({ url, error: result.error ?? 'unknown' });
  }
  return found;
}
