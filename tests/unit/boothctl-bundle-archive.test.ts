import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { readTarGz, tarGz, type ArchiveEntry } from '../../runtime/boothctl/tar-archive.ts';
import { redactConfig } from '../../runtime/boothctl/redact-config.ts';

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
// 150 characters with slashes, so it must go through the ustar prefix field.
const longPath = `logs/${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(19)}.log`;
const mtimeMs = Date.UTC(2024, 0, 2, 3, 4, 5);

const entries: ArchiveEntry[] = [
  { name: 'manifest.yaml', data: 'booth:\n  id: mmc-01\n', mtimeMs },
  { name: 'empty.txt', data: '', mtimeMs },
  { name: longPath, data: 'x'.repeat(1000), mtimeMs },
  { name: 'bin/all-bytes.bin', data: allBytes, mode: 0o600, mtimeMs },
  { name: 'block.bin', data: new Uint8Array(512).fill(7), mtimeMs }, // exactly one block, no padding
];

describe('tarGz / readTarGz', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'boothctl-bundle-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('round-trips names and bytes exactly', () => {
    assert.equal(longPath.length, 150);
    const files = readTarGz(tarGz(entries));
    assert.deepEqual(
      files.map((file) => file.name),
      entries.map((entry) => entry.name),
    );
    for (const [i, entry] of entries.entries()) {
      const expected = typeof entry.data === 'string' ? Buffer.from(entry.data) : Buffer.from(entry.data);
      assert.deepEqual(files[i]!.data, expected, entry.name);
    }
    assert.equal(files[1]!.data.length, 0);
  });

  it('writes ustar headers: magic, version, split long name, two zero blocks at the end', () => {
    const tar = gunzipSync(tarGz(entries));
    assert.equal(tar.length % 512, 0);
    assert.equal(tar.subarray(257, 263).toString('latin1'), 'ustar\0');
    assert.equal(tar.subarray(263, 265).toString('latin1'), '00');
    assert.ok(tar.subarray(tar.length - 1024).every((byte) => byte === 0));
    const longHeader = tar.indexOf(Buffer.from('logs/ddd'));
    assert.ok(longHeader > 0);
    assert.equal(longHeader % 512, 345, 'the directory part sits in the prefix field');
  });

  it('is deterministic for the same entries', () => {
    assert.deepEqual(tarGz(entries), tarGz(entries));
  });

  it('is listed and extracted by the system tar with the same bytes, modes and times', () => {
    const archive = join(scratch, 'bundle.tar.gz');
    writeFileSync(archive, tarGz(entries));
    const listing = execFileSync('tar', ['-tzvf', archive], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
    const lines = listing.trim().split('\n');
    assert.equal(lines.length, entries.length);
    assert.match(lines[0]!, /^-rw-r--r-- .* 20 2024-01-02 03:04 manifest\.yaml$/);
    assert.match(lines[1]!, /^-rw-r--r-- .* 0 2024-01-02 03:04 empty\.txt$/);
    assert.ok(lines[2]!.endsWith(` 1000 2024-01-02 03:04 ${longPath}`), lines[2]);
    assert.match(lines[3]!, /^-rw------- .* 256 2024-01-02 03:04 bin\/all-bytes\.bin$/);

    const out = join(scratch, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', archive, '-C', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const entry of entries) {
      const expected = typeof entry.data === 'string' ? Buffer.from(entry.data) : Buffer.from(entry.data);
      assert.deepEqual(readFileSync(join(out, entry.name)), expected, entry.name);
    }
  });

  it('rejects bad names with a message naming the entry', () => {
    const bad = ['', '/etc/shadow', '../escape.txt', 'logs/../../etc/passwd', 'dir/', 'a//b', 'x'.repeat(101), `${'p'.repeat(160)}/name.txt`];
    for (const name of bad) {
      assert.throws(
        () => tarGz([{ name: 'fine.txt', data: 'ok' }, { name, data: 'x' }]),
        (error: Error) => error.message.includes(JSON.stringify(name)),
        `name ${JSON.stringify(name)}`,
      );
    }
    assert.throws(() => tarGz([{ name: '/abs', data: '' }]), /is absolute/);
    assert.throws(() => tarGz([{ name: 'a/../b', data: '' }]), /"\.\." segment/);
    assert.throws(() => tarGz([{ name: 'x'.repeat(101), data: '' }]), /too long/);
    assert.throws(() => tarGz([{ name: 'twice', data: '1' }, { name: 'twice', data: '2' }]), /"twice" appears twice/);
  });

  it('reports a corrupted header checksum with its byte offset', () => {
    const tar = gunzipSync(tarGz(entries));
    // Second header: after the first header plus one data block for the 20-byte manifest.
    assert.equal(tar.subarray(1024, 1033).toString('latin1'), 'empty.txt');
    tar[1024] = 'E'.charCodeAt(0);
    assert.throws(() => readTarGz(gzipSync(tar)), /checksum mismatch at byte offset 1024\b/);
  });

  it('refuses an archive cut off before the end marker', () => {
    const tar = gunzipSync(tarGz(entries));
    assert.throws(() => readTarGz(gzipSync(tar.subarray(0, 1024))), /without an end-of-archive marker/);
  });
});

