/**
 * `boothctl outbox export --format an2k`: a sealed package of this booth opened with the central
 * private key an officer brings, checked against this booth's own signing key, and written as an
 * ANSI/NIST-ITL 1-2011 transaction — the same mapping the central receiver uses (--an2).
 */
import { createPublicKey } from 'node:crypto';
import { sessionToTransaction } from '../../protocols/ansi-nist/session-transaction.ts';
import { encodeTransaction } from '../../protocols/ansi-nist/transaction.ts';
import { loadPrivateKey } from '../../protocols/capture/keys.ts';
import { openSealedPackage } from '../../protocols/capture/open-sealed.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import type { LoadedConfig } from '../config/load.ts';

export function sealedToAnsiNist(loaded: LoadedConfig, sealed: Uint8Array, packageId: string, centralKeyFile: string): Uint8Array {
  const { config } = loaded;
  if (!config.captures) throw new Error('this booth has no capture path (no `captures` in the manifest)');
  const boothPublicKey = createPublicKey(loadPrivateKey(config.captures.boothKeyFile, 'booth'));
  const crypto = createX25519Crypto({ centralPrivateKey: loadPrivateKey(centralKeyFile, 'central') });
  let pkg;
  try {
    pkg = openSealedPackage(sealed, { packageId, boothId: config.booth.id }, crypto, (boothId) => (boothId === config.booth.id ? boothPublicKey : undefined));
  } catch (error) {
    throw new Error(`cannot open package ${packageId} with ${centralKeyFile}: ${(error as Error).message}`, { cause: error });
  }
  // DAT is the local date where the session took place: this booth's time zone at that moment.
  return encodeTransaction(sessionToTransaction(pkg, { utcOffsetMinutes: -new Date(pkg.createdAtMs).getTimezoneOffset() }));
}
