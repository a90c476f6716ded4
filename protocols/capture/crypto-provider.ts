/**
 * End-to-end protection of a capture package: the provider contract the capture transfer code
 * uses, the sealed-package header, and the versioned binary envelope that carries it over MQTT.
 * Algorithm-neutral on purpose: a GOST provider (VKO + KExp15 + Kuznyechik-MGM + GOST 34.10)
 * fills the same header fields with its own sizes and names its own `suite`.
 *
 * Envelope "BCP1" (all integers unsigned 32-bit big-endian):
 *   offset 0       magic        4 bytes, ASCII "BCP1" (envelope version 1)
 *   offset 4       headerLen    1..MAX_HEADER_BYTES
 *   offset 8       header       headerLen bytes: the canonical header JSON (UTF-8), see below
 *   offset 8+H     sigLen       1..MAX_SIGNATURE_BYTES
 *   offset 12+H    signature    sigLen bytes
 *   offset 12+H+S  ciphertext   every remaining byte (0..maxCiphertextBytes)
 * Canonical header JSON: `JSON.stringify` of exactly the HEADER_FIELDS below, in that order, no
 * whitespace, binary fields as standard padded base64. The decoder rejects any other spelling
 * of the same header, so there is exactly one byte string per header: what is signed is what
 * is sent, and nothing can be re-encoded around the signature.
 */
import { createHash, type KeyObject } from 'node:crypto';

export interface SealedHeader {
  /** Header format version; 1. */
  v: number;
  /** Algorithm suite, equal to the sealing provider's `CaptureCrypto.name`. One string rather
   * than one name per primitive so a receiver never has to judge a mix-and-match combination. */
  suite: string;
  /** The capture package id; bound into the key derivation, the key wrap and the AEAD. */
  packageId: string;
  /** Key id (see keyId) of the central encryption public key this package is sealed to. */
  recipientKeyId: string;
  /** Key id of the booth signing public key that signed it. */
  signerKeyId: string;
  /** base64: the sender's ephemeral public key. */
  ephemeralPublicKey: string;
  /** base64: IV/nonce of the key wrap. */
  wrapIv: string;
  /** base64: the wrapped data key (wrap ciphertext followed by its tag). */
  wrappedKey: string;
  /** base64: IV/nonce of the payload encryption. */
  iv: string;
  /** base64: authentication tag of the payload encryption. */
  tag: string;
}

export interface SealedPackage {
  /** Everything the central side needs except the ciphertext. */
  header: SealedHeader;
  ciphertext: Uint8Array;
  /** Booth's signature over signatureInput(header, ciphertext). */
  signature: Uint8Array;
}

export interface CaptureCrypto {
  /** The suite name written to `header.suite`, e.g. 'x25519-hkdf-sha256+aes-256-gcm+ed25519'. */
  readonly name: string;
  /** Booth side: fresh random data key per call, wrapped to the central public key, signed
   * with the booth private key. */
  seal(packageId: string, plaintext: Uint8Array): SealedPackage;
  /** Checks the booth signature; throws CaptureCryptoError (EBADSIG, EUNSUPPORTED, EBADKEY). */
  verify(sealed: SealedPackage, boothPublicKey: KeyObject): void;
  /** Central side: unwraps, decrypts, authenticates. Does NOT check the booth signature (it
   * has no booth key): call verify first. Throws CaptureCryptoError. */
  open(sealed: SealedPackage): Uint8Array;
}

export type CaptureCryptoErrorCode = 'EBADSIG' | 'EBADKEY' | 'EBADMSG' | 'EUNSUPPORTED';

export class CaptureCryptoError extends Error {
  readonly code: CaptureCryptoErrorCode;
  constructor(code: CaptureCryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'CaptureCryptoError';
    this.code = code;
  }
}

export const ENVELOPE_MAGIC = 'BCP1';
export const HEADER_VERSION = 1;
export const MAX_HEADER_BYTES = 16 * 1024;
/** Room for Ed25519 (64), GOST 34.10-2012/512 (128) and post-quantum signatures (< 5 KiB). */
export const MAX_SIGNATURE_BYTES = 8 * 1024;
export const DEFAULT_MAX_CIPHERTEXT_BYTES = 256 * 1024 * 1024;

