/**
 * The central side of one scenario, in the rig's own process: a Sparkplug primary host that
 * comes online (boothd publishes no BIRTH before it does) and a capture receiver that decrypts
 * with a central key made fresh for this scenario and stores packages in the work dir.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateBoothKeyPair, generateCentralKeyPair, loadPrivateKey, loadPublicKey, writeKeyPair } from '../../protocols/capture/keys.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import { CaptureReceiver, type ReceiverReport } from '../../simulator/central/capture-receiver.ts';
import { PrimaryHost } from '../../simulator/central/primary-host.ts';

export interface CentralKeys {
  boothKeyFile: string;
  centralPublicKeyFile: string;
  boothPublicKeyFile: string;
  centralPrivateKeyFile: string;
}

/** A booth signing pair and a central encryption pair in `dir`, new for every scenario. */
export function makeScenarioKeys(dir: string): CentralKeys {
  const booth = writeKeyPair(dir, 'booth', generateBoothKeyPair());
  const central = writeKeyPair(dir, 'central', generateCentralKeyPair());
  return {
    boothKeyFile: booth.privateKeyFile,
    boothPublicKeyFile: booth.publicKeyFile,
    centralPublicKeyFile: central.publicKeyFile,
    centralPrivateKeyFile: central.privateKeyFile,
  };
}

/** What central's manifest.json says of a stored package (no personal data). */
export interface StoredPackage {
  packageId: string;
  outcome: string;
  language?: string;
  captures: number;
}

export interface RigCentralOptions {
  brokerUrl: string;
  hostId: string;
  boothId: string;
  keys: CentralKeys;
  outDir: string;
  onReceiver(report: ReceiverReport): void;
}

export class RigCentral {
  readonly host: PrimaryHost;
  readonly receiver: CaptureReceiver;
  readonly #outDir: string;

  constructor(options: RigCentralOptions) {
    this.#outDir = options.outDir;
    this.host = new PrimaryHost({ hostId: options.hostId, brokerUrl: options.brokerUrl, report: () => undefined });
    const boothKey = loadPublicKey(options.keys.boothPublicKeyFile, 'booth');
    this.receiver = new CaptureReceiver({
      brokerUrl: options.brokerUrl,
      outDir: options.outDir,
      crypto: createX25519Crypto({ centralPrivateKey: loadPrivateKey(options.keys.centralPrivateKeyFile, 'central') }),
      boothKey: (boothId) => (boothId === options.boothId ? boothKey : undefined),
      protocolVersion: 5,
      // Quick to ask again for chunks lost in a broker outage: scenarios are short.
      resumeAfterMs: 2000,
      report: options.onReceiver,
    });
  }

  async start(limitMs: number): Promise<void> {
    await withLimit(Promise.all([this.host.start(), this.receiver.start()]), limitMs, 'the central simulators did not connect to the broker');
  }

  async stop(): Promise<void> {
    // Bounded: an MQTT client whose broker is frozen or gone may otherwise wait for ever.
    await withLimit(Promise.allSettled([this.host.stop(), this.receiver.stop()]), 3000, 'central stop').catch(() => undefined);
  }

  /** Packages stored so far, read from central's own record (its output folder). */
  packages(): StoredPackage[] {
    if (!existsSync(this.#outDir)) return [];
    return readdirSync(this.#outDir)
      .filter((name) => !name.startsWith('.') && existsSync(join(this.#outDir, name, 'manifest.json')))
      .map((name) => {
        const manifest = JSON.parse(readFileSync(join(this.#outDir, name, 'manifest.json'), 'utf8')) as { packageId: string; outcome: string; language?: string; captures: unknown[] };
        return { packageId: manifest.packageId, outcome: manifest.outcome, ...(manifest.language ? { language: manifest.language } : {}), captures: manifest.captures.length };
      });
  }
}

function withLimit<T>(promise: Promise<T>, limitMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${limitMs} ms`)), limitMs);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}
