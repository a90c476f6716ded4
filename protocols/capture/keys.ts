/**
 * Key files of capture protection. A booth holds an Ed25519 signing key (RFC 8032); the central
 * system holds an X25519 encryption key (RFC 7748). Both are PEM: PKCS#8 for private keys, SPKI
 * for public keys, the formats OpenSSL and every HSM import tool read. Loading checks the key
 * type so a swapped file (a booth key where the central key belongs, a private key published as
 * `.pub`) fails at start-up naming the file, not later as a bad signature.
 */
import { closeSync, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { join } from 'node:path';

/**
 * 'booth': Ed25519 signing key. 'central': X25519 encryption key. 'commands': the central
 * side's Ed25519 key that signs state-changing Sparkplug commands (docs/sparkplug.md, "Signed
 * commands"); a key of its own, never the capture keys.
 */
export type KeyKind = 'booth' | 'central' | 'commands';

export const KEY_TYPE: Readonly<Record<KeyKind, 'ed25519' | 'x25519'>> = { booth: 'ed25519', central: 'x25519', commands: 'ed25519' };

const ROLE: Readonly<Record<KeyKind, string>> = {
  booth: 'booth signing key',
  central: 'central encryption key',
  commands: 'central command-signing key',
};

export interface PemKeyPair {
  /** PKCS#8 PEM. */
  privateKey: string;
  /** SPKI PEM. */
  publicKey: string;
}

export interface KeyPairFiles {
  privateKeyFile: string;
  publicKeyFile: string;
}

export function generateBoothKeyPair(): PemKeyPair {
  return generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export function generateCentralKeyPair(): PemKeyPair {
  return generateKeyPairSync('x25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export function generateKeyPair(kind: KeyKind): PemKeyPair {
  return KEY_TYPE[kind] === 'ed25519' ? generateBoothKeyPair() : generateCentralKeyPair();
}

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** `<dir>/<name>.key` and `<dir>/<name>.pub`. The name must be a plain file name (no path). */
export function keyPairFiles(dir: string, name: string): KeyPairFiles {
  if (!NAME.test(name)) throw new Error(`key name '${name}' must be 1-128 characters of A-Z a-z 0-9 . _ - and not start with '.'`);
  return { privateKeyFile: join(dir, `${name}.key`), publicKeyFile: join(dir, `${name}.pub`) };
}

/** Writes `text` to `file` with exactly `mode` (regardless of umask), durably. Without `force`
 * the file is created with O_EXCL, so an existing key is never clobbered, even by a race; with
 * `force` it is written beside and renamed over, so a crash leaves the old or the new key. */
function writeKeyFile(file: string, text: string, mode: number, force: boolean): void {
  const target = force ? `${file}.${randomBytes(6).toString('hex')}.tmp` : file;
  let fd: number;
  try {
    fd = openSync(target, 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw Object.assign(new Error(`refusing to overwrite existing ${file} (use --force)`), { code: 'EEXIST' });
    }
    throw error;
  }
  try {
    fchmodSync(fd, mode);
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(target, { force: true });
    throw error;
  }
  closeSync(fd);
  if (force) renameSync(target, file);
}

/**
 * Writes `<name>.key` (mode 0600) and `<name>.pub` (mode 0644) into `dir` (created 0700 if
 * missing). Refuses, before writing anything, when either exists, unless `force`.
 */
export function writeKeyPair(dir: string, name: string, pair: PemKeyPair, options: { force?: boolean } = {}): KeyPairFiles {
  const files = keyPairFiles(dir, name);
  const force = options.force === true;
  if (!force) {
    for (const file of [files.privateKeyFile, files.publicKeyFile]) {
      if (existsSync(file)) throw Object.assign(new Error(`refusing to overwrite existing ${file} (use --force)`), { code: 'EEXIST' });
    }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeKeyFile(files.privateKeyFile, pair.privateKey, 0o600, force);
  writeKeyFile(files.publicKeyFile, pair.publicKey, 0o644, force);
  return files;
}

function readKeyText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read key file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function checkType(file: string, key: KeyObject, kind: KeyKind, visibility: 'private' | 'public'): KeyObject {
  const expected = KEY_TYPE[kind];
  if (key.asymmetricKeyType !== expected) {
    throw new Error(`${file}: expected an ${expected} ${visibility} key (${ROLE[kind]}), found ${key.asymmetricKeyType ?? 'an unknown'} key`);
  }
  return key;
}

/** Loads a PKCS#8 PEM private key and checks it is the type `kind` uses. */
export function loadPrivateKey(file: string, kind: KeyKind): KeyObject {
  const text = readKeyText(file);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (error) {
    throw new Error(`${file}: expected a PEM ${KEY_TYPE[kind]} private key (${ROLE[kind]}): ${(error as Error).message}`, { cause: error });
  }
  return checkType(file, key, kind, 'private');
}

/** Loads an SPKI PEM public key and checks it is the type `kind` uses. A private key is refused
 * (createPublicKey would quietly derive the public half; a private key in a public place is a
 * leak to report, not to paper over). */
export function loadPublicKey(file: string, kind: KeyKind): KeyObject {
  const text = readKeyText(file);
  if (text.includes('PRIVATE KEY')) throw new Error(`${file}: expected an ${KEY_TYPE[kind]} public key (${ROLE[kind]}), found a private key`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch (error) {
    throw new Error(`${file}: expected a PEM ${KEY_TYPE[kind]} public key (${ROLE[kind]}): ${(error as Error).message}`, { cause: error });
  }
  return checkType(file, key, kind, 'public');
}
