import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CaptureCryptoError, decodeSealed, encodeSealed, signatureInput,
  type CaptureCryptoErrorCode, type SealedHeader, type SealedPackage,
} from '../../protocols/capture/crypto-provider.ts';
import { generateBoothKeyPair, generateCentralKeyPair, loadPrivateKey, loadPublicKey, writeKeyPair } from '../../protocols/capture/keys.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import { runGenerateKeys } from '../../scripts/generate-keys.ts';

const booth = generateBoothKeyPair();
const central = generateCentralKeyPair();
const boothPrivateKey = createPrivateKey(booth.privateKey);
const boothPublicKey = createPublicKey(booth.publicKey);
const centralPrivateKey = createPrivateKey(central.privateKey);
const boothSide = createX25519Crypto({ boothPrivateKey, centralPublicKey: createPublicKey(central.publicKey) });
const centralSide = createX25519Crypto({ centralPrivateKey });
const tmp = mkdtempSync(join(tmpdir(), 'capture-crypto-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function rejects(fn: () => unknown, code: CaptureCryptoErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CaptureCryptoError, `expected CaptureCryptoError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

function withHeader(sealed: SealedPackage, change: Partial<SealedHeader>): SealedPackage {
  return { ...sealed, header: { ...sealed.header, ...change } };
}

/** Flips the first byte of a base64 header field. */
function flipField(header: SealedHeader, field: 'ephemeralPublicKey' | 'wrapIv' | 'wrappedKey' | 'iv' | 'tag'): string {
  const bytes = Buffer.from(header[field], 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

const flipByte = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = new Uint8Array(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x80;
  return copy;
};

describe('capture crypto: round trip', () => {
  for (const size of [0, 1, 5 * 1024 * 1024]) {
    it(`seal -> encode -> decode -> verify -> open, ${size} bytes`, () => {
      const plaintext = randomBytes(size);
      const bytes = encodeSealed(boothSide.seal(`cap-${size}`, plaintext));
      const decoded = decodeSealed(bytes);
      centralSide.verify(decoded, boothPublicKey);
      assert.ok(Buffer.from(centralSide.open(decoded)).equals(plaintext));
      assert.equal(decoded.header.packageId, `cap-${size}`);
    });
  }

  it('gives fresh keys, IVs and ciphertext on every seal of the same plaintext', () => {
    const plaintext = Buffer.from('the same fingerprints twice');
    const a = boothSide.seal('p1', plaintext);
    const b = boothSide.seal('p1', plaintext);
    assert.notDeepEqual(a.ciphertext, b.ciphertext);
    for (const field of ['wrappedKey', 'ephemeralPublicKey', 'iv', 'wrapIv', 'tag'] as const) assert.notEqual(a.header[field], b.header[field]);
  });

  it('refuses keys of the wrong type or a missing key with EBADKEY', () => {
    rejects(() => createX25519Crypto({ boothPrivateKey: centralPrivateKey }), 'EBADKEY', /boothPrivateKey must be an ed25519/);
    rejects(() => createX25519Crypto({ centralPublicKey: boothPublicKey }), 'EBADKEY');
    rejects(() => centralSide.seal('x', new Uint8Array(1)), 'EBADKEY', /seal needs/);
    rejects(() => boothSide.open(boothSide.seal('x', new Uint8Array(1))), 'EBADKEY', /open needs/);
    rejects(() => centralSide.verify(boothSide.seal('x', new Uint8Array(1)), createPublicKey(central.publicKey)), 'EBADKEY');
  });
});

describe('capture crypto: tampering', () => {
  const sealed = boothSide.seal('pkg-A', randomBytes(4096));
  const h = sealed.header;
  // field -> [changed value, code from verify, code from open (which does not check the signature)]
  const cases: Array<[keyof SealedHeader, string | number, CaptureCryptoErrorCode, CaptureCryptoErrorCode]> = [
    ['v', 2, 'EUNSUPPORTED', 'EUNSUPPORTED'],
    ['suite', 'x25519-hkdf-sha256+aes-256-gcm+ed448', 'EUNSUPPORTED', 'EUNSUPPORTED'],
    ['packageId', 'pkg-B', 'EBADSIG', 'EBADKEY'],
    ['recipientKeyId', '0'.repeat(32), 'EBADSIG', 'EBADKEY'],
    ['signerKeyId', 'f'.repeat(32), 'EBADSIG', 'EBADMSG'],
    ['ephemeralPublicKey', flipField(h, 'ephemeralPublicKey'), 'EBADSIG', 'EBADKEY'],
    ['wrapIv', flipField(h, 'wrapIv'), 'EBADSIG', 'EBADKEY'],
    ['wrappedKey', flipField(h, 'wrappedKey'), 'EBADSIG', 'EBADKEY'],
    ['iv', flipField(h, 'iv'), 'EBADSIG', 'EBADMSG'],
    ['tag', flipField(h, 'tag'), 'EBADSIG', 'EBADMSG'],
  ];
  for (const [field, value, verifyCode, openCode] of cases) {
    it(`rejects a changed header field '${field}' (verify ${verifyCode}, open ${openCode})`, () => {
      const tampered = withHeader(sealed, { [field]: value });
      rejects(() => centralSide.verify(tampered, boothPublicKey), verifyCode);
      rejects(() => centralSide.open(tampered), openCode);
    });
  }

  it('rejects a changed ciphertext byte, first or last', () => {
    for (const at of [0, sealed.ciphertext.length - 1]) {
      const tampered = { ...sealed, ciphertext: flipByte(sealed.ciphertext, at) };
      rejects(() => centralSide.verify(tampered, boothPublicKey), 'EBADSIG');
      rejects(() => centralSide.open(tampered), 'EBADMSG');
    }
    rejects(() => centralSide.open({ ...sealed, ciphertext: sealed.ciphertext.subarray(1) }), 'EBADMSG');
  });

  it('rejects a changed, truncated or empty signature', () => {
    for (const signature of [flipByte(sealed.signature, 10), flipByte(sealed.signature, 63), sealed.signature.subarray(0, 63), new Uint8Array(0)]) {
      rejects(() => centralSide.verify({ ...sealed, signature }, boothPublicKey), 'EBADSIG');
    }
  });

  it('binds the package id into the key derivation: re-signed under id B it still does not open', () => {
    const header = { ...sealed.header, packageId: 'pkg-B' };
    const resigned = { header, ciphertext: sealed.ciphertext, signature: sign(null, signatureInput(header, sealed.ciphertext), boothPrivateKey) };
    centralSide.verify(resigned, boothPublicKey); // a compromised booth key can re-sign...
    rejects(() => centralSide.open(resigned), 'EBADKEY', /package id/); // ...but not re-derive the KEK
  });

  it('fails with the wrong central private key (EBADKEY) and the wrong booth public key (EBADSIG)', () => {
    const other = createX25519Crypto({ centralPrivateKey: createPrivateKey(generateCentralKeyPair().privateKey) });
    rejects(() => other.open(sealed), 'EBADKEY', /sealed to central key/);
    // Same key id (as if it had been reused in error), wrong private key: the unwrap itself fails.
    const otherKeyId = withHeader(sealed, { recipientKeyId: '0'.repeat(32) });
    rejects(() => other.open(otherKeyId), 'EBADKEY');
    rejects(() => centralSide.verify(sealed, createPublicKey(generateBoothKeyPair().publicKey)), 'EBADSIG', /signed by key/);
  });
});

describe('capture crypto: envelope decoding', () => {
  const goodPlaintext = randomBytes(64);
  const good = encodeSealed(boothSide.seal('fuzz-1', goodPlaintext));
  const headerLen = Buffer.from(good).readUInt32BE(4);
  const envelope = (header: string, rest = good.subarray(8 + headerLen)): Uint8Array => {
    const h = Buffer.from(header, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(h.length);
    return Buffer.concat([Buffer.from('BCP1'), len, h, rest]);
  };
  const headerJson = Buffer.from(good).toString('utf8', 8, 8 + headerLen);
  const malformed: Array<[string, Uint8Array, RegExp]> = [
    ['empty input', new Uint8Array(0), /offset 0/],
    ['garbage', randomBytes(100), /offset 0: magic/],
    ['truncated in the header', good.subarray(0, 20), /offset 4: header length/],
    ['truncated in the signature', good.subarray(0, 8 + headerLen + 20), /offset \d+: signature length/],
    ['huge header length', Buffer.concat([Buffer.from('BCP1'), Buffer.from([0xff, 0xff, 0xff, 0xff]), good.subarray(8)]), /offset 4: header length 4294967295/],
    ['non-JSON header', envelope('x'.repeat(headerLen)), /offset 8: header is not UTF-8 JSON/],
    ['non-canonical header', envelope(` ${headerJson}`), /offset 8: header JSON is not in canonical form/],
    ['unknown header field', envelope(headerJson.replace('{', '{"extra":1,')), /offset 8: header field 'extra' is unknown/],
    ['missing header field', envelope(headerJson.replace(/,"tag":"[^"]*"/, '')), /offset 8: header field 'tag' is missing/],
    ['bad base64', envelope(headerJson.replace(/"iv":"[^"]*"/, '"iv":"!!!!"')), /offset 8: header field 'iv'/],
  ];
  for (const [what, bytes, message] of malformed) {
    it(`rejects ${what} with EBADMSG naming the offset`, () => rejects(() => decodeSealed(bytes), 'EBADMSG', message));
  }

  it('honours the ciphertext size limit', () => {
    rejects(() => decodeSealed(good, { maxCiphertextBytes: 10 }), 'EBADMSG', /offset \d+: ciphertext of 64 bytes exceeds 10/);
  });

  it('survives 3,000 seeded random mutations: only EBADMSG from decode, only verify failures after', (t) => {
    let seed = 0x5eed1234;
    const rand = (): number => { // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (n: number): number => Math.floor(rand() * n);
    const randomBuf = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
    const counts = { decoded: 0, rejected: 0, unchanged: 0 };
    for (let i = 0; i < 3000; i += 1) {
      let m: Buffer = Buffer.from(good);
      const at = int(m.length);
      switch (i % 8) {
        case 0: m[at] = (m[at] ?? 0) ^ (1 << int(8)); break;
        case 1: m[at] = ((m[at] ?? 0) + 1 + int(255)) & 0xff; break;
        case 2: m = m.subarray(0, at); break;
        case 3: m = Buffer.concat([m, randomBuf(1 + int(64))]); break;
        case 4: m.writeUInt32BE(int(2) === 0 ? int(0x1_0000_0000) : headerLen + int(16) - 8, 4); break;
        case 5: m.writeUInt32BE(int(2) === 0 ? int(0x1_0000_0000) : 64 + int(16) - 8, 8 + headerLen); break;
        case 6: m = Buffer.concat([m.subarray(0, at), int(2) === 0 ? randomBuf(1 + int(4)) : Buffer.alloc(0), m.subarray(at + 1 + int(4))]); break;
        default: m = int(2) === 0 ? randomBuf(int(300)) : Buffer.concat([Buffer.from('BCP1'), randomBuf(int(300))]);
      }
      if (m.equals(good)) { // e.g. a length rewritten to its own value: not a mutation
        counts.unchanged += 1;
        continue;
      }
      let decoded: SealedPackage;
      try {
        decoded = decodeSealed(m);
      } catch (error) {
        assert.ok(error instanceof CaptureCryptoError && error.code === 'EBADMSG', `mutation ${i}: ${String(error)}`);
        assert.match(error.message, /offset \d+/);
        counts.rejected += 1;
        continue;
      }
      counts.decoded += 1; // a mutant that still parses must not pass as the original
      assert.throws(() => centralSide.verify(decoded, boothPublicKey), (e: unknown) => e instanceof CaptureCryptoError, `mutation ${i}`);
      try { // open does not check the signature: it either yields the true plaintext or a CaptureCryptoError
        assert.ok(Buffer.from(centralSide.open(decoded)).equals(goodPlaintext), `mutation ${i} opened to something else`);
      } catch (error) {
        assert.ok(error instanceof CaptureCryptoError, `mutation ${i}: ${String(error)}`);
      }
    }
    assert.equal(counts.decoded + counts.rejected + counts.unchanged, 3000);
    assert.ok(counts.unchanged < 100 && counts.decoded > 100, JSON.stringify(counts));
    t.diagnostic(`mutations: ${JSON.stringify(counts)}`);
  });
});

describe('capture keys and generate-keys', () => {
  const io = () => {
    const lines: string[] = [];
    return { lines, io: { stdout: (l: string) => lines.push(l), stderr: (l: string) => lines.push(l) } };
  };

  it('writes <name>.key 0600 and <name>.pub 0644 and loads them back with the expected types', () => {
    const dir = join(tmp, 'pairs');
    const files = writeKeyPair(dir, 'booth-01', generateBoothKeyPair());
    assert.equal(statSync(files.privateKeyFile).mode & 0o777, 0o600);
    assert.equal(statSync(files.publicKeyFile).mode & 0o777, 0o644);
    assert.equal(loadPrivateKey(files.privateKeyFile, 'booth').asymmetricKeyType, 'ed25519');
    assert.equal(loadPublicKey(files.publicKeyFile, 'booth').asymmetricKeyType, 'ed25519');
    assert.throws(() => writeKeyPair(dir, 'booth-01', generateBoothKeyPair()), /refusing to overwrite .*booth-01\.key/);
  });

  it('rejects a key of the wrong type, a private key as .pub and a non-key, naming the file', () => {
    const dir = join(tmp, 'wrong');
    const files = writeKeyPair(dir, 'central', generateCentralKeyPair());
    assert.throws(() => loadPrivateKey(files.privateKeyFile, 'booth'), (e: Error) => e.message.includes(files.privateKeyFile) && /expected an ed25519 private key .*found x25519/.test(e.message));
    assert.throws(() => loadPublicKey(files.publicKeyFile, 'booth'), (e: Error) => e.message.includes(files.publicKeyFile) && /expected an ed25519 public key/.test(e.message));
    assert.throws(() => loadPublicKey(files.privateKeyFile, 'central'), /found a private key/);
    const junk = join(dir, 'junk.pub');
    writeFileSync(junk, 'not a key');
    assert.throws(() => loadPublicKey(junk, 'central'), (e: Error) => e.message.startsWith(`${junk}: expected a PEM x25519 public key`));
    assert.throws(() => loadPrivateKey(join(dir, 'missing.key'), 'central'), /cannot read key file .*missing\.key/);
  });

  it('generate-keys writes both pairs, refuses to overwrite without --force, replaces with it', () => {
    const dir = join(tmp, 'cli');
    const first = io();
    assert.equal(runGenerateKeys(['--out', dir, '--booth', 'b1', '--central', 'c1'], first.io), 0);
    assert.equal(first.lines.filter((l) => l.includes(dir)).length, 4);
    const before = readFileSync(join(dir, 'b1.key'), 'utf8');
    const refused = io();
    assert.equal(runGenerateKeys(['--out', dir, '--central', 'c2', '--booth', 'b1'], refused.io), 73);
    assert.match(refused.lines.join('\n'), /refusing to overwrite existing .*b1\.key.*b1\.pub.*--force/);
    assert.throws(() => statSync(join(dir, 'c2.key')), /ENOENT/); // nothing half-done
    assert.equal(runGenerateKeys(['--out', dir, '--booth', 'b1', '--force'], io().io), 0);
    assert.notEqual(readFileSync(join(dir, 'b1.key'), 'utf8'), before);
    assert.equal(statSync(join(dir, 'b1.key')).mode & 0o777, 0o600);
    assert.equal(loadPublicKey(join(dir, 'c1.pub'), 'central').asymmetricKeyType, 'x25519');
    assert.equal(runGenerateKeys(['--out', dir], io().io), 64);
    assert.equal(runGenerateKeys(['--out', dir, '--booth', '../escape'], io().io), 64);
  });

  it('runs as a CLI', () => {
    const dir = join(tmp, 'spawned');
    const run = () => spawnSync(process.execPath, ['scripts/generate-keys.ts', '--out', dir, '--central', 'central'], { encoding: 'utf8' });
    const ok = run();
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /central\.key \(private, 0600\)/);
    const again = run();
    assert.equal(again.status, 73);
    assert.match(again.stderr, /refusing to overwrite/);
  });
});

describe('capture crypto: throughput (5 MiB)', () => {
  it('measures seal and open', (t) => {
    const plaintext = randomBytes(5 * 1024 * 1024);
    const mb = plaintext.length / 1e6;
    const seal: number[] = [];
    const open: number[] = [];
    for (let run = 0; run < 5; run += 1) {
      let start = performance.now();
      const bytes = encodeSealed(boothSide.seal(`bench-${run}`, plaintext));
      seal.push(mb / ((performance.now() - start) / 1000));
      start = performance.now();
      const decoded = decodeSealed(bytes);
      centralSide.verify(decoded, boothPublicKey);
      centralSide.open(decoded);
      open.push(mb / ((performance.now() - start) / 1000));
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    t.diagnostic(`seal+encode MB/s: ${fmt(seal)}; decode+verify+open MB/s: ${fmt(open)}`);
  });
});
