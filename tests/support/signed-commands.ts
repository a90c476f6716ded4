/**
 * Signing commands in tests the way the central side does (docs/sparkplug.md, "Signed
 * commands"): a fresh Ed25519 command key pair, and a signer that wraps command metrics in a
 * signed envelope for a booth. The signer signs the canonical bytes itself, so a test can also
 * produce envelopes the production signer refuses to make (too long a window, past times).
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes, commandTarget, envelopeMetrics, type CommandEnvelope, type SignableCommand } from '../../protocols/sparkplug/command-signature.ts';
import { encodePayload, type SparkplugMetric } from '../../protocols/sparkplug/payload.ts';

export interface CommandKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function commandKeyPair(): CommandKeyPair {
  return generateKeyPairSync('ed25519');
}

/** Writes the public half as SPKI PEM (what `commands.centralPublicKeyFile` names); returns the path. */
export function writeCommandPublicKey(dir: string, pair: CommandKeyPair, name = 'commands.pub'): string {
  const file = join(dir, name);
  writeFileSync(file, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return file;
}

/** Writes the private half as PKCS#8 PEM, 0600 (what scripts/sign-command.ts --key reads); returns the path. */
export function writeCommandPrivateKey(dir: string, pair: CommandKeyPair, name = 'commands.key'): string {
  const file = join(dir, name);
  writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return file;
}

export interface SignerOptions {
  privateKey: KeyObject;
  group: string;
  node: string;
  /** The central side's clock (a FakeClock's `now` in in-process tests). */
  now?: () => number;
  validMs?: number;
}

export class CommandSigner {
  readonly #options: SignerOptions;
  /** The envelope of the last command signed. */
  last: CommandEnvelope | undefined;

  constructor(options: SignerOptions) {
    this.#options = options;
  }

  /** The envelope a command to `device` (undefined: the node) gets now, with `overrides` applied. */
  envelope(device: string | undefined, overrides: Partial<CommandEnvelope> = {}): CommandEnvelope {
    const issuedAt = overrides.issuedAt ?? (this.#options.now ?? Date.now)();
    return {
      id: randomUUID(),
      target: commandTarget(this.#options.group, this.#options.node, device),
      issuedAt,
      notAfter: issuedAt + (this.#options.validMs ?? 30_000),
      ...overrides,
    };
  }

  /** The signed metrics: the commands by name with their datatype, then the envelope. */
  metrics(device: string | undefined, commands: SignableCommand[], overrides: Partial<CommandEnvelope> = {}, key = this.#options.privateKey): SparkplugMetric[] {
    const envelope = this.envelope(device, overrides);
    this.last = envelope;
    const signature = new Uint8Array(sign(null, canonicalBytes(envelope, commands), key));
    return [...commands.map((command) => ({ ...command })), ...envelopeMetrics({ ...envelope, signature })];
  }

  payload(device: string | undefined, commands: SignableCommand[], overrides: Partial<CommandEnvelope> = {}): Uint8Array {
    return encodePayload({ timestamp: (this.#options.now ?? Date.now)(), metrics: this.metrics(device, commands, overrides) });
  }
}
