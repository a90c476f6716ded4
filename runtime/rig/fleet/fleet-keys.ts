/**
 * Keys of a simulated fleet: one central X25519 pair and an Ed25519 signing pair per booth,
 * made fresh for each run (≈50 µs a pair). The booth hosts get their booths' private keys over
 * IPC; the receivers read the public ones from a JSON file in the run's temporary folder.
 */
import { writeFileSync } from 'node:fs';
import { generateBoothKeyPair, generateCentralKeyPair, type PemKeyPair } from '../../../protocols/capture/keys.ts';

export interface FleetKeys {
  central: PemKeyPair;
  booths: Map<string, PemKeyPair>;
}

export function makeFleetKeys(boothIds: readonly string[]): FleetKeys {
  return { central: generateCentralKeyPair(), booths: new Map(boothIds.map((id) => [id, generateBoothKeyPair()])) };
}

/** `{ boothId: public key PEM }`, private to the run (mode 0600). */
export function writeBoothPublicKeys(file: string, keys: FleetKeys): void {
  writeFileSync(file, JSON.stringify(Object.fromEntries([...keys.booths].map(([id, pair]) => [id, pair.publicKey]))), { mode: 0o600 });
}
