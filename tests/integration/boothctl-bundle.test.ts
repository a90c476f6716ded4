/**
 * The support bundle holds no biometric data and no secrets. The proof runs the scripted demo
 * visit until the central side has stored a decrypted session on this machine (fingerprint PNGs,
 * a face JPEG, a signature), so biometric bytes really are lying next to boothd's state, then
 * takes a bundle and searches every byte of it for them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateBoothKeyPair, generateCentralKeyPair, writeKeyPair } from '../../protocols/capture/keys.ts';
import { readTarGz } from '../../runtime/boothctl/tar-archive.ts';
import { ALL_SIM_DEVICES_YAML } from '../support/booth-fixture.ts';
import { BoothdSandbox, type BoothdRun } from '../support/boothd-process.ts';
import { boothctl, parseJson } from '../support/boothctl-process.ts';

const SECRET = 'hunter2-not-for-bundles';
const ALLOWED = ['audit-tail.jsonl', 'devices.json', 'logs.jsonl', 'manifest.redacted.yaml', 'outbox.json', 'README.txt', 'status.json', 'versions.json'];

let sandbox: BoothdSandbox;
let run: BoothdRun;

before(async () => {
  sandbox = new BoothdSandbox(
    (stateDir) => `# spare broker, kept for the night shift: mqtt://night:${SECRET}@127.0.0.1:1883
booth: { id: bundle-01, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 }, primaryHost: central-sim }
captures: { boothKeyFile: keys/booth.key, centralPublicKeyFile: keys/central.pub }
devices:${ALL_SIM_DEVICES_YAML}`,
  );
  writeKeyPair(join(sandbox.dir, 'keys'), 'booth', generateBoothKeyPair());
  writeKeyPair(join(sandbox.dir, 'keys'), 'central', generateCentralKeyPair());
  run = sandbox.start(['--config', sandbox.configFile, '--demo']);
  await run.waitForLine((line) => /^capture package \S+ stored/.test(line.msg ?? ''), 'a session stored (decrypted) by the demo central', 90_000);
});

after(async () => {
  await sandbox.cleanup();
});

/** Every regular file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('boothctl bundle', () => {
  it('holds only the allowlisted entries and none of the biometric bytes stored on this booth', async () => {
    const received = filesUnder(join(sandbox.stateDir, 'central-received')).filter((file) => /\.(png|jpe?g|an2)$/i.test(file));
    assert.ok(received.length >= 3, `the demo central stored decrypted captures next to boothd's state: ${received.join(', ')}`);

    const out = join(sandbox.dir, 'bundle.tar.gz');
    const made = await boothctl(['bundle', '--config', sandbox.configFile, '--out', out, '--json']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const entries = readTarGz(readFileSync(out));
    assert.deepEqual(entries.map((entry) => entry.name.replace(/^bundle\//, '')).sort(), [...ALLOWED].sort());

    const everything = Buffer.concat(entries.map((entry) => entry.data));
    // No image of any kind: PNG and JPEG signatures, the ANSI/NIST transaction header.
    assert.equal(everything.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47])), -1, 'no PNG data');
    assert.equal(everything.indexOf(Buffer.from([0xff, 0xd8, 0xff])), -1, 'no JPEG data');
    // And none of the actual capture bytes: 48-byte windows from the start, middle and end of each.
    for (const file of received) {
      const bytes = readFileSync(file);
      for (const at of [0, Math.floor(bytes.length / 2), Math.max(0, bytes.length - 48)]) {
        const window = bytes.subarray(at, at + 48);
        assert.equal(everything.indexOf(window), -1, `bytes ${at}..${at + 48} of ${file} are not in the bundle`);
      }
    }
    // Nor the outbox (its sealed packages) or any key.
    for (const file of [...filesUnder(join(sandbox.dir, 'keys')), ...filesUnder(join(sandbox.stateDir, 'outbox'))]) {
      const bytes = readFileSync(file);
      if (bytes.length < 64) continue;
      assert.equal(everything.indexOf(bytes.subarray(bytes.length >> 1, (bytes.length >> 1) + 32)), -1, `nothing of ${file}`);
    }
  });

  it('keeps the manifest readable with its secrets redacted, and says what it redacted', async () => {
    const out = join(sandbox.dir, 'bundle-2.tar.gz');
    const made = parseJson<{ notes: string[] }>(await boothctl(['bundle', '--config', sandbox.configFile, '--out', out, '--json']));
    const entries = readTarGz(readFileSync(out));
    const everything = Buffer.concat(entries.map((entry) => entry.data)).toString('latin1');
    assert.ok(!everything.includes(SECRET), 'the password in the manifest comment is not in the bundle');
    const manifest = entries.find((entry) => entry.name === 'bundle/manifest.redacted.yaml')!.data.toString('utf8');
    assert.match(manifest, /mqtt:\/\/night:<redacted>@127\.0\.0\.1:1883/);
    assert.match(manifest, /boothKeyFile: keys\/booth\.key/, 'paths are not secrets and stay');
    assert.ok(made.notes.some((note) => note.includes('redacted from the manifest')));
    const status = JSON.parse(entries.find((entry) => entry.name === 'bundle/status.json')!.data.toString('utf8')) as { boothId: string; devices: unknown[] };
    assert.equal(status.boothId, 'bundle-01');
    assert.equal(status.devices.length, 7);
    rmSync(out);
  });

  it('still makes a bundle from the files when boothd is down, and says so', async () => {
    run.child.kill('SIGTERM');
    await run.exited;
    const out = join(sandbox.dir, 'offline.tar.gz');
    const made = await boothctl(['bundle', '--config', sandbox.configFile, '--out', out]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /note: boothd was not running/);
    const names = readTarGz(readFileSync(out)).map((entry) => entry.name);
    assert.ok(names.includes('bundle/manifest.redacted.yaml') && names.includes('bundle/audit-tail.jsonl'));
    assert.ok(!names.includes('bundle/logs.jsonl'), 'no daemon logs to take from a stopped boothd');
  });
});
