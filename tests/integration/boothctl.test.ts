/**
 * Every boothctl command against a running boothd on the simulated booth, then the same booth
 * with boothd stopped: what still works (status, device actions under lock files, outbox from
 * its file, config, keys, bundle) and what says clearly that boothd is needed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateBoothKeyPair, generateCentralKeyPair, writeKeyPair } from '../../protocols/capture/keys.ts';
import { decodeTransaction } from '../../protocols/ansi-nist/transaction.ts';
import { ALL_SIM_DEVICES_YAML } from '../support/booth-fixture.ts';
import { BoothdSandbox, type BoothdRun } from '../support/boothd-process.ts';
import { BOOTHCTL, boothctl, parseJson } from '../support/boothctl-process.ts';

const DEVICE_IDS = ['door', 'lights', 'sensors', 'scanner', 'camera', 'pad', 'passport'];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let sandbox: BoothdSandbox;
let run: BoothdRun;
let scratch: string;
let packageId: string;

const withConfig = (...args: string[]) => [...args, '--config', sandbox.configFile];

before(async () => {
  sandbox = new BoothdSandbox(
    (stateDir) => `
booth: { id: ctl-01, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 } }
captures: { boothKeyFile: keys/booth.key, centralPublicKeyFile: keys/central.pub }
devices:${ALL_SIM_DEVICES_YAML}`,
  );
  writeKeyPair(join(sandbox.dir, 'keys'), 'booth', generateBoothKeyPair());
  writeKeyPair(join(sandbox.dir, 'keys'), 'central', generateCentralKeyPair());
  scratch = mkdtempSync(join(tmpdir(), 'boothctl-'));
  run = await sandbox.startRunning();
  const submitted = await run.control('captures.submit-synthetic', { captures: 2, bytes: 40_000 });
  assert.equal(submitted.ok, true, submitted.error);
  packageId = (submitted.result as { packageId: string }).packageId;
});

after(async () => {
  await sandbox.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

describe('boothctl with boothd running', () => {
  it('status shows the daemon, the broker link, every device and the outbox, plain when piped', async () => {
    const result = await boothctl(withConfig('status'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /booth ctl-01/);
    assert.match(result.stdout, /boothd\s+running, version \S+, pid \d+/);
    assert.match(result.stdout, /broker\s+online mqtt:\/\/127\.0\.0\.1:\d+/);
    assert.match(result.stdout, /outbox\s+1 packages/);
    for (const id of DEVICE_IDS) assert.match(result.stdout, new RegExp(`^\\s+${id}\\s+\\S+\\s+ready\\s+ok`, 'm'));
    assert.ok(!result.stdout.includes('\u001b['), 'no colour codes when stdout is not a terminal');
  });

  it('status --json carries the same facts for scripts', async () => {
    const status = parseJson<{ boothId: string; devices: Array<{ id: string; info?: { serial: string } }>; daemon: { configFile: string; pid: number }; host: { disk: { freeBytes: number } } }>(
      await boothctl(withConfig('status', '--json')),
    );
    assert.equal(status.boothId, 'ctl-01');
    assert.deepEqual(status.devices.map((device) => device.id).sort(), [...DEVICE_IDS].sort());
    assert.equal(status.devices.find((device) => device.id === 'door')?.info?.serial, 'SIM-LOCK-0001');
    assert.equal(status.daemon.configFile, sandbox.configFile);
    assert.equal(status.daemon.pid, run.child.pid);
    assert.ok(status.host.disk.freeBytes > 0);
  });

  it('boothd holds a lock file for every device it has open', () => {
    const locks = readdirSync(join(sandbox.stateDir, 'locks')).sort();
    assert.deepEqual(locks, DEVICE_IDS.map((id) => `${id}.lock`).sort());
    const holder = JSON.parse(readFileSync(join(sandbox.stateDir, 'locks', 'scanner.lock'), 'utf8')) as { pid: number; owner: string };
    assert.equal(holder.pid, run.child.pid);
    assert.equal(holder.owner, 'boothd');
  });

  it('device actions go through boothd: light level, door lock and unlock, sensor read, reset', async () => {
    const light = await boothctl(withConfig('device', 'lights', 'light', 'level=40', 'channel=key'));
    assert.equal(light.code, 0, light.stderr);
    assert.match(light.stdout, /key=40%/);

    const locked = await boothctl(withConfig('device', 'door', 'lock'));
    assert.equal(locked.code, 0, locked.stderr);
    assert.equal(sandbox.physicalBolt(), 'locked');
    const status = parseJson<{ door: { state: string } }>(await boothctl(withConfig('status', '--json')));
    assert.equal(status.door.state, 'locked', 'the lock went through the daemon\'s door guard');
    const unlocked = await boothctl(withConfig('device', 'door', 'unlock'));
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.equal(sandbox.physicalBolt(), 'unlocked');
    assert.ok(sandbox.audit().some((entry) => entry.event === 'door.locked' && entry.reason === 'technician (boothctl)'));

    const sensors = parseJson<{ data: { occupied: boolean; temperatureC: number } }>(await boothctl(withConfig('device', 'sensors', 'read', '--json')));
    assert.equal(sensors.data.occupied, false);
    assert.equal(typeof sensors.data.temperatureC, 'number');

    const reset = await boothctl(withConfig('device', 'scanner', 'reset'));
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /re-opened: SimScan .*serial SIM-FP-0001/);
  });

  it('a capture test is saved only to the named file, owner-only, and never reaches the outbox', async () => {
    const before = parseJson<{ depth: number }>(await boothctl(withConfig('outbox', 'ls', '--json')));
    const file = join(scratch, 'slap.png');
    const result = await boothctl(withConfig('device', 'scanner', 'capture-test', 'slap=left-four', '--out', file));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /finger 7 quality \d+/);
    assert.deepEqual(readFileSync(file).subarray(0, 8), PNG_SIGNATURE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const photo = join(scratch, 'face.jpg');
    assert.equal((await boothctl(withConfig('device', 'camera', 'capture-test', '--out', photo))).code, 0);
    assert.deepEqual([...readFileSync(photo).subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const afterwards = parseJson<{ depth: number }>(await boothctl(withConfig('outbox', 'ls', '--json')));
    assert.equal(afterwards.depth, before.depth);

    const again = await boothctl(withConfig('device', 'scanner', 'capture-test', '--out', file));
    assert.equal(again.code, 1, 'an existing file is not overwritten without --force');
    assert.match(again.stderr, /--force/);
    const noFile = await boothctl(withConfig('device', 'scanner', 'capture-test'));
    assert.equal(noFile.code, 64);
    assert.match(noFile.stderr, /--out FILE/);
  });

  it('a mistyped device id or action gets the nearest suggestion', async () => {
    const device = await boothctl(withConfig('device', 'scaner', 'reset'));
    assert.equal(device.code, 1);
    assert.match(device.stderr, /no device "scaner"; did you mean "scanner"\?/);
    const action = await boothctl(withConfig('device', 'door', 'lok'));
    assert.equal(action.code, 1);
    assert.match(action.stderr, /unknown action "lok" for door \(door-lock\); actions: status, lock, unlock, info, reset/);
    const listing = await boothctl(withConfig('device', 'lights'));
    assert.match(listing.stdout, /lights \(lighting\) actions:/);
    assert.match(listing.stdout, /^\s+light\s+set \{level\}/m);
  });

  it('tail prints this booth\'s telemetry decoded, births first (it asks for a rebirth)', async () => {
    const result = await boothctl(withConfig('tail', '--count', '3', '--json'), { limitMs: 20_000 });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { verb: string; metrics: Array<{ name: string }> });
    assert.equal(lines.length, 3);
    assert.equal(lines[0]?.verb, 'NBIRTH');
    assert.ok(lines[0]?.metrics.some((metric) => metric.name === 'bdSeq'));
    const door = await boothctl(withConfig('tail', '--device', 'door', '--count', '1'), { limitMs: 20_000 });
    assert.equal(door.code, 0, door.stderr);
    assert.match(door.stdout, /^\d\d:\d\d:\d\d\.\d{3} DBIRTH\s+door\s+\d+ metrics: .*Door\/Locked=false/m);
  });

  it('outbox ls lists ids, sizes, age and attempts; retry asks for an upload now; export writes the sealed package', async () => {
    const listing = await boothctl(withConfig('outbox', 'ls'));
    assert.equal(listing.code, 0, listing.stderr);
    assert.match(listing.stdout, new RegExp(`${packageId}\\s+\\d+(\\.\\d)? KiB\\s+\\d+ (s|min)`));
    const retry = await boothctl(withConfig('outbox', 'retry'));
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, /retrying now: 1 packages pending/);
    const file = join(scratch, 'package.sealed');
    const exported = await boothctl(withConfig('outbox', 'export', packageId, '--out', file));
    assert.equal(exported.code, 0, exported.stderr);
    const json = parseJson<{ pending: Array<{ packageId: string; bytes: number }> }>(await boothctl(withConfig('outbox', 'ls', '--json')));
    assert.equal(readFileSync(file).byteLength, json.pending.find((item) => item.packageId === packageId)?.bytes);
    const wrong = await boothctl(withConfig('outbox', 'export', `${packageId.slice(0, -1)}x`, '--out', join(scratch, 'other')));
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, new RegExp(`did you mean "${packageId}"`));
  });

  it('outbox export --format an2k opens the package with an officer\'s central key and writes an ANSI/NIST transaction', async () => {
    const file = join(scratch, 'session.an2');
    const noKey = await boothctl(withConfig('outbox', 'export', packageId, '--format', 'an2k', '--out', file));
    assert.equal(noKey.code, 64);
    assert.match(noKey.stderr, /--format an2k needs --central-key KEY/);
    const exported = await boothctl(withConfig('outbox', 'export', packageId, '--format', 'an2k', '--central-key', join(sandbox.dir, 'keys', 'central.key'), '--out', file));
    assert.equal(exported.code, 0, exported.stderr);
    const transaction = decodeTransaction(readFileSync(file));
    assert.equal(transaction.transactionInformation.get(8)?.[0]?.[0], 'ctl-01', '1.008 ORI is the booth');
    assert.equal(transaction.transactionInformation.get(9)?.[0]?.[0], packageId, '1.009 TCN is the session');
    assert.ok(transaction.records.length >= 2, 'Type-2 and the capture records');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const alias = join(scratch, 'session-alias.an2');
    const viaExport = await boothctl(withConfig('export', packageId, '--format', 'an2k', '--central-key', join(sandbox.dir, 'keys', 'central.key'), '--out', alias));
    assert.equal(viaExport.code, 0, viaExport.stderr);
    assert.equal(decodeTransaction(readFileSync(alias)).transactionInformation.get(9)?.[0]?.[0], packageId, 'boothctl export <sessionId> is the same export');

    writeKeyPair(join(scratch, 'stranger'), 'central', generateCentralKeyPair());
    const wrongKey = await boothctl(withConfig('outbox', 'export', packageId, '--format', 'an2k', '--central-key', join(scratch, 'stranger', 'central.key'), '--out', join(scratch, 'never.an2')));
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /cannot open package .*EBADKEY: package is sealed to central key \w+, this central key is \w+/);
    assert.ok(!existsSync(join(scratch, 'never.an2')), 'nothing is written when the package cannot be opened');
  });

  it('logs shows recent daemon lines filtered by component and level', async () => {
    await boothctl(withConfig('device', 'door', 'unlock', 'reason=logs test'));
    const door = await boothctl(withConfig('logs', '--component', 'door', '--json'));
    assert.equal(door.code, 0, door.stderr);
    const lines = JSON.parse(door.stdout) as Array<{ component: string; level: number }>;
    assert.ok(lines.length > 0);
    assert.ok(lines.every((line) => line.component === 'door'));
    const warnings = JSON.parse((await boothctl(withConfig('logs', '--level', 'warn', '--json'))).stdout) as Array<{ level: number }>;
    assert.ok(warnings.every((line) => line.level >= 40));
    const human = await boothctl(withConfig('logs', '--lines', '2'));
    assert.equal(human.stdout.trim().split('\n').length, 2);
    const bad = await boothctl(withConfig('logs', '--level', 'loud'));
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /unknown level "loud"; levels: trace, debug, info, audit, warn, error, fatal/);
  });

  it('a user the socket is not open to is told it is forbidden (exit 77), not that boothd is down', async () => {
    // The tests run as root, whom file modes do not stop. So the socket is handed to another
    // owner and boothctl runs without root's power to override file modes (CAP_DAC_OVERRIDE):
    // it is then what a technician who forgot sudo is — a user who may not open a 0600 socket.
    const socket = join(sandbox.stateDir, 'boothd.sock');
    chownSync(socket, 65534, 65534);
    try {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn('setpriv', ['--bounding-set=-dac_override,-dac_read_search', BOOTHCTL, 'status', '--state-dir', sandbox.stateDir, '--no-probe'], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const timer = setTimeout(() => reject(new Error('boothctl without CAP_DAC_OVERRIDE did not finish')), 20_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });
      assert.equal(result.code, 77, result.stderr);
      assert.match(result.stderr, /permission denied on .*boothd\.sock: the socket is owner-only; run boothctl as the boothd user or root/);
    } finally {
      chownSync(socket, 0, 0);
    }
    assert.equal((await boothctl(withConfig('status', '--no-probe'))).code, 0, 'the owner still gets in');
  });

  it('config validate uses boothd\'s own checks', async () => {
    const good = await boothctl(['config', 'validate', sandbox.configFile]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /valid \(booth ctl-01, 7 devices/);
    const broken = join(scratch, 'broken.yaml');
    writeFileSync(broken, 'booth: { id: x }\ndoor: { maxLockSeconds: -5 }\ndevices: []\n');
    const bad = await boothctl(['config', 'validate', broken]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /door\.maxLockSeconds/);
  });

  it('keys generate writes an Ed25519 pair, private 0600, and never overwrites', async () => {
    const dir = join(scratch, 'keys');
    const first = await boothctl(['keys', 'generate', '--out', dir, '--name', 'ctl-01']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(statSync(join(dir, 'ctl-01.key')).mode & 0o777, 0o600);
    assert.match(readFileSync(join(dir, 'ctl-01.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
    const second = await boothctl(['keys', 'generate', '--out', dir, '--name', 'ctl-01']);
    assert.equal(second.code, 73);
    assert.match(second.stderr, /refusing to overwrite/);
  });
});

describe('boothctl with boothd stopped', () => {
  let holder: ChildProcess | undefined;
  before(async () => {
    run.child.kill('SIGTERM');
    await run.exited;
  });
  after(() => {
    holder?.kill('SIGKILL');
  });

  it('status says boothd is not running (exit 69) and probes each device directly', async () => {
    const result = await boothctl(withConfig('status'));
    assert.equal(result.code, 69);
    assert.match(result.stdout, /boothd\s+NOT RUNNING/);
    assert.match(result.stderr, /boothd is not running \(nothing listens on .*boothd\.sock\)/);
    for (const id of DEVICE_IDS) assert.match(result.stdout, new RegExp(`^\\s+${id}\\s+\\S+\\s+ready\\s+ok`, 'm'));
    assert.match(result.stdout, /outbox\s+1 packages/, 'the outbox is read from its file');
    assert.deepEqual(readdirSync(join(sandbox.stateDir, 'locks')), [], 'every lock taken for the probe is given back');
  });

  it('device commands open the hardware directly: a lock is held for --hold seconds, then released', async () => {
    const result = await boothctl(withConfig('device', 'door', 'lock', '--hold', '1'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /bolt locked for 1 s, then released/);
    assert.equal(sandbox.physicalBolt(), 'unlocked');
    const tooLong = await boothctl(withConfig('device', 'door', 'lock', '--hold', '100000'));
    assert.equal(tooLong.code, 64);
    assert.match(tooLong.stderr, /--hold must be 1\.\.600 seconds/);
  });

  it('a device held by another live process is refused with EBUSY naming the holder', async () => {
    holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    writeFileSync(join(sandbox.stateDir, 'locks', 'lights.lock'), JSON.stringify({ pid: holder.pid, owner: 'boothctl device lights light', at: Date.now() }));
    const result = await boothctl(withConfig('device', 'lights', 'levels'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`EBUSY: held by boothctl device lights light \\(pid ${holder.pid}\\)`));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder!.once('exit', resolve));
    const stale = await boothctl(withConfig('device', 'lights', 'levels'));
    assert.equal(stale.code, 0, `a dead holder's lock is stale: ${stale.stderr}`);
    assert.ok(!existsSync(join(sandbox.stateDir, 'locks', 'lights.lock')));
  });

  it('outbox ls and export read the outbox file; retry needs boothd', async () => {
    const listing = await boothctl(withConfig('outbox', 'ls'));
    assert.equal(listing.code, 0, listing.stderr);
    assert.match(listing.stdout, /1 packages, .*\(read from the outbox file: boothd is down\)/);
    assert.match(listing.stdout, new RegExp(packageId));
    const file = join(scratch, 'offline.sealed');
    assert.equal((await boothctl(withConfig('outbox', 'export', packageId, '--out', file))).code, 0);
    assert.deepEqual(readFileSync(file), readFileSync(join(scratch, 'package.sealed')), 'the same sealed bytes as through boothd');
    const retry = await boothctl(withConfig('outbox', 'retry'));
    assert.equal(retry.code, 69);
    assert.match(retry.stderr, /boothd is not running/);
  });

  it('logs and tail say what they need when boothd is down', async () => {
    const logs = await boothctl(withConfig('logs'));
    assert.equal(logs.code, 69);
    assert.match(logs.stderr, /journalctl -u boothd/);
    const tail = await boothctl(withConfig('tail', '--count', '1'));
    assert.equal(tail.code, 69);
    assert.match(tail.stderr, /embedded broker is down with it/);
  });

  it('a socket path that cannot exist (its folder is a file) means boothd is not running', async () => {
    const stateDir = join(scratch, 'not-a-folder');
    writeFileSync(stateDir, '');
    const result = await boothctl(['status', '--state-dir', stateDir, '--no-probe', '--config', sandbox.configFile]);
    assert.equal(result.code, 69);
    assert.match(result.stderr, /boothd is not running/);
  });
});
