/** The manifest loader: every bad file gets an error naming the file, the key path and what was expected. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../runtime/config/errors.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';

const registry = builtinDrivers();
const FILE = 'booth.test.yaml';

const GOOD = `
booth: { id: booth-7, group: mmc }
stateDir: state
devices:
  - id: door
    compatible: sim,door-lock
  - id: lights
    compatible: sim,lighting
    props: { latencyMs: 3 }
`;

function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, FILE, { registry, env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.ok(error.message.startsWith(`${FILE}: invalid booth configuration`), error.message);
    return [...error.problems];
  }
  assert.fail('the manifest was accepted');
}

describe('booth manifest', () => {
  it('accepts a good manifest, fills defaults and resolves stateDir next to the file', () => {
    const loaded = parseConfig(GOOD, '/etc/booth/booth.yaml', { registry, env: {} });
    assert.equal(loaded.config.booth.id, 'booth-7');
    assert.equal(loaded.config.stateDir, '/etc/booth/state');
    assert.equal(loaded.config.door.maxLockSeconds, 600);
    assert.deepEqual(loaded.config.devices[0]?.bus, { type: 'sim' });
    assert.equal(loaded.devices.length, 2);
    assert.deepEqual(loaded.devices[1]?.props, simLightingDefaultsWith({ latencyMs: 3 }));
  });

  it('applies environment overrides', () => {
    const loaded = parseConfig(GOOD, FILE, {
      registry,
      env: { BOOTH_ID: 'booth-9', BOOTH_MQTT_URL: 'mqtts://localhost:8883', BOOTH_STATE_DIR: '/tmp/x', BOOTH_LOG_LEVEL: 'debug' },
    });
    assert.equal(loaded.config.booth.id, 'booth-9');
    assert.equal(loaded.config.mqtt.url, 'mqtts://localhost:8883');
    assert.equal(loaded.config.stateDir, '/tmp/x');
    assert.equal(loaded.config.log.level, 'debug');
  });

  it('names an unknown compatible and lists the known ones', () => {
    const [problem] = problemsOf(GOOD.replace('sim,lighting', 'acme,laser'));
    assert.match(problem ?? '', /^devices\[1\]\.compatible: unknown compatible "acme,laser"; expected one of: .*sim,door-lock/);
  });

  it('names a missing device id', () => {
    const problems = problemsOf(GOOD.replace('  - id: door\n', '  - \n'));
    assert.ok(problems.some((p) => /^devices\[0\]\.id: .*expected string/i.test(p)), problems.join('\n'));
  });

  it('names a duplicate device id and where it was first used', () => {
    const problems = problemsOf(GOOD.replace('id: lights', 'id: door'));
    assert.deepEqual(problems, ['devices[1].id: duplicate device id "door" (already used by devices[0])']);
  });

  it('names a value of the wrong type, inside driver props too', () => {
    assert.ok(problemsOf(GOOD.replace('id: booth-7', 'id: 42')).some((p) => /^booth\.id: .*expected string, received number/i.test(p)));
    const props = problemsOf(GOOD.replace('latencyMs: 3', 'latencyMs: fast'));
    assert.ok(props.some((p) => /^devices\[1\]\.props\.latencyMs: .*expected number, received string/i.test(p)), props.join('\n'));
  });

  it('names an unknown key', () => {
    const problems = problemsOf(GOOD.replace('stateDir: state', 'stateDir: state\nstatedir: typo'));
    assert.ok(problems.some((p) => p.includes('statedir')), problems.join('\n'));
  });

  it('reports a YAML syntax error with line and column', () => {
    const [problem] = problemsOf('booth: { id: booth-7\ndevices: [');
    assert.match(problem ?? '', /^line \d+, column \d+: YAML syntax error: /);
  });

  it('rejects a device on a bus its driver cannot use', () => {
    const [problem] = problemsOf(GOOD.replace('compatible: sim,door-lock', 'compatible: sim,door-lock\n    bus: { type: serial, path: /dev/ttyS0 }'));
    assert.match(problem ?? '', /^devices\[0\]\.bus\.type: "sim,door-lock" cannot sit on a "serial" bus; expected sim$/);
  });

  it('says which environment variable carried a bad value', () => {
    const problems = problemsOf(GOOD, { BOOTH_MQTT_URL: 'http://localhost' });
    assert.ok(problems.some((p) => p.startsWith('mqtt.url (from BOOTH_MQTT_URL): expected an mqtt:// or mqtts:// URL')), problems.join('\n'));
  });

  it('refuses an empty device list and a non-mapping document', () => {
    assert.ok(problemsOf('booth: { id: b }\ndevices: []').some((p) => p.startsWith('devices: a booth needs at least one device')));
    assert.deepEqual(problemsOf('- just\n- a list'), ['expected a YAML mapping at the top level']);
  });
});

function simLightingDefaultsWith(overrides: Record<string, unknown>): unknown {
  const entry = registry.get('sim,lighting');
  return entry?.props.parse(overrides);
}
