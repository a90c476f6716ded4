/** Private keys named by the manifest are refused unless owner-only: a readable key may have leaked. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../runtime/config/errors.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';

const dir = mkdtempSync(join(tmpdir(), 'secret-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const manifest = `
booth: { id: booth-7 }
stateDir: state
mqtt: { url: "mqtts://127.0.0.1:8883", tls: { keyFile: ${join(dir, 'tls.key')} } }
captures: { boothKeyFile: booth.key, centralPublicKeyFile: central.pub }
devices:
  - { id: door, compatible: "sim,door-lock" }
`;

function load(): ReturnType<typeof parseConfig> {
  return parseConfig(manifest, join(dir, 'booth.yaml'), { registry: builtinDrivers(), env: {} });
}

describe('secret files in the manifest', () => {
  writeFileSync(join(dir, 'booth.key'), 'private');
  writeFileSync(join(dir, 'tls.key'), 'private');
  writeFileSync(join(dir, 'central.pub'), 'public');

  it('accepts owner-only private keys, whatever the public key\'s mode', () => {
    chmodSync(join(dir, 'booth.key'), 0o600);
    chmodSync(join(dir, 'tls.key'), 0o400);
    chmodSync(join(dir, 'central.pub'), 0o644);
    assert.equal(load().config.captures?.boothKeyFile, join(dir, 'booth.key'));
  });

  it('refuses a world- or group-readable key, naming the key, the file, the mode and the fix', () => {
    chmodSync(join(dir, 'booth.key'), 0o644);
    chmodSync(join(dir, 'tls.key'), 0o640);
    assert.throws(load, (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        `captures.boothKeyFile: ${join(dir, 'booth.key')} is readable by everyone (mode 0644); a private key must be owner-only: chmod 600 ${join(dir, 'booth.key')}`,
        `mqtt.tls.keyFile: ${join(dir, 'tls.key')} is readable by its group (mode 0640); a private key must be owner-only: chmod 600 ${join(dir, 'tls.key')}`,
      ]);
      return true;
    });
  });

  it('leaves a missing key to the code that opens it (which names it as missing)', () => {
    rmSync(join(dir, 'booth.key'));
    chmodSync(join(dir, 'tls.key'), 0o600);
    assert.equal(load().config.booth.id, 'booth-7');
  });
});
