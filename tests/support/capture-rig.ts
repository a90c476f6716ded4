/**
 * A booth with a capture path on a real mosquitto, and a central receiver in this process:
 * keys generated into a temp folder, boothd run as a real process, packages submitted through
 * its control socket (the same path a session uses), arrivals read from the receiver's folder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateBoothKeyPair, generateCentralKeyPair, loadPrivateKey, loadPublicKey, writeKeyPair } from '../../protocols/capture/keys.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import { CaptureReceiver, type ReceiverReport } from '../../simulator/central/capture-receiver.ts';
import type { AcceptedPackage } from '../../runtime/captures/capture-pipeline.ts';
import { BoothdSandbox, type BoothdRun } from './boothd-process.ts';

export const BOOTH_ID = 'cap-01';

export class CaptureRig {
  readonly box: BoothdSandbox;
  readonly keys: string;
  readonly out: string;
  readonly reports: ReceiverReport[] = [];
  #receiver: CaptureReceiver | undefined;

  constructor(brokerUrl: string, options: { ackTimeoutSeconds?: number } = {}) {
    this.box = new BoothdSandbox(
      (stateDir) => `
booth: { id: ${BOOTH_ID}, group: captures }
stateDir: ${stateDir}
mqtt: { url: "${brokerUrl}" }
captures:
  boothKeyFile: keys/booth.key
  centralPublicKeyFile: keys/central.pub
  maxChunkBytes: 65536
  ackTimeoutSeconds: ${options.ackTimeoutSeconds ?? 5}
supervisor: { retryInitialMs: 200, retryMaxMs: 2000, retryJitter: 0.2 }
devices:
  - { id: door, compatible: "sim,door-lock" }
`,
    );
    this.keys = join(this.box.dir, 'keys');
    this.out = join(this.box.dir, 'central');
    writeKeyPair(this.keys, 'booth', generateBoothKeyPair());
    writeKeyPair(this.keys, 'central', generateCentralKeyPair());
    mkdirSync(this.out, { recursive: true });
  }

  async startReceiver(brokerUrl: string, resumeAfterMs = 1000, extra: { writeAnsiNist?: boolean } = {}): Promise<CaptureReceiver> {
    const receiver = new CaptureReceiver({
      brokerUrl,
      outDir: this.out,
      crypto: createX25519Crypto({ centralPrivateKey: loadPrivateKey(join(this.keys, 'central.key'), 'central') }),
      boothKey: (boothId) => (boothId === BOOTH_ID ? loadPublicKey(join(this.keys, 'booth.pub'), 'booth') : undefined),
      protocolVersion: 5,
      resumeAfterMs,
      report: (report) => this.reports.push(report),
      ...extra,
    });
    await receiver.start();
    this.#receiver = receiver;
    return receiver;
  }

  async stopReceiver(): Promise<void> {
    await this.#receiver?.stop();
    this.#receiver = undefined;
  }

  async submit(run: BoothdRun, captures = 2, bytes = 200_000): Promise<AcceptedPackage> {
    const answer = await run.control('captures.submit-synthetic', { captures, bytes });
    if (!answer.ok) throw new Error(`submit refused: ${answer.error}`);
    return answer.result as AcceptedPackage;
  }

  /** Package ids the receiver has stored. */
  stored(): string[] {
    return readdirSync(this.out).filter((name) => !name.startsWith('.'));
  }

  manifest(packageId: string): { captures: Array<{ captureId: string; sha256: string }> } {
    return JSON.parse(readFileSync(join(this.out, packageId, 'manifest.json'), 'utf8'));
  }

  isStored(packageId: string): boolean {
    return existsSync(join(this.out, packageId, 'manifest.json'));
  }

  async cleanup(): Promise<void> {
    await this.stopReceiver();
    await this.box.cleanup();
  }
}
