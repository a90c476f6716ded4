/**
 * deploy/systemd/boothd.service and deploy/udev/99-booth.rules, checked by the tools that read
 * them: systemd-analyze verifies the unit (on a copy whose ExecStart/ExecStopPost point at this
 * tree's bin/, since verify insists the binaries exist) and rates its sandbox offline; the
 * unit's own ExecStopPost line is run against a locked simulated door; the udev rules are
 * parsed key by key (udevadm has no offline verify before systemd 254).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BoothdSandbox, ROOT } from '../support/boothd-process.ts';

const UNIT = readFileSync(join(ROOT, 'deploy/systemd/boothd.service'), 'utf8');
const RULES = readFileSync(join(ROOT, 'deploy/udev/99-booth.rules'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'booth-deploy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The unit with its two commands pointing at this tree's launchers. */
function unitForThisTree(text = UNIT): string {
  const rewritten = text.replaceAll('/usr/bin/boothd ', `${ROOT}/bin/boothd `).replaceAll('/usr/bin/boothctl ', `${ROOT}/bin/boothctl `);
  assert.equal(rewritten.split(`${ROOT}/bin/`).length - 1, 2, 'expected exactly ExecStart and ExecStopPost to name /usr/bin launchers');
  return rewritten;
}

/** Saves `text` as <dir>/<name>/boothd.service (systemd reads the unit name from the file name). */
function saved(text: string, name: string): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'boothd.service');
  writeFileSync(file, text);
  return file;
}

/** Runs systemd-analyze verify on `text`; returns its exit code and everything it printed. */
function verify(text: string, name: string): { status: number | null; output: string } {
  const file = saved(text, name);
  const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** The unit as section → key → values (a key may repeat, e.g. DeviceAllow). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const at = line.indexOf('=');
    assert.ok(current && at > 0, `not a key=value line inside a section: ${line}`);
    const key = line.slice(0, at);
    current.set(key, [...(current.get(key) ?? []), line.slice(at + 1)]);
  }
  return sections;
}

/** Splits a systemd command line into words (double quotes group, as systemd does). */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
}

