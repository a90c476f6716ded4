/**
 * The audit chain in a running booth: device changes and the manifest's hash go into it, its
 * summary reaches the Sparkplug model (births declare it), the start-up self-check tells a broken
 * chain; then the real boothd rotating its audit log, `bin/boothctl audit verify|tail` on its
 * state dir with boothd running and stopped, the chain continuing over a restart, a torn tail
 * and boothctl moving the door itself, and tampered copies of the state dir failing verify with
 * the file, line and seq.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SimLighting } from '../../simulator/devices/sim-lighting.ts';
import type { SimSensors } from '../../simulator/devices/sim-sensors.ts';
import { AuditLog } from '../../runtime/audit/audit-log.ts';
import { boothFixture } from '../support/booth-fixture.ts';
import { BoothdSandbox, type BoothdRun } from '../support/boothd-process.ts';
import { boothctl, parseJson } from '../support/boothctl-process.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { memoryLogger } from '../support/memory-logger.ts';
import { waitFor } from '../support/wait.ts';

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
const lineList = (file: string) => readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
const entries = (file: string) => lineList(file).map((line) => JSON.parse(line) as Record<string, unknown>);
/** Every record of the chain's files in `dir`, oldest first. */
const chainEntries = (dir: string) =>
  readdirSync(dir)
    .filter((name) => /^audit\.(\d+\.)?log$/.test(name))
    .sort((a, b) => (a === 'audit.log' ? 1 : b === 'audit.log' ? -1 : Number(a.split('.')[1]) - Number(b.split('.')[1])))
    .flatMap((name) => entries(join(dir, name)));

describe('the audit chain inside boothd (in process)', () => {
  it('records device changes: ready with model and serial, lost, one open failure per outage, fault', async () => {
    const f = boothFixture();
    try {
      await f.clock.drive(f.booth.start());
      const ready = f.audit().filter((entry) => entry.event === 'device.ready');
      assert.deepEqual(ready.map((entry) => entry.device).sort(), ['door', 'lights', 'sensors']);
      assert.equal(ready.find((entry) => entry.device === 'door')?.serial, 'SIM-LOCK-0001');
      f.sim<SimLighting>('lights').unplug();
      await f.clock.advance(5000); // several reopen attempts while unplugged
      f.sim<SimSensors>('sensors').raiseFault('EIO', 'bus error');
      await f.clock.advance(10);
      const changes = f.audit()
        .filter((entry) => /^device\.(lost|open-failed|fault)$/.test(entry.event))
        .map((entry) => `${entry.event} ${String(entry.device)} ${String(entry.code)}`);
      assert.deepEqual(changes, ['device.lost lights ENODEV', 'device.open-failed lights ENODEV', 'device.fault sensors EIO']);
    } finally {
      await f.cleanup();
    }
  });

  it('reports Audit/* node metrics (declared in NBIRTH) matching the chain head, and Chain OK from the self-check', async () => {
    const f = boothFixture();
    try {
      await f.clock.drive(f.booth.start());
      await waitFor(() => f.booth.audit.summary().chainOk !== undefined, 'the start-up self-check');
      f.booth.audit.record('door.released', { reason: 'metric check' });
      await f.clock.advance(10_000); // one telemetry sample
      const { model } = f.booth.sparkplug;
      const births = model.node.birth().map((metric) => metric.name);
      for (const name of ['Audit/Records', 'Audit/Last Event', 'Audit/Chain OK', 'Audit/Seq', 'Audit/Head Hash']) assert.ok(births.includes(name), `${name} not in NBIRTH`);
      const last = f.audit().at(-1)!;
      const value = (name: string) => model.node.get(name)?.value;
      assert.equal(value('Audit/Chain OK'), true);
      assert.equal(value('Audit/Last Event'), 'door.released', 'the event name only, never its fields');
      assert.equal(value('Audit/Seq'), BigInt(last.seq as number));
      assert.equal(value('Audit/Head Hash'), last.hash);
      assert.equal(value('Audit/Records'), BigInt(f.audit().length));
    } finally {
      await f.cleanup();
    }
  });

  it('a chain broken before start-up is recorded as audit.chain-broken by the self-check and reported as Chain OK false', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'booth-'));
    const earlier = new AuditLog(join(stateDir, 'audit.log'), new FakeClock(), memoryLogger().logger);
    for (let index = 0; index < 5; index += 1) earlier.record('door.locked', { reason: `session ${index}` });
    earlier.close();
    const lines = lineList(join(stateDir, 'audit.log'));
    lines[2] = lines[2]!.replace('session 2', 'session 9');
    writeFileSync(join(stateDir, 'audit.log'), lines.map((line) => `${line}\n`).join(''));

    const f = boothFixture({ stateDir });
    try {
      await f.clock.drive(f.booth.start());
      await waitFor(() => f.booth.audit.summary().chainOk !== undefined, 'the start-up self-check');
      assert.equal(f.booth.audit.summary().chainOk, false);
      const broken = f.audit().find((entry) => entry.event === 'audit.chain-broken');
      assert.deepEqual([broken?.found, broken?.file, broken?.line, broken?.atSeq, broken?.problem], ['self-check', 'audit.log', 3, 3, 'altered']);
      await f.clock.advance(10_000);
      assert.equal(f.booth.sparkplug.model.node.get('Audit/Chain OK')?.value, false);
    } finally {
      await f.cleanup();
    }
  });
});

