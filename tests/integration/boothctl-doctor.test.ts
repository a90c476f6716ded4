/**
 * `boothctl doctor` against a real boothd child process on a simulated booth: every injected fault
 * (unplugged scanner, jammed bolt, broker down, full disk) makes its check fail and NAMES it, the
 * door is left unlocked, and with boothd never started the doctor opens the devices itself and
 * leaves no lock file behind. The real bin/boothctl runs as a child process; its `--json` output
 * is what is checked.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BoothdSandbox, ROOT } from '../support/boothd-process.ts';
import { freePort, startMosquitto, type Mosquitto } from '../support/mosquitto.ts';

const BOOTHCTL = join(ROOT, 'bin', 'boothctl');
const DOCTOR_LIMIT_MS = 60_000;

const DEVICES_YAML = (doorProps = '{ latencyMs: 10 }') => `
devices:
  - { id: door, compatible: "sim,door-lock", props: ${doorProps} }
  - { id: lights, compatible: "sim,lighting" }
  - { id: sensors, compatible: "sim,sensors" }
  - { id: scanner, compatible: "sim,fingerprint", props: { placeDelayMs: 50 } }
  - { id: camera, compatible: "sim,camera" }
  - { id: pad, compatible: "sim,signature-pad", props: { signingMs: 100 } }
`;
const DEVICE_IDS = ['door', 'lights', 'sensors', 'scanner', 'camera', 'pad'];

const BOOTH_YAML = (stateDir: string, mqtt = '{ embeddedBroker: { port: 0 } }', doorProps?: string) => `
booth: { id: doc-01, group: tests }
stateDir: ${stateDir}
door: { maxLockSeconds: 120 }
mqtt: ${mqtt}
${DEVICES_YAML(doorProps)}`;

type Verdict = 'pass' | 'warn' | 'fail' | 'skip';
interface CheckResult {
  name: string;
  verdict: Verdict;
  detail: string;
  fix?: string;
}
interface DoctorReport {
  verdict: Verdict;
  mode?: 'daemon' | 'direct';
  checks: CheckResult[];
}
interface DoctorRun {
  code: number | null;
  report: DoctorReport;
  stderr: string;
}

/** Runs the real `bin/boothctl --json doctor` on `configFile`; the exit code and the parsed report. */
function doctor(configFile: string): Promise<DoctorRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The test names the manifest; nothing from the caller's environment may point elsewhere.
  delete env.BOOTH_CONFIG;
  delete env.BOOTH_STATE_DIR;
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  return new Promise((resolve, reject) => {
    execFile(
      BOOTHCTL,
      ['--config', configFile, '--color', 'never', '--json', 'doctor'],
      { env, timeout: DOCTOR_LIMIT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        if (error && code === null) return reject(new Error(`boothctl doctor did not exit normally (${error.message}); stderr: ${stderr}`));
        try {
          resolve({ code, report: JSON.parse(stdout) as DoctorReport, stderr });
        } catch {
          reject(new Error(`boothctl doctor printed no JSON (exit ${code}); stdout: ${stdout}; stderr: ${stderr}`));
        }
      },
    );
  });
}

function check(run: DoctorRun, name: string): CheckResult {
  const found = run.report.checks.find((candidate) => candidate.name === name);
  assert.ok(found, `no check "${name}" in ${JSON.stringify(run.report.checks.map((c) => c.name))}`);
  return found;
}

function failures(run: DoctorRun): string[] {
  return run.report.checks.filter((c) => c.verdict === 'fail').map((c) => c.name);
}

const explain = (run: DoctorRun): string => JSON.stringify(run.report, null, 2) + (run.stderr ? `\nstderr: ${run.stderr}` : '');

