/** The manifest's broker list: `mqtt.urls`, exclusive with `mqtt.url`, and BOOTH_MQTT_URL carrying a comma-separated list. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../runtime/config/errors.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';

const registry = builtinDrivers();
const FILE = 'booth.test.yaml';
const manifest = (mqtt: string) => `
booth: { id: booth-7 }
stateDir: state
mqtt: ${mqtt}
devices:
  - { id: door, compatible: "sim,door-lock" }
`;

function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, FILE, { registry, env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail('the manifest was accepted');
}

describe('mqtt.urls', () => {
  it('takes a list of brokers in order', () => {
    const loaded = parseConfig(manifest('{ urls: ["mqtt://a:1883", "mqtts://b:8883"] }'), FILE, { registry, env: {} });
    assert.deepEqual(loaded.config.mqtt.urls, ['mqtt://a:1883', 'mqtts://b:8883']);
    assert.equal(loaded.config.mqtt.url, undefined);
  });

  it('refuses url and urls together, an empty list, a repeated broker and a non-MQTT URL, each by key path', () => {
    assert.deepEqual(problemsOf(manifest('{ url: "mqtt://a:1883", urls: ["mqtt://b:1883"] }')), [
      'mqtt.urls: mqtt.url and mqtt.urls are mutually exclusive: give one broker as `url` or several as `urls`',
    ]);
    assert.deepEqual(problemsOf(manifest('{ urls: [] }')), ['mqtt.urls: expected at least one broker URL']);
    assert.deepEqual(problemsOf(manifest('{ urls: ["mqtt://a:1883", "mqtt://a:1883"] }')), ['mqtt.urls: a broker URL is listed twice']);
    assert.deepEqual(problemsOf(manifest('{ urls: ["mqtt://a:1883", "http://b"] }')), ['mqtt.urls[1]: expected an mqtt:// or mqtts:// URL']);
  });

  it('BOOTH_MQTT_URL replaces the manifest brokers: one URL sets url, a comma-separated list sets urls', () => {
    const one = parseConfig(manifest('{ urls: ["mqtt://a:1883", "mqtt://b:1883"] }'), FILE, { registry, env: { BOOTH_MQTT_URL: 'mqtt://c:1883' } });
    assert.equal(one.config.mqtt.url, 'mqtt://c:1883');
    assert.equal(one.config.mqtt.urls, undefined);
    const list = parseConfig(manifest('{ url: "mqtt://a:1883" }'), FILE, { registry, env: { BOOTH_MQTT_URL: 'mqtt://c:1883, mqtt://d:1883' } });
    assert.deepEqual(list.config.mqtt.urls, ['mqtt://c:1883', 'mqtt://d:1883']);
    assert.equal(list.config.mqtt.url, undefined);
    assert.deepEqual(list.overrides, ['BOOTH_MQTT_URL']);
    const bad = problemsOf(manifest('{}'), { BOOTH_MQTT_URL: 'mqtt://c:1883,http://d' });
    assert.deepEqual(bad, ['mqtt.urls[1] (from BOOTH_MQTT_URL): expected an mqtt:// or mqtts:// URL']);
  });
});