describe('redactConfig', () => {
  const manifest = `# Booth manifest for site 7
booth:
  id: mmc-07 # edge node id
mqtt:
  url: mqtts://booth07:Sup3rS3cret@broker.example.org:8883
  tls:
    password: tls-pass-1
    keyFile: keys/client.key
captures:
  boothKeyFile: keys/booth.key
  inlineKey: |
    -----BEGIN PRIVATE KEY-----
    MC4CAQAwBQYDK2VwBCIEIHh0cmF0ZXN0a2V5bWF0ZXJpYWxub3RyZWFs
    -----END PRIVATE KEY-----
devices:
  - id: uplink
    props:
      apiKey: ak-123456
      api_key: ak-654321
  - id: scanner
    props: { Token: tok-abcdef, quality: 72 }
central:
  Credentials:
    user: ops
    secret: hush-hush
  homepage: https://example.org/path
`;
  const secrets = ['Sup3rS3cret', 'tls-pass-1', 'MC4CAQAw', 'ak-123456', 'ak-654321', 'tok-abcdef', 'hush-hush'];

  it('removes every secret value from the text and never lists the values', () => {
    const { text, redacted } = redactConfig(manifest);
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `text still holds ${secret}`);
      assert.ok(!JSON.stringify(redacted).includes(secret), `list holds ${secret}`);
    }
  });

  it('replaces each secret with "<redacted>" and lists its dotted path', () => {
    const { text, redacted } = redactConfig(manifest);
    const parsed = parse(text);
    assert.equal(parsed.mqtt.tls.password, '<redacted>');
    assert.equal(parsed.mqtt.url, 'mqtts://booth07:<redacted>@broker.example.org:8883');
    assert.equal(parsed.captures.inlineKey, '<redacted>');
    assert.equal(parsed.devices[0].props.apiKey, '<redacted>');
    assert.equal(parsed.devices[0].props.api_key, '<redacted>');
    assert.equal(parsed.devices[1].props.Token, '<redacted>');
    assert.deepEqual(parsed.central.Credentials, { user: '<redacted>', secret: '<redacted>' });
    assert.deepEqual(redacted, [
      'mqtt.url (password)',
      'mqtt.tls.password',
      'captures.inlineKey (private key)',
      'devices[0].props.apiKey',
      'devices[0].props.api_key',
      'devices[1].props.Token',
      'central.Credentials',
    ]);
  });

  it('keeps key file paths, other values and comments', () => {
    const { text } = redactConfig(manifest);
    const parsed = parse(text);
    assert.equal(parsed.captures.boothKeyFile, 'keys/booth.key');
    assert.equal(parsed.mqtt.tls.keyFile, 'keys/client.key');
    assert.equal(parsed.devices[1].props.quality, 72);
    assert.equal(parsed.central.homepage, 'https://example.org/path');
    assert.ok(text.startsWith('# Booth manifest for site 7\n'));
    assert.match(text, /id: mmc-07 # edge node id/);
  });

  it('scrubs secrets out of comments too', () => {
    const { text, redacted } = redactConfig('mqtt:\n  # password: hunter2\n  # old: mqtt://u:pw1234@old-broker\n  port: 1883\n');
    assert.ok(!text.includes('hunter2') && !text.includes('pw1234'), text);
    assert.match(text, /# password: <redacted>/);
    assert.match(text, /mqtt:\/\/u:<redacted>@old-broker/);
    assert.equal(parse(text).mqtt.port, 1883);
    assert.ok(redacted.some((entry) => entry.endsWith('(comment)')), redacted.join());
  });

  it('redacts through anchors and aliases without breaking them', () => {
    const { text } = redactConfig('user: &u bob\npassword: *u\ntoken: &t abc123\ncopy: *t\n');
    assert.deepEqual(parse(text), { user: 'bob', password: '<redacted>', token: '<redacted>', copy: '<redacted>' });
  });

  it('returns a manifest without secrets byte for byte', () => {
    const clean = '# site\nbooth:   { id: a }\n\nlog:\n  level:  info   # spacing kept\n';
    assert.deepEqual(redactConfig(clean), { text: clean, redacted: [] });
  });

  it('throws on unparseable YAML without echoing the input', () => {
    const broken = 'mqtt:\n  password: hunter2-leak\n   url: [mqtt://x:leak@y\n';
    assert.throws(
      () => redactConfig(broken),
      (error: Error) =>
        /could not be parsed/.test(error.message) &&
        /left out/.test(error.message) &&
        !error.message.includes('hunter2') &&
        !error.message.includes('leak'),
    );
  });
});