describe('the systemd unit', () => {
  const unit = parseUnit(UNIT);
  const service = unit.get('Service')!;
  const one = (key: string) => {
    const values = service.get(key);
    assert.equal(values?.length, 1, `[Service] ${key} should appear once`);
    return values[0];
  };

  it('passes systemd-analyze verify without a single warning', () => {
    const { status, output } = verify(unitForThisTree(), 'as-shipped');
    assert.equal(status, 0, output);
    assert.equal(output, '', 'systemd printed warnings (an "ignoring" line means a directive has no effect)');
  });

  it('the verify check is not blind: a misspelt directive or a bad value is reported', () => {
    const typo = verify(unitForThisTree(UNIT.replace('ProtectSystem=strict', 'ProtectSytem=strict')), 'typo');
    assert.match(typo.output, /Unknown key( name)? 'ProtectSytem'/);
    const badValue = verify(unitForThisTree(UNIT.replace('DeviceAllow=char-ttyUSB rw', 'DeviceAllow=char-ttyUSB rwz')), 'bad-value');
    assert.match(badValue.output, /Invalid device rights 'rwz'/);
    const missing = verify(UNIT, 'usr-bin');
    assert.notEqual(missing.status, 0, 'the shipped paths do not exist here, and verify says so');
  });

  it('rates as low exposure in systemd-analyze security (offline)', () => {
    const file = saved(unitForThisTree(), 'security');
    const output = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', file], { encoding: 'utf8', timeout: 30_000 });
    const score = Number(/Overall exposure level for boothd\.service: ([\d.]+)/.exec(output)?.[1]);
    // 0 = fully locked down, 10 = unprotected. Network, serial and GPIO access are the booth's job.
    assert.ok(score <= 2.5, `exposure ${score}:\n${output.split('\n').filter((line) => line.startsWith('✗')).join('\n')}`);
  });

  it('is Type=notify with the watchdog, always restarted within limits, and releases the door after every stop', () => {
    assert.equal(one('Type'), 'notify');
    assert.equal(one('NotifyAccess'), 'main');
    assert.ok(Number(one('WatchdogSec')) >= 10, 'a watchdog shorter than 10 s would kill boothd on an fsync stall');
    assert.equal(one('Restart'), 'always');
    const limits = unit.get('Unit')!;
    assert.ok(Number(limits.get('StartLimitIntervalSec')?.[0]) > 0 && Number(limits.get('StartLimitBurst')?.[0]) > 1);
    assert.deepEqual(words(one('ExecStart')!), ['/usr/bin/boothd', '--config', '/etc/boothd/booth.yaml']);
    const stopPost = words(one('ExecStopPost')!);
    assert.deepEqual(stopPost.slice(0, 6), ['/usr/bin/boothctl', '--config', '/etc/boothd/booth.yaml', 'door', 'unlock', '--direct']);
  });

  it('is sandboxed as the issue asks, without what would break Node or the devices', () => {
    const expected: Record<string, string> = {
      User: 'boothd',
      ProtectSystem: 'strict',
      ReadWritePaths: '/var/lib/boothd',
      PrivateTmp: 'yes',
      NoNewPrivileges: 'yes',
      DevicePolicy: 'closed',
      CapabilityBoundingSet: '',
      LimitCORE: '0',
      ProtectHome: 'yes',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6',
      LockPersonality: 'yes',
    };
    for (const [key, value] of Object.entries(expected)) assert.equal(one(key), value, key);
    assert.deepEqual(service.get('DeviceAllow'), ['char-ttyUSB rw', 'char-ttyACM rw', 'char-gpiochip rw']);
    // MemoryDenyWriteExecute breaks V8's JIT; PrivateDevices hides the serial ports; ProtectClock
    // filters adjtimex, which the clock-sync check calls read-only.
    for (const key of ['MemoryDenyWriteExecute', 'PrivateDevices', 'ProtectClock']) assert.equal(service.get(key), undefined, key);
  });

  it("the unit's own ExecStopPost line releases a door a killed boothd left locked", async () => {
    const sandbox = new BoothdSandbox();
    try {
      const run = await sandbox.startRunning();
      assert.equal((await run.control('door.lock', { reason: 'test session' })).ok, true);
      run.child.kill('SIGKILL');
      await run.exited;
      assert.equal(sandbox.physicalBolt(), 'locked');
      const [, ...args] = words(one('ExecStopPost')!).map((word) => (word === '/etc/boothd/booth.yaml' ? sandbox.configFile : word));
      const result = spawnSync(join(ROOT, 'bin/boothctl'), args, { encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
      assert.equal(sandbox.physicalBolt(), 'unlocked');
      assert.ok(sandbox.audit().some((entry) => entry.event === 'door.released' && entry.reason === 'systemd ExecStopPost'), 'no audit line for the release');
    } finally {
      await sandbox.cleanup();
    }
  });
});

// udev(7): which keys match, which assign, which take {attribute}.
const MATCH_ONLY = new Set(['ACTION', 'DEVPATH', 'KERNEL', 'KERNELS', 'SUBSYSTEM', 'SUBSYSTEMS', 'DRIVER', 'DRIVERS', 'ATTRS', 'TAGS', 'TEST', 'PROGRAM', 'RESULT', 'CONST']);
const ASSIGN_ONLY = new Set(['OWNER', 'GROUP', 'MODE', 'SECLABEL', 'RUN', 'LABEL', 'GOTO', 'IMPORT', 'OPTIONS']);
const BOTH = new Set(['NAME', 'SYMLINK', 'TAG', 'ENV', 'ATTR', 'SYSCTL']);
const NEEDS_ATTRIBUTE = new Set(['ATTR', 'ATTRS', 'ENV', 'SYSCTL', 'SECLABEL', 'IMPORT', 'CONST']);
const MAY_HAVE_ATTRIBUTE = new Set([...NEEDS_ATTRIBUTE, 'TEST', 'RUN']);

interface Pair {
  key: string;
  attribute?: string;
  op: string;
  value: string;
}

/** Parses one rule line into its pairs, throwing on anything udev would reject or ignore. */
function parseRule(line: string): Pair[] {
  const pairs: Pair[] = [];
  const pattern = /\s*([A-Z_]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)/y;
  let at = 0;
  while (at < line.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(line);
    if (!match) throw new Error(`cannot parse at column ${at + 1}: ${line.slice(at)}`);
    const [, key, attribute, op, value, separator] = match as unknown as [string, string, string | undefined, string, string, string];
    if (!MATCH_ONLY.has(key) && !ASSIGN_ONLY.has(key) && !BOTH.has(key)) throw new Error(`unknown key ${key}`);
    if (NEEDS_ATTRIBUTE.has(key) && !attribute) throw new Error(`${key} needs {attribute}`);
    if (attribute !== undefined && !MAY_HAVE_ATTRIBUTE.has(key)) throw new Error(`${key} takes no {attribute}`);
    const matching = op === '==' || op === '!=';
    if (matching && ASSIGN_ONLY.has(key)) throw new Error(`${key} cannot be matched (${op})`);
    if (!matching && MATCH_ONLY.has(key)) throw new Error(`${key} cannot be assigned (${op})`);
    if (op === '-=' && key !== 'SYMLINK' && key !== 'TAG' && key !== 'RUN') throw new Error(`${key} cannot be removed from (-=)`);
    pairs.push({ key, ...(attribute === undefined ? {} : { attribute }), op, value });
    at = pattern.lastIndex;
    if (separator === '' && at < line.length) throw new Error(`expected "," after ${key}`);
  }
  if (!pairs.some((pair) => pair.op === '==' || pair.op === '!=')) throw new Error('a rule without a match applies to every device');
  if (!pairs.some((pair) => pair.op !== '==' && pair.op !== '!=')) throw new Error('a rule that assigns nothing');
  return pairs;
}

function ruleLines(text: string): string[] {
  return text
    .replace(/\\\n/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe('the udev rules', () => {
  const rules = ruleLines(RULES).map((line) => parseRule(line));
  const value = (rule: Pair[], key: string, attribute?: string) => rule.find((pair) => pair.key === key && pair.attribute === attribute)?.value;

  it('every line parses as udev rules syntax: known keys, the right operators, quoted values', () => {
    assert.equal(rules.length, 5);
  });

  it('the parser rejects what udev would reject or silently ignore', () => {
    for (const bad of [
      'SUBSYSTEM=="tty", ATTRS{idVendor}="0403", SYMLINK+="x"', // assigning a match-only key
      'SUBSYSTEM=="tty", VENDOR=="0403", SYMLINK+="x"', // unknown key
      'SUBSYSTEM=="tty" SYMLINK+="x"', // missing comma
      'SUBSYSTEM==tty, SYMLINK+="x"', // unquoted value
      'SUBSYSTEM=="tty", GROUP=="boothd"', // matching an assign-only key, and nothing assigned
      'SYMLINK+="x", GROUP="boothd"', // no match at all
      'SUBSYSTEM=="tty", ATTR="1"', // ATTR without {attribute}
    ]) {
      assert.throws(() => parseRule(bad), Error, bad);
    }
  });

  it('names the I/O board, signature pad, DMX interface and environment sensor stably, by USB ids, for the boothd group only', () => {
    const byName = new Map(rules.filter((rule) => value(rule, 'SYMLINK')).map((rule) => [value(rule, 'SYMLINK'), rule]));
    assert.deepEqual([...byName.keys()].sort(), ['booth-dmx', 'booth-env', 'booth-io', 'booth-pad']);
    for (const [name, rule] of byName) {
      assert.equal(value(rule, 'SUBSYSTEM'), 'tty', name);
      assert.match(value(rule, 'ATTRS', 'idVendor') ?? '', /^[0-9a-f]{4}$/, name);
      assert.match(value(rule, 'ATTRS', 'idProduct') ?? '', /^[0-9a-f]{4}$/, name);
      assert.equal(value(rule, 'GROUP'), 'boothd', name);
      assert.equal(value(rule, 'MODE'), '0660', name);
      assert.equal(value(rule, 'ENV', 'ID_MM_DEVICE_IGNORE'), '1', `${name}: ModemManager must leave it alone`);
    }
    // Two devices with the same USB ids must be told apart, or both would get both names.
    const ids = (rule: Pair[]) => `${value(rule, 'ATTRS', 'idVendor')}:${value(rule, 'ATTRS', 'idProduct')}`;
    for (const [name, rule] of byName) {
      const twins = [...byName.values()].filter((other) => other !== rule && ids(other) === ids(rule));
      if (twins.length > 0) assert.ok(value(rule, 'ATTRS', 'serial'), `${name} shares ${ids(rule)} and needs ATTRS{serial}`);
    }
    const gpio = rules.find((rule) => value(rule, 'SUBSYSTEM') === 'gpio');
    assert.equal(gpio && value(gpio, 'GROUP'), 'boothd');
    assert.match(RULES, /PLACEHOLDERS - ADJUST/, 'the placeholder ids must be marked as such');
  });
});
