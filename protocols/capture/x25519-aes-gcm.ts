/**
 * Default capture protection: ECIES-style hybrid encryption to the central X25519 key, signed
 * by the booth Ed25519 key.
 *
 *   ephemeral X25519 pair per package                       RFC 7748 §6.1
 *   shared = X25519(ephemeral private, central public)      (all-zero output is refused)
 *   KEK    = HKDF-SHA256(IKM = shared,                      RFC 5869
 *                        salt = ephemeral pub || central pub,
 *                        info = "booth-capture v1 " || packageId, L = 32)
 *   wrappedKey = AES-256-GCM(KEK, wrapIv, AAD = packageId, 32-byte random data key) || tag
 *   ciphertext = AES-256-GCM(data key, iv, AAD = canonical header without tag, plaintext)
 *                                                           NIST SP 800-38D, 96-bit IVs
 *   signature  = Ed25519(booth key, canonical header || SHA-256(ciphertext))   RFC 8032
 *
 * Why the salt is both public keys: as in RFC 9180 (HPKE) and ECIES (SEC 1 §5.1), the KEK then
 * depends on the exact key pair that produced the secret, so it is bound to the intended
 * recipient and cannot be shared with another ephemeral key of equal DH output; RFC 5869 §3.1
 * allows a non-secret salt. The package id in `info` (and in both AADs) means a ciphertext and
 * wrapped key replayed under another package id derive another KEK and fail, even if the
 * attacker could re-sign the header.
 * Why GCM for the wrap and not AES key wrap (RFC 3394): the KEK is single-use, so a random IV
 * is safe; GCM carries the package id as AAD, which id-aes256-wrap cannot; and one primitive
 * (with one set of tests) serves both layers. Cost: 48 bytes instead of 40.
 * Why a separate data key at all (rather than using the HKDF output directly): the payload key
 * stays independent of the key agreement, so re-wrapping to a second recipient or swapping in
 * GOST KExp15 later changes only the wrap.
 */
import {
  createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, KeyObject,
  randomBytes, sign, verify as verifySignature,
} from 'node:crypto';
import {
  canonicalHeaderBytes, CaptureCryptoError, headerBytes, HEADER_VERSION, isValidPackageId, keyId, signatureInput,
  type CaptureCrypto, type SealedHeader, type SealedPackage,
} from './crypto-provider.ts';

export const X25519_SUITE = 'x25519-hkdf-sha256+aes-256-gcm+ed25519';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SIGNATURE_BYTES = 64;
const INFO_PREFIX = 'booth-capture v1 ';

export interface X25519CryptoOptions {
  /** Booth side (seal): the booth's Ed25519 signing key. */
  boothPrivateKey?: KeyObject;
  /** Booth side (seal): the central X25519 encryption public key. */
  centralPublicKey?: KeyObject;
  /** Central side (open): the central X25519 private key. */
  centralPrivateKey?: KeyObject;
}

function requireKey(key: KeyObject | undefined, type: 'ed25519' | 'x25519', kind: 'private' | 'public', what: string): KeyObject | undefined {
  if (key === undefined) return undefined;
  if (!(key instanceof KeyObject)) throw new CaptureCryptoError('EBADKEY', `${what} is not a KeyObject`);
  if (key.type !== kind || key.asymmetricKeyType !== type) {
    throw new CaptureCryptoError('EBADKEY', `${what} must be an ${type} ${kind} key, got ${key.asymmetricKeyType ?? key.type} ${key.type}`);
  }
  return key;
}

function rawX25519(publicKey: KeyObject): Buffer {
  const { x } = publicKey.export({ format: 'jwk' });
  return Buffer.from(x ?? '', 'base64url');
}

function gcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/** Returns the plaintext only once the tag has verified (SP 800-38D §7.2: no unauthenticated
 * output); undefined when it does not. */
function gcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Buffer | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const head = decipher.update(ciphertext);
  let tail: Buffer;
  try {
    tail = decipher.final();
  } catch {
    head.fill(0);
    return undefined;
  }
  if (tail.length === 0) return head; // GCM's final() yields nothing: no copy of 5 MiB, no stray copy of a key
  const whole = Buffer.concat([head, tail]);
  head.fill(0);
  return whole;
}