describe('boothctl doctor against a real boothd', () => {
  const sandboxes: BoothdSandbox[] = [];
  const sandbox = (yaml: (stateDir: string) => string): BoothdSandbox => {
    const created = new BoothdSandbox(yaml);
    sandboxes.push(created);
    return created;
  };
  after(async () => {
    for (const created of sandboxes) await created.cleanup();
  });

  it('a healthy booth passes every check, naming each device and host check', async () => {
    const booth = sandbox((stateDir) => BOOTH_YAML(stateDir));
    await booth.startRunning();

    const run = await doctor(booth.configFile);

    assert.equal(run.code, 0, explain(run));
    assert.equal(run.report.mode, 'daemon');
    assert.deepEqual(failures(run), [], explain(run));
    assert.notEqual(run.report.verdict, 'fail');
    const names = run.report.checks.map((c) => c.name);
    for (const name of [
      'config',
      'boothd',
      ...DEVICE_IDS.map((id) => `device ${id}`),
      'door door',
      'lighting lights',
      'scanner scanner',
      'camera camera',
      'signature pad pad',
      'broker',
      'disk',
      'time sync',
    ]) {
      assert.ok(names.includes(name), `missing check "${name}" in ${JSON.stringify(names)}`);
    }
    assert.equal(check(run, 'boothd').verdict, 'pass');
    for (const id of DEVICE_IDS) assert.equal(check(run, `device ${id}`).verdict, 'pass', explain(run));
    for (const name of ['door door', 'lighting lights', 'scanner scanner', 'camera camera', 'signature pad pad', 'broker', 'disk']) {
      assert.equal(check(run, name).verdict, 'pass', `${name}: ${JSON.stringify(check(run, name))}`);
    }
    assert.equal(booth.physicalBolt(), 'unlocked', 'the door cycle must leave the door released');
  });

  it('an unplugged scanner fails "device scanner" with ENODEV and a cable fix; its capture is skipped', async () => {
    const booth = sandbox((stateDir) => BOOTH_YAML(stateDir));
    const boothd = await booth.startRunning();
    await boothd.control('sim.unplug', { device: 'scanner' });

    const run = await doctor(booth.configFile);

    assert.equal(run.code, 1, explain(run));
    assert.equal(run.report.verdict, 'fail');
    const device = check(run, 'device scanner');
    assert.equal(device.verdict, 'fail', explain(run));
    assert.match(device.detail, /ENODEV/);
    assert.match(device.fix ?? '', /cable/);
    assert.equal(check(run, 'scanner scanner').verdict, 'skip');
    assert.deepEqual(failures(run), ['device scanner'], 'only the unplugged scanner fails');
    assert.equal(check(run, 'device camera').verdict, 'pass');
  });

  it('a bolt that does not follow the lock fails "door door" naming the bolt, and the door ends up unlocked', async () => {
    const booth = sandbox((stateDir) => BOOTH_YAML(stateDir));
    const boothd = await booth.startRunning();
    await boothd.control('sim.jam-bolt', { jammed: true });

    const run = await doctor(booth.configFile);

    assert.equal(run.code, 1, explain(run));
    const door = check(run, 'door door');
    assert.equal(door.verdict, 'fail', explain(run));
    assert.match(door.detail, /bolt/);
    assert.match(door.fix ?? '', /bolt/);
    assert.deepEqual(failures(run), ['door door']);
    // Safety: whatever the doctor did, the door is released — on the hardware and per boothd.
    assert.equal(booth.physicalBolt(), 'unlocked');
    const physical = (await boothd.control('sim.physical-door')) as unknown;
    assert.match(JSON.stringify(physical), /"bolt":"unlocked"/);
  });

  describe('with an external broker', () => {
    let broker: Mosquitto | undefined;
    after(async () => {
      await broker?.stop();
    });

    it('a broker that went down fails "broker" naming its URL', async () => {
      broker = await startMosquitto();
      const url = broker.url;
      const booth = sandbox((stateDir) => BOOTH_YAML(stateDir, `{ url: "${url}" }`));
      const boothd = await booth.startRunning();
      const healthy = await doctor(booth.configFile);
      assert.equal(check(healthy, 'broker').verdict, 'pass', explain(healthy));
      assert.match(check(healthy, 'broker').detail, new RegExp(url.replaceAll('.', '\\.')));

      const pid = broker.pid;
      await broker.stop(); // SIGTERM (then SIGKILL) to that PID
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'mosquitto must be gone');

      const run = await doctor(booth.configFile);

      assert.equal(run.code, 1, explain(run));
      assert.equal(run.report.mode, 'daemon', 'boothd stays up without its broker');
      const probe = check(run, 'broker');
      assert.equal(probe.verdict, 'fail', explain(run));
      assert.ok(probe.detail.includes(url), `the broker URL ${url} must be named: ${probe.detail}`);
      assert.match(probe.detail, /unreachable/);
      assert.ok(probe.fix && probe.fix.length > 0, 'a fix is given');
      assert.deepEqual(failures(run), ['broker']);
      assert.equal(boothd.child.exitCode, null, 'boothd is still running');
    });
  });

  describe('on a full disk', () => {
    let mountPoint: string | undefined;
    let hardwareDir: string | undefined;
    let mounted = false;
    let booth: BoothdSandbox | undefined;
    after(async () => {
      await booth?.cleanup(); // kills boothd first: it holds files on the tmpfs
      if (mounted && mountPoint) execFileSync('umount', [mountPoint]);
      for (const dir of [mountPoint, hardwareDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** Fills the filesystem holding `dir` to the last byte with a new file (1 MiB writes, then smaller). */
    function fill(dir: string, name: string): void {
      const fd = openSync(join(dir, name), 'wx');
      try {
        for (const chunk of [Buffer.alloc(1024 * 1024, 1), Buffer.alloc(4096, 1), Buffer.alloc(1, 1)]) {
          for (;;) {
            try {
              writeSync(fd, chunk);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw error;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
    }

    it('fails "disk" with ENOSPC and says the disk is full, with boothd running and with it down', async () => {
      mountPoint = mkdtempSync(join(tmpdir(), 'doctor-disk-'));
      const stateDir = join(mountPoint, 'state');
      // The simulated door's "hardware" state lives off the booth disk: a real relay does not stop
      // working when the disk is full, so only the disk-full fault is injected here.
      const doorFile = join((hardwareDir = mkdtempSync(join(tmpdir(), 'doctor-hw-'))), 'door.json');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mountPoint]);
      mounted = true;
      mkdirSync(stateDir);
      booth = new BoothdSandbox(() => BOOTH_YAML(stateDir, undefined, `{ latencyMs: 10, stateFile: "${doorFile}" }`));
      const boothd = await booth.startRunning();
      fill(mountPoint, 'filler-1');
      assert.equal(statfsSync(mountPoint).bavail, 0, 'the disk is full');

      const running = await doctor(booth.configFile);

      assert.equal(running.code, 1, explain(running));
      assert.equal(running.report.mode, 'daemon', `${explain(running)}\nboothd: ${boothd.lines.slice(-15).map((line) => JSON.stringify(line)).join('\n')}`);
      const disk = check(running, 'disk');
      assert.equal(disk.verdict, 'fail', explain(running));
      assert.match(disk.detail, /ENOSPC/);
      assert.ok(disk.detail.includes(stateDir), `the state dir is named: ${disk.detail}`);
      assert.match(disk.fix ?? '', /disk .* is full/);
      assert.doesNotMatch(disk.detail, /ENOSPC: ENOSPC/, 'the errno code is said once');
      // No probe file is left to eat what little room there is.
      assert.deepEqual(readdirSync(stateDir).filter((name) => name.startsWith('.disk-probe-')), []);

      // boothd down, disk still full: the doctor opens the devices itself and still names the disk.
      boothd.child.kill('SIGTERM');
      let stopTimer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([boothd.exited.then(() => true), new Promise<false>((resolve) => (stopTimer = setTimeout(() => resolve(false), 15_000)))]);
      clearTimeout(stopTimer);
      assert.ok(stopped, `boothd did not stop within 15 s of SIGTERM on a full disk; stderr: ${boothd.stderr()}`);
      fill(mountPoint, 'filler-2'); // what boothd freed on its way out (its lock files)
      assert.equal(statfsSync(mountPoint).bavail, 0, 'the disk is full again');
      const direct = await doctor(booth.configFile);

      assert.equal(direct.code, 1, explain(direct));
      assert.equal(direct.report.mode, 'direct');
      assert.equal(check(direct, 'boothd').verdict, 'warn');
      const directDisk = check(direct, 'disk');
      assert.equal(directDisk.verdict, 'fail', explain(direct));
      assert.match(directDisk.detail, /ENOSPC/);
      assert.match(directDisk.fix ?? '', /disk .* is full/);
      // No device can take its lock file on the full disk: that is blamed on the disk, not the hardware.
      for (const id of DEVICE_IDS) {
        const device = check(direct, `device ${id}`);
        assert.equal(device.verdict, 'fail', explain(direct));
        assert.match(device.detail, /ENOSPC/, explain(direct));
        assert.match(device.fix ?? '', /disk/, `device ${id}: ${JSON.stringify(device)}`);
        assert.doesNotMatch(device.fix ?? '', /swap the device/, `device ${id}: ${JSON.stringify(device)}`);
      }
    });
  });

  it('"primary host" passes when the central host is online and names it when it never connected', async () => {
    const port = await freePort();
    const mqtt = `{ embeddedBroker: { port: ${port} }, primaryHost: central-sim }`;
    const absent = sandbox((stateDir) => BOOTH_YAML(stateDir, mqtt));
    const absentRun = await absent.startRunning();
    const lonely = await doctor(absent.configFile);
    assert.equal(lonely.code, 1, explain(lonely));
    assert.equal(check(lonely, 'primary host').verdict, 'fail');
    assert.match(check(lonely, 'primary host').detail, /no STATE from central-sim/);
    assert.match(check(lonely, 'primary host').fix ?? '', /central operations desk/);
    absentRun.child.kill('SIGTERM');
    await absentRun.exited;

    // The same booth with --demo: a simulated central primary host comes online on its broker.
    const demo = absent.start(['--config', absent.configFile, '--demo']);
    await demo.waitForLine((line) => line.msg === 'primary host is online', 'the primary host online', 20_000);
    const online = await doctor(absent.configFile);
    assert.equal(check(online, 'primary host').verdict, 'pass', explain(online));
    assert.match(check(online, 'primary host').detail, /central-sim online/);
  });

  it('never cycles the lock with someone inside, nor when no occupancy sensor can say the booth is empty', async () => {
    const booth = sandbox((stateDir) => BOOTH_YAML(stateDir));
    const run = await booth.startRunning();
    assert.equal((await run.control('sim.occupancy', { occupied: true })).ok, true);
    const inside = await doctor(booth.configFile);
    assert.equal(check(inside, 'door door').verdict, 'skip', explain(inside));
    assert.match(check(inside, 'door door').detail, /someone is in the booth/);
    assert.equal(booth.physicalBolt(), 'unlocked');
    assert.ok(!booth.audit().some((entry) => entry.event === 'door.locked'), 'the lock was never engaged');

    const blind = sandbox(
      (stateDir) => `
booth: { id: doc-02, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 } }
devices:
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 10 } }
`,
    );
    await blind.startRunning();
    const unknown = await doctor(blind.configFile);
    assert.equal(check(unknown, 'door door').verdict, 'warn', explain(unknown));
    assert.match(check(unknown, 'door door').detail, /no occupancy sensor answers/);
    assert.ok(!blind.audit().some((entry) => entry.event === 'door.locked'));
  });

  it('with boothd never started, runs in direct mode, passes the devices and leaves no lock file', async () => {
    const booth = sandbox((stateDir) => BOOTH_YAML(stateDir));
    assert.ok(!existsSync(join(booth.stateDir, 'boothd.sock')));

    const run = await doctor(booth.configFile);

    assert.equal(run.code, 0, explain(run));
    assert.equal(run.report.mode, 'direct');
    assert.equal(check(run, 'boothd').verdict, 'warn');
    assert.match(check(run, 'boothd').fix ?? '', /systemctl start boothd/);
    for (const id of DEVICE_IDS) assert.equal(check(run, `device ${id}`).verdict, 'pass', explain(run));
    for (const name of ['door door', 'lighting lights', 'scanner scanner', 'camera camera', 'signature pad pad', 'disk']) {
      assert.equal(check(run, name).verdict, 'pass', `${name}: ${JSON.stringify(check(run, name))}`);
    }
    assert.equal(check(run, 'broker').verdict, 'skip', 'no embedded broker without boothd');
    assert.deepEqual(failures(run), []);
    const locks = join(booth.stateDir, 'locks');
    assert.deepEqual(existsSync(locks) ? readdirSync(locks) : [], [], 'every device lock is released');
    assert.equal(booth.physicalBolt(), 'unlocked');
  });
});