describe('boothctl audit with a real boothd', () => {
  let sandbox: BoothdSandbox;
  let run: BoothdRun;
  let scratch: string;
  const auditFile = () => join(sandbox.stateDir, 'audit.log');
  const verify = (...args: string[]) => boothctl(['audit', 'verify', '--state-dir', sandbox.stateDir, ...args]);

  before(async () => {
    sandbox = new BoothdSandbox(
      (stateDir) => `
booth: { id: audit-01, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 } }
audit: { maxFileBytes: 4096, maxFiles: 3 }
devices:
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 1 } }
  - { id: lights, compatible: "sim,lighting" }
  - { id: sensors, compatible: "sim,sensors" }
`,
    );
    scratch = mkdtempSync(join(tmpdir(), 'audit-copies-'));
    run = await sandbox.startRunning();
    // Lock and release until the log has rotated and rotation has deleted its oldest file.
    for (let round = 0; round < 60 && !entries(auditFile()).some((entry) => entry.event === 'audit.pruned'); round += 1) {
      assert.equal((await run.control('door.lock', { reason: `session ${round}` })).ok, true);
      assert.equal((await run.control('door.unlock', { reason: `session ${round} over` })).ok, true);
    }
    assert.equal((await run.control('door.lock', { reason: 'session last' })).ok, true);
    assert.equal((await run.control('door.unlock', { reason: 'session last over' })).ok, true);
  });

  after(async () => {
    await sandbox.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('rotates: three files, the chain continuing from file to file, the oldest deleted and recorded', () => {
    const files = readdirSync(sandbox.stateDir).filter((name) => /^audit\..*log$/.test(name));
    assert.equal(files.length, 3, files.join(', '));
    const pruned = entries(auditFile()).find((entry) => entry.event === 'audit.pruned');
    assert.match(String(pruned?.file), /^audit\.\d+\.log$/);
    assert.ok(!files.includes(String(pruned?.file)), 'the pruned file is gone');
  });

  it('verify passes with boothd running, and says where the kept chain starts', async () => {
    const result = await verify();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^audit chain INTACT: \d+ records, seq \d+\.\.\d+, 3 file\(s\)/);
    assert.match(result.stdout, /the chain starts at seq \d+, after audit\.\d+\.log deleted by rotation/);
    const report = parseJson<{ intact: boolean; start: { after: string }; head: { seq: number; hash: string } }>(await verify('--json'));
    assert.equal(report.intact, true);
    assert.equal(report.start.after, 'pruned');
    assert.equal(report.head.hash.length, 64);
  });

  it('tail shows the last records, oldest first, without the chain members', async () => {
    const result = await boothctl(['audit', 'tail', '--lines', '2', '--state-dir', sandbox.stateDir]);
    assert.equal(result.code, 0, result.stderr);
    const shown = result.stdout.trim().split('\n');
    assert.equal(shown.length, 2);
    assert.match(shown[0]!, /^\S+Z #\d+ door\.locked reason="session last" maxLockSeconds=600$/);
    assert.match(shown[1]!, /^\S+Z #\d+ door\.released door=door reason="session last over" was=locked bolt=unlocked$/);
    const json = parseJson<Array<{ event: string; seq: number }>>(await boothctl(['audit', 'tail', '--lines', '5', '--json', '--state-dir', sandbox.stateDir]));
    assert.equal(json.length, 5);
    assert.deepEqual(json.map((entry) => entry.seq), Array.from({ length: 5 }, (_, index) => json[0]!.seq + index));
  });

  it('continues the chain over a restart; config.loaded carries the manifest hash; --config finds the state dir', async () => {
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
    const before = chainEntries(sandbox.stateDir).at(-1)!;
    assert.equal(before.event, 'boothd.stopped');
    run = await sandbox.startRunning();
    const restarted = chainEntries(sandbox.stateDir);
    const next = restarted.findIndex((entry) => entry.seq === (before.seq as number) + 1);
    assert.equal(restarted[next]?.prev, before.hash);
    // (a rotation right then puts its audit.pruned first)
    const starting = restarted.findIndex((entry, index) => index >= next && entry.event !== 'audit.pruned');
    assert.equal(restarted[starting]?.event, 'boothd.starting');
    const loaded = restarted[starting + 1]!;
    assert.deepEqual([loaded.event, loaded.sha256, loaded.file], ['config.loaded', sha256(readFileSync(sandbox.configFile)), sandbox.configFile]);
    const result = await boothctl(['audit', 'verify', '--config', sandbox.configFile]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('a torn last line is a warning; boothd cuts it off at its next start and records it; verify is clean again', async () => {
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
    appendFileSync(auditFile(), '{"seq":999,"at":"2026-11-27T09:00:00.000Z","event":"door.lo');
    const torn = await verify();
    assert.equal(torn.code, 0, torn.stdout);
    assert.match(torn.stdout, /^WARN audit\.log line \d+: torn-tail: the last line is incomplete/m);
    run = await sandbox.startRunning();
    const repaired = chainEntries(sandbox.stateDir).find((entry) => entry.event === 'audit.tail-repaired');
    assert.equal(repaired?.droppedBytes, 59);
    const clean = await verify();
    assert.equal(clean.code, 0, clean.stdout);
    assert.doesNotMatch(clean.stdout, /WARN/);
  });

  describe('on tampered copies of the state dir (boothd stopped)', () => {
    let files: string[];
    before(async () => {
      run.child.kill('SIGTERM');
      await run.exited;
      files = readdirSync(sandbox.stateDir)
        .filter((name) => /^audit\.\d+\.log$/.test(name))
        .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
      assert.equal(files.length, 2);
    });

    function copy(name: string): string {
      const dir = join(scratch, name);
      cpSync(sandbox.stateDir, dir, { recursive: true, filter: (source) => !source.endsWith('.sock') });
      return dir;
    }
    const verifyCopy = (dir: string, ...args: string[]) => boothctl(['audit', 'verify', '--state-dir', dir, ...args]);

    it('one byte edited in a rotated file: exit 1 naming the file, line and seq', async () => {
      const dir = copy('edited');
      const file = join(dir, files[0]!);
      const lines = lineList(file);
      const seq = (JSON.parse(lines[4]!) as { seq: number }).seq;
      lines[4] = lines[4]!.replace('"at":"2', '"at":"1');
      writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
      const result = await verifyCopy(dir);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stdout, /^audit chain BROKEN: 1 problem;/);
      assert.match(result.stdout, new RegExp(`^FAIL ${files[0]!.replaceAll('.', '\\.')} line 5 \\(seq ${seq}\\): altered: `, 'm'));
    });

    it('a record removed from the current file: exit 1', async () => {
      const dir = copy('removed');
      const lines = lineList(join(dir, 'audit.log'));
      writeFileSync(join(dir, 'audit.log'), lines.filter((_, index) => index !== 1).map((line) => `${line}\n`).join(''));
      const report = parseJson<{ intact: boolean; problems: Array<{ kind: string; file: string; line: number }> }>(await verifyCopy(dir, '--json'));
      assert.equal(report.intact, false);
      assert.deepEqual(report.problems.map((problem) => [problem.kind, problem.file, problem.line]), [['removed', 'audit.log', 2]]);
    });

    it('the middle file removed: exit 1 naming it', async () => {
      const dir = copy('middle');
      rmSync(join(dir, files[1]!));
      const result = await verifyCopy(dir);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stdout, new RegExp(`missing-file: .*the file ${files[1]!.replaceAll('.', '\\.')} was removed`));
    });

    it('the oldest kept file removed by hand: exit 1', async () => {
      const dir = copy('oldest');
      rmSync(join(dir, files[0]!));
      const result = await verifyCopy(dir);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stdout, /start-missing: the kept chain starts at seq \d+, but rotation only deleted up to seq \d+/);
    });

    it('--expect with the head central saw: a rolled-back chain fails, the intact one passes', async () => {
      const dir = copy('rolled-back');
      const head = parseJson<{ head: { seq: number; hash: string } }>(await verifyCopy(dir, '--json')).head;
      assert.equal((await verifyCopy(dir, '--expect', `${head.seq}:${head.hash}`)).code, 0);
      const lines = lineList(join(dir, 'audit.log'));
      writeFileSync(join(dir, 'audit.log'), lines.slice(0, -3).map((line) => `${line}\n`).join(''));
      assert.equal((await verifyCopy(dir)).code, 0, 'cut cleanly at the end: only an outside anchor tells');
      const result = await verifyCopy(dir, '--expect', `${head.seq}:${head.hash}`);
      assert.equal(result.code, 1);
      assert.match(result.stdout, /expected-missing: seq \d+ was seen before, but the chain ends at seq \d+/);
      assert.equal((await verifyCopy(dir, '--expect', 'nonsense')).code, 64);
    });

    it('boothctl moving the door itself (boothd down) continues the same chain', async () => {
      const before = chainEntries(sandbox.stateDir).at(-1)!;
      const locked = await boothctl(['device', 'door', 'lock', '--hold', '1', '--config', sandbox.configFile]);
      assert.equal(locked.code, 0, locked.stderr);
      const unlocked = await boothctl(['device', 'door', 'unlock', 'reason=checked', '--config', sandbox.configFile]);
      assert.equal(unlocked.code, 0, unlocked.stderr);
      const added = chainEntries(sandbox.stateDir).filter((entry) => (entry.seq as number) > (before.seq as number));
      assert.deepEqual(
        added.filter((entry) => entry.event !== 'audit.pruned').map((entry) => `${String(entry.event)} ${String(entry.reason)} ${String(entry.by)}`),
        ['door.locked technician (boothctl) direct', 'door.released technician (boothctl): hold over direct', 'door.released checked direct'],
      );
      assert.equal(added[0]!.prev, before.hash);
      assert.equal((await verify()).code, 0);
    });

    it('no audit log at all: exit 1 with a clear message', async () => {
      const empty = mkdtempSync(join(scratch, 'empty-'));
      const result = await verifyCopy(empty);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /no audit log in /);
    });
  });
});