const STRING_FIELDS = ['suite', 'packageId', 'recipientKeyId', 'signerKeyId'] as const;
const BINARY_FIELDS = ['ephemeralPublicKey', 'wrapIv', 'wrappedKey', 'iv', 'tag'] as const;
/** Canonical order of the header JSON. */
export const HEADER_FIELDS = ['v', ...STRING_FIELDS, ...BINARY_FIELDS] as const;

/** Printable ASCII without space: no Unicode normalisation questions, safe in logs and topics. */
const PACKAGE_ID = /^[\x21-\x7e]{1,256}$/;
const SUITE = /^[a-z0-9][a-z0-9._+-]{0,127}$/;
const KEY_ID = /^[0-9a-f]{32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_BINARY_FIELD_BYTES = 1024;

export function isValidPackageId(id: unknown): id is string {
  return typeof id === 'string' && PACKAGE_ID.test(id);
}

/** Key id: hex of the first 16 bytes of SHA-256 over the key's SPKI DER encoding. */
export function keyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 32);
}

/** Decodes a binary header field; throws EBADMSG naming the field unless canonical base64. */
export function headerBytes(header: SealedHeader, field: (typeof BINARY_FIELDS)[number]): Buffer {
  const text = header[field];
  if (typeof text !== 'string' || !BASE64.test(text)) throw new CaptureCryptoError('EBADMSG', `header field '${field}' is not base64`);
  return Buffer.from(text, 'base64');
}

/**
 * Checks a parsed header's shape (suite-independent: exact field set, types, bounds, canonical
 * base64). Returns a reason, or undefined when it is well formed.
 */
export function headerProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'header is not a JSON object';
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (const key of keys) if (!(HEADER_FIELDS as readonly string[]).includes(key)) return `header field '${key.slice(0, 40)}' is unknown`;
  for (const field of HEADER_FIELDS) if (!Object.hasOwn(record, field)) return `header field '${field}' is missing`;
  if (!Number.isSafeInteger(record.v) || (record.v as number) < 1) return "header field 'v' is not a positive integer";
  if (typeof record.suite !== 'string' || !SUITE.test(record.suite)) return "header field 'suite' is not a suite name";
  if (!isValidPackageId(record.packageId)) return "header field 'packageId' is not 1-256 printable ASCII characters";
  for (const field of ['recipientKeyId', 'signerKeyId'] as const) {
    const id = record[field];
    if (typeof id !== 'string' || !KEY_ID.test(id)) return `header field '${field}' is not a 32-digit lower-case hex key id`;
  }
  for (const field of BINARY_FIELDS) {
    const text = record[field];
    if (typeof text !== 'string' || !BASE64.test(text)) return `header field '${field}' is not canonical base64`;
    if ((text.length / 4) * 3 > MAX_BINARY_FIELD_BYTES + 2) return `header field '${field}' is longer than ${MAX_BINARY_FIELD_BYTES} bytes`;
  }
  return undefined;
}

/** The one byte string of a header. `withoutTag` gives the AEAD's associated data: the header
 * without its `tag` field, which cannot exist before the encryption it authenticates (a sealer
 * sets `tag: ''` until then). Throws EBADMSG on a malformed header. */
