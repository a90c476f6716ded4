/** The manifest's `kiosk` section and the loopback rule behind it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../runtime/config/errors.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';
import { isLoopbackAddress } from '../../runtime/kiosk/loopback-address.ts';

const registry = builtinDrivers();
const DEVICES = `
booth: { id: booth-7 }
devices:
  - id: door
    compatible: sim,door-lock
`;

function load(kiosk: string) {
  return parseConfig(`${DEVICES}${kiosk}`, '/etc/booth/booth.yaml', { registry, env: {} });
}

describe('kiosk config', () => {
  it('defaults to 127.0.0.1:18880, 4 clients, 10 previews a second, the installed UI', () => {
    assert.deepEqual(load('').config.kiosk, { host: '127.0.0.1', port: 18_880, maxClients: 4, previewsPerSecond: 10 });
  });

  it('resolves uiDir relative to the manifest, like every other path in it', () => {
    assert.equal(load('kiosk: { uiDir: ui/current }').config.kiosk.uiDir, '/etc/booth/ui/current');
    assert.equal(load('kiosk: { uiDir: /opt/kiosk-ui }').config.kiosk.uiDir, '/opt/kiosk-ui');
  });

  it('accepts loopback addresses and refuses any other host with a clear error', () => {
    assert.equal(load('kiosk: { host: "::1" }').config.kiosk.host, '::1');
    assert.equal(load('kiosk: { host: 127.0.0.2 }').config.kiosk.host, '127.0.0.2');
    for (const host of ['0.0.0.0', '192.168.10.4', 'localhost', '"::"']) {
      assert.throws(
        () => load(`kiosk: { host: ${host} }`),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.some((problem) => /^kiosk\.host: expected a loopback address \(127\.0\.0\.0\/8 or ::1\): the kiosk API must never be reachable from the network$/.test(problem)),
        host,
      );
    }
  });

  it('refuses unknown keys and out-of-range values', () => {
    assert.throws(() => load('kiosk: { prot: 1 }'), /kiosk: Unrecognized key: "prot"/);
    assert.throws(() => load('kiosk: { maxClients: 0 }'), /kiosk\.maxClients: /);
    assert.throws(() => load('kiosk: { previewsPerSecond: 0 }'), /kiosk\.previewsPerSecond: /);
    assert.throws(() => load('kiosk: { port: 70000 }'), /kiosk\.port: /);
  });
});

describe('isLoopbackAddress', () => {
  it('is true for 127.0.0.0/8 and ::1 in any spelling, false for anything else', () => {
    for (const host of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1']) assert.equal(isLoopbackAddress(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost', '', '127.0.0.1.example']) assert.equal(isLoopbackAddress(host), false, host);
  });
});