/** KEK for one package. Intermediate secrets are zeroed; the caller zeroes the KEK. */
function deriveKek(shared: Buffer, ephemeralPublic: Buffer, centralPublic: Buffer, packageId: string): Buffer {
  try {
    const salt = Buffer.concat([ephemeralPublic, centralPublic]);
    return Buffer.from(hkdfSync('sha256', shared, salt, Buffer.from(INFO_PREFIX + packageId, 'utf8'), KEY_BYTES));
  } finally {
    shared.fill(0);
  }
}

function fieldBytes(header: SealedHeader, field: 'ephemeralPublicKey' | 'wrapIv' | 'wrappedKey' | 'iv' | 'tag', length: number): Buffer {
  const bytes = headerBytes(header, field);
  if (bytes.length !== length) throw new CaptureCryptoError('EBADMSG', `header field '${field}' is ${bytes.length} bytes, ${X25519_SUITE} needs ${length}`);
  return bytes;
}

function checkSuite(header: SealedHeader): void {
  if (header.v !== HEADER_VERSION || header.suite !== X25519_SUITE) {
    throw new CaptureCryptoError('EUNSUPPORTED', `package is v${String(header.v)} '${String(header.suite)}', this provider handles v${HEADER_VERSION} '${X25519_SUITE}'`);
  }
}