export function canonicalHeaderBytes(header: SealedHeader, withoutTag = false): Buffer {
  const problem = headerProblem(header);
  if (problem !== undefined) throw new CaptureCryptoError('EBADMSG', problem);
  const ordered: Record<string, unknown> = {};
  for (const field of HEADER_FIELDS) if (!(withoutTag && field === 'tag')) ordered[field] = header[field];
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

/** What the booth signs: canonical header bytes || SHA-256(ciphertext). The digest has a fixed
 * length at the end, so the concatenation is unambiguous. */
export function signatureInput(header: SealedHeader, ciphertext: Uint8Array): Buffer {
  const digest = createHash('sha256').update(ciphertext).digest();
  return Buffer.concat([canonicalHeaderBytes(header), digest]);
}

export function encodeSealed(sealed: SealedPackage): Uint8Array {
  const header = canonicalHeaderBytes(sealed.header);
  const { signature, ciphertext } = sealed;
  if (header.length > MAX_HEADER_BYTES) throw new CaptureCryptoError('EBADMSG', `header of ${header.length} bytes exceeds ${MAX_HEADER_BYTES}`);
  if (signature.byteLength < 1 || signature.byteLength > MAX_SIGNATURE_BYTES) {
    throw new CaptureCryptoError('EBADMSG', `signature of ${signature.byteLength} bytes is outside 1..${MAX_SIGNATURE_BYTES}`);
  }
  const out = Buffer.allocUnsafe(12 + header.length + signature.byteLength + ciphertext.byteLength);
  out.write(ENVELOPE_MAGIC, 0, 'latin1');
  out.writeUInt32BE(header.length, 4);
  header.copy(out, 8);
  let offset = 8 + header.length;
  out.writeUInt32BE(signature.byteLength, offset);
  out.set(signature, offset + 4);
  offset += 4 + signature.byteLength;
  out.set(ciphertext, offset);
  return out;
}

const fail = (offset: number, what: string): never => {
  throw new CaptureCryptoError('EBADMSG', `capture envelope at offset ${offset}: ${what}`);
};

/**
 * Parses a "BCP1" envelope. Throws CaptureCryptoError('EBADMSG') naming the offset and field on
 * any malformation and nothing else. `signature` is a copy; `ciphertext` is a view into `bytes`
 * (5 MiB packages are not copied), so do not reuse `bytes` while the result is in use.
 */
export function decodeSealed(bytes: Uint8Array, options: { maxCiphertextBytes?: number } = {}): SealedPackage {
  if (!(bytes instanceof Uint8Array)) return fail(0, 'input is not a byte array');
  const maxCiphertext = options.maxCiphertextBytes ?? DEFAULT_MAX_CIPHERTEXT_BYTES;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12) fail(0, `${buf.length} bytes is shorter than the 12-byte minimum`);
  if (buf.toString('latin1', 0, 4) !== ENVELOPE_MAGIC) fail(0, `magic is not "${ENVELOPE_MAGIC}"`);
  const headerLen = buf.readUInt32BE(4);
  if (headerLen < 1 || headerLen > MAX_HEADER_BYTES) fail(4, `header length ${headerLen} is outside 1..${MAX_HEADER_BYTES}`);
  if (headerLen > buf.length - 12) fail(4, `header length ${headerLen} exceeds the ${buf.length - 12} bytes available`);
  const headerRaw = buf.subarray(8, 8 + headerLen);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerRaw));
  } catch (error) {
    return fail(8, `header is not UTF-8 JSON (${error instanceof Error ? error.message.slice(0, 80) : 'unparsable'})`);
  }
  const problem = headerProblem(parsed);
  if (problem !== undefined) fail(8, problem);
  const header = parsed as SealedHeader;
  if (!canonicalHeaderBytes(header).equals(headerRaw)) fail(8, 'header JSON is not in canonical form');
  const sigLenAt = 8 + headerLen;
  const sigLen = buf.readUInt32BE(sigLenAt);
  if (sigLen < 1 || sigLen > MAX_SIGNATURE_BYTES) fail(sigLenAt, `signature length ${sigLen} is outside 1..${MAX_SIGNATURE_BYTES}`);
  if (sigLen > buf.length - sigLenAt - 4) fail(sigLenAt, `signature length ${sigLen} exceeds the ${buf.length - sigLenAt - 4} bytes available`);
  const ciphertextAt = sigLenAt + 4 + sigLen;
  if (buf.length - ciphertextAt > maxCiphertext) fail(ciphertextAt, `ciphertext of ${buf.length - ciphertextAt} bytes exceeds ${maxCiphertext}`);
  return {
    header,
    signature: new Uint8Array(buf.subarray(sigLenAt + 4, ciphertextAt)),
    ciphertext: buf.subarray(ciphertextAt),
  };
}
