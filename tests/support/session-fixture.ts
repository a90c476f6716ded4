/**
 * A whole simulated booth running enrolment sessions in fake time: every device class simulated,
 * a capture path with fresh keys (packages stay in the outbox: no receiver acks them), and a
 * recorder of the state path with the door's state at every step — the commanded guard state and
 * the simulated bolt itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSealedPackage } from '../../protocols/capture/open-sealed.ts';
import { generateBoothKeyPair, generateCentralKeyPair, loadPrivateKey, loadPublicKey, writeKeyPair } from '../../protocols/capture/keys.ts';
import type { CapturePackage } from '../../protocols/capture/package-codec.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import type { SessionSnapshot, SessionSummary } from '../../protocols/kiosk/session-contract.ts';
import type { SessionOrchestrator } from '../../runtime/session/session-orchestrator.ts';
import type { SimCamera } from '../../simulator/devices/sim-camera.ts';
import type { SimDocumentReader } from '../../simulator/devices/sim-document-reader.ts';
import type { SimDoorLock } from '../../simulator/devices/sim-door-lock.ts';
import type { SimFingerprintScanner } from '../../simulator/devices/sim-fingerprint.ts';
import type { SimSensors } from '../../simulator/devices/sim-sensors.ts';
import type { SimSignaturePad } from '../../simulator/devices/sim-signature-pad.ts';
import { SimulatedPerson, type PersonScript } from '../../simulator/people/simulated-person.ts';
import { boothFixture, type BoothFixture } from './booth-fixture.ts';

/** Zero-latency devices: a session's pace is the session's own. */
export const FAST_SIM_DEVICES_YAML = `
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 5 } }
  - { id: lights, compatible: "sim,lighting", props: { latencyMs: 0 } }
  - { id: sensors, compatible: "sim,sensors", props: { latencyMs: 0 } }
  - { id: scanner, compatible: "sim,fingerprint", props: { placeDelayMs: 100, previewFrames: 2, latencyMs: 0 } }
  - { id: camera, compatible: "sim,camera", props: { latencyMs: 120, previewIntervalMs: 50 } }
  - { id: pad, compatible: "sim,signature-pad", props: { signingMs: 100, latencyMs: 0 } }
  - { id: passport, compatible: "sim,document-reader", props: { latencyMs: 0 } }
`;

export interface StepRecord {
  state: SessionSnapshot['state'];
  /** The door guard's state in the snapshot. */
  door: SessionSnapshot['door'];
  /** The simulated bolt at that moment. */
  bolt: string;
}

export interface SessionFixture extends BoothFixture {
  session: SessionOrchestrator;
  path: StepRecord[];
  summaries: SessionSummary[];
  /** The distinct states in order (consecutive repeats folded). */
  states(): string[];
  person(script: PersonScript): SimulatedPerson;
  /** Every package in the outbox, opened with the central key. */
  outboxPackages(): CapturePackage[];
  /** Drives fake time until the session has ended `count` times in total. */
  untilEnded(count: number, limitMs?: number): Promise<void>;
  untilState(state: SessionSnapshot['state'], limitMs?: number): Promise<void>;
}

export async function sessionFixture(options: { sessionYaml?: string; devicesYaml?: string; maxLockSeconds?: number; extraYaml?: string } = {}): Promise<SessionFixture> {
  const keys = mkdtempSync(join(tmpdir(), 'session-keys-'));
  writeKeyPair(keys, 'booth', generateBoothKeyPair());
  writeKeyPair(keys, 'central', generateCentralKeyPair());
  const fixture = boothFixture({
    devicesYaml: options.devicesYaml ?? FAST_SIM_DEVICES_YAML,
    maxLockSeconds: options.maxLockSeconds ?? 600,
    extraYaml: `
kiosk: { port: 0 }
captures: { boothKeyFile: ${join(keys, 'booth.key')}, centralPublicKeyFile: ${join(keys, 'central.pub')}, mqttProtocolVersion: 4 }
session:
  timeouts: { inactivitySeconds: 30, stillThereSeconds: 10, leaveGraceSeconds: 5, autoRetrySeconds: 2, goodbyeSeconds: 10, recheckSeconds: 5 }
${options.sessionYaml ?? ''}
${options.extraYaml ?? ''}
`,
  });
  const session = fixture.booth.session!;
  const path: StepRecord[] = [];
  const summaries: SessionSummary[] = [];
  const door = () => fixture.sim<SimDoorLock>('door');
  session.on('state', (snapshot) => path.push({ state: snapshot.state, door: snapshot.door, bolt: door().physicalBolt }));
  session.on('ended', (summary) => summaries.push(summary));
  const crypto = createX25519Crypto({ centralPrivateKey: loadPrivateKey(join(keys, 'central.key'), 'central') });
  const boothKey = loadPublicKey(join(keys, 'booth.pub'), 'booth');
  await fixture.clock.drive(fixture.booth.start());
  // Sessions wait on worker threads too (PNG encodings): a real-time grace after the fake limit.
  const drive = async (done: () => boolean, what: string, limitMs: number) => {
    try {
      await fixture.clock.advanceUntil(done, limitMs, 20, 30_000);
    } catch (error) {
      throw new Error(`${what} did not happen: ${(error as Error).message}; states: ${folded(path).join(' → ')}`, { cause: error });
    }
  };
  return {
    ...fixture,
    cleanup: async () => {
      await fixture.cleanup();
      rmSync(keys, { recursive: true, force: true });
    },
    session,
    path,
    summaries,
    states: () => folded(path),
    person: (script) =>
      new SimulatedPerson(
        session,
        {
          sensors: fixture.sim<SimSensors>('sensors'),
          scanner: fixture.sim<SimFingerprintScanner>('scanner'),
          camera: fixture.sim<SimCamera>('camera'),
          reader: fixture.sim<SimDocumentReader>('passport'),
          pad: fixture.sim<SimSignaturePad>('pad'),
        },
        script,
      ),
    outboxPackages: () => {
      const outbox = fixture.booth.captures!.outbox;
      return outbox
        .pending(1000)
        .map((item) => openSealedPackage(outbox.read(item.packageId), { packageId: item.packageId, boothId: fixture.booth.config.booth.id }, crypto, () => boothKey));
    },
    untilEnded: (count, limitMs = 300_000) => drive(() => summaries.length >= count, `session end #${count}`, limitMs),
    untilState: (state, limitMs = 300_000) => drive(() => session.state === state, `state ${state}`, limitMs),
  };
}

function folded(path: readonly StepRecord[]): string[] {
  return path.map((step) => step.state).filter((state, index, all) => index === 0 || all[index - 1] !== state);
}