export function createX25519Crypto(options: X25519CryptoOptions): CaptureCrypto {
  const boothPrivateKey = requireKey(options.boothPrivateKey, 'ed25519', 'private', 'boothPrivateKey');
  const centralPrivateKey = requireKey(options.centralPrivateKey, 'x25519', 'private', 'centralPrivateKey');
  const centralPublicKey = requireKey(options.centralPublicKey, 'x25519', 'public', 'centralPublicKey')
    ?? (centralPrivateKey === undefined ? undefined : createPublicKey(centralPrivateKey));
  const centralRaw = centralPublicKey === undefined ? undefined : rawX25519(centralPublicKey);
  const recipientKeyId = centralPublicKey === undefined ? undefined : keyId(centralPublicKey);
  const signerKeyId = boothPrivateKey === undefined ? undefined : keyId(createPublicKey(boothPrivateKey));

  function seal(packageId: string, plaintext: Uint8Array): SealedPackage {
    if (boothPrivateKey === undefined || centralPublicKey === undefined || centralRaw === undefined || recipientKeyId === undefined || signerKeyId === undefined) {
      throw new CaptureCryptoError('EBADKEY', 'seal needs boothPrivateKey and centralPublicKey');
    }
    if (!isValidPackageId(packageId)) throw new CaptureCryptoError('EBADMSG', 'package id must be 1-256 printable ASCII characters');
    const dataKey = randomBytes(KEY_BYTES);
    try {
      const ephemeral = generateKeyPairSync('x25519');
      const ephemeralRaw = rawX25519(ephemeral.publicKey);
      const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: centralPublicKey });
      const kek = deriveKek(shared, ephemeralRaw, centralRaw, packageId);
      const wrapIv = randomBytes(IV_BYTES);
      let wrapped: { ciphertext: Buffer; tag: Buffer };
      try {
        wrapped = gcmEncrypt(kek, wrapIv, Buffer.from(packageId, 'utf8'), dataKey);
      } finally {
        kek.fill(0);
      }
      const iv = randomBytes(IV_BYTES);
      const header: SealedHeader = {
        v: HEADER_VERSION,
        suite: X25519_SUITE,
        packageId,
        recipientKeyId,
        signerKeyId,
        ephemeralPublicKey: ephemeralRaw.toString('base64'),
        wrapIv: wrapIv.toString('base64'),
        wrappedKey: Buffer.concat([wrapped.ciphertext, wrapped.tag]).toString('base64'),
        iv: iv.toString('base64'),
        tag: '',
      };
      const { ciphertext, tag } = gcmEncrypt(dataKey, iv, canonicalHeaderBytes(header, true), plaintext);
      header.tag = tag.toString('base64');
      const signature = sign(null, signatureInput(header, ciphertext), boothPrivateKey);
      return { header, ciphertext, signature };
    } finally {
      dataKey.fill(0);
    }
  }

  function verify(sealed: SealedPackage, boothPublicKey: KeyObject): void {
    const key = requireKey(boothPublicKey, 'ed25519', 'public', 'boothPublicKey');
    if (key === undefined) throw new CaptureCryptoError('EBADKEY', 'verify needs the booth public key');
    checkSuite(sealed.header);
    const expected = keyId(key);
    if (sealed.header.signerKeyId !== expected) {
      throw new CaptureCryptoError('EBADSIG', `package is signed by key ${String(sealed.header.signerKeyId)}, the booth public key given is ${expected}`);
    }
    if (sealed.signature.byteLength !== SIGNATURE_BYTES) {
      throw new CaptureCryptoError('EBADSIG', `signature is ${sealed.signature.byteLength} bytes, Ed25519 signatures are ${SIGNATURE_BYTES}`);
    }
    let ok = false;
    try {
      ok = verifySignature(null, signatureInput(sealed.header, sealed.ciphertext), key, sealed.signature);
    } catch (error) {
      if (error instanceof CaptureCryptoError) throw error;
      throw new CaptureCryptoError('EBADSIG', 'signature could not be checked', { cause: error });
    }
    if (!ok) throw new CaptureCryptoError('EBADSIG', `Ed25519 signature over header and ciphertext of package '${sealed.header.packageId}' does not verify`);
  }

  function open(sealed: SealedPackage): Uint8Array {
    if (centralPrivateKey === undefined || centralRaw === undefined) throw new CaptureCryptoError('EBADKEY', 'open needs centralPrivateKey');
    const { header } = sealed;
    checkSuite(header);
    const aad = canonicalHeaderBytes(header, true); // also validates the header's shape
    if (header.recipientKeyId !== recipientKeyId) {
      throw new CaptureCryptoError('EBADKEY', `package is sealed to central key ${header.recipientKeyId}, this central key is ${recipientKeyId}`);
    }
    const ephemeralRaw = fieldBytes(header, 'ephemeralPublicKey', KEY_BYTES);
    const wrapIv = fieldBytes(header, 'wrapIv', IV_BYTES);
    const wrapped = fieldBytes(header, 'wrappedKey', KEY_BYTES + TAG_BYTES);
    const iv = fieldBytes(header, 'iv', IV_BYTES);
    const tag = fieldBytes(header, 'tag', TAG_BYTES);
    let shared: Buffer;
    try {
      const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: ephemeralRaw.toString('base64url') }, format: 'jwk' });
      shared = diffieHellman({ privateKey: centralPrivateKey, publicKey: ephemeral });
    } catch (error) {
      throw new CaptureCryptoError('EBADKEY', 'ephemeral public key is unusable (low-order point or invalid encoding)', { cause: error });
    }
    const kek = deriveKek(shared, ephemeralRaw, centralRaw, header.packageId);
    let dataKey: Buffer | undefined;
    try {
      dataKey = gcmDecrypt(kek, wrapIv, Buffer.from(header.packageId, 'utf8'), wrapped.subarray(0, KEY_BYTES), wrapped.subarray(KEY_BYTES));
    } finally {
      kek.fill(0);
    }
    if (dataKey === undefined) {
      throw new CaptureCryptoError('EBADKEY', 'data key does not unwrap: wrong central key, or the package id, ephemeral key or wrapped key was altered');
    }
    try {
      const plaintext = gcmDecrypt(dataKey, iv, aad, sealed.ciphertext, tag);
      if (plaintext === undefined) throw new CaptureCryptoError('EBADMSG', 'ciphertext does not authenticate: ciphertext, IV, tag or header was altered');
      return plaintext;
    } finally {
      dataKey.fill(0);
    }
  }

  return { name: X25519_SUITE, seal, verify, open };
}
