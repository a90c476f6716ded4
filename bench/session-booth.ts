/**
 * The booth the session benchmark drives: built in-process the way boothd builds it (manifest →
 * parseConfig with the built-in drivers → Booth on the real system clock, pino JSON lines), with
 * all seven simulated device classes at zero latency, fresh capture keys, the embedded broker and
 * the kiosk API on free ports. Log lines go to a file in the temporary folder (counted), not to
 * the terminal. The capture uploader is stopped once the booth runs (see below).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../hal/clock.ts';
import type { DoorLock, Lighting } from '../hal/index.ts';
import { generateBoothKeyPair, generateCentralKeyPair, writeKeyPair } from '../protocols/capture/keys.ts';
import { Booth } from '../runtime/booth.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { builtinDrivers } from '../runtime/devices/builtin-drivers.ts';
import { createLogger } from '../runtime/logging/logger.ts';
import { RecentLogs } from '../runtime/logging/recent-logs.ts';
import type { SimCamera } from '../simulator/devices/sim-camera.ts';
import type { SimFingerprintScanner } from '../simulator/devices/sim-fingerprint.ts';
import type { SimSensors } from '../simulator/devices/sim-sensors.ts';
import type { SimSignaturePad } from '../simulator/devices/sim-signature-pad.ts';

export interface SessionBenchBooth {
  booth: Booth;
  dir: string;
  door: DoorLock;
  lights: Lighting;
  sensors: SimSensors;
  scanner: SimFingerprintScanner;
  camera: SimCamera;
  pad: SimSignaturePad;
  /** Lines written to the booth's log file so far. */
  logLines(): number;
  stop(): Promise<void>;
}

export interface SessionBenchOptions {
  /** Preview frames the scanner streams per capture (the session forwards each as a PNG). */
  previewFrames: number;
}

function manifest(dir: string, options: SessionBenchOptions): string {
  return `
booth: { id: bench-01, group: bench }
stateDir: ${join(dir, 'state')}
log: { level: info }
door: { maxLockSeconds: 600 }
mqtt: { embeddedBroker: { port: 0 } }
supervisor: { retryInitialMs: 500, retryMaxMs: 30000, retryJitter: 0.3 }
captures: { boothKeyFile: ${join(dir, 'booth.key')}, centralPublicKeyFile: ${join(dir, 'central.pub')}, mqttProtocolVersion: 4 }
session:
  lockDoor: true
  document: { read: none }
  palms: [right-full, left-full]
  # No deliberate pauses for the person (acceptedPauseSeconds: the "good, lift your hand" screen): device and runtime time only.
  timeouts: { acceptedPauseSeconds: 0, autoRetrySeconds: 0.1, goodbyeSeconds: 5, leaveGraceSeconds: 5, inactivitySeconds: 60 }
kiosk: { port: 0 }
devices:
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 0 } }
  - { id: lights, compatible: "sim,lighting", props: { latencyMs: 0 } }
  - { id: sensors, compatible: "sim,sensors", props: { latencyMs: 0 } }
  - { id: scanner, compatible: "sim,fingerprint", props: { placeDelayMs: 0, previewFrames: ${options.previewFrames}, latencyMs: 0 } }
  - { id: camera, compatible: "sim,camera", props: { latencyMs: 0 } }
  - { id: pad, compatible: "sim,signature-pad", props: { signingMs: 0, latencyMs: 0 } }
  - { id: passport, compatible: "sim,document-reader", props: { latencyMs: 0 } }
`;
}

export async function startSessionBenchBooth(options: SessionBenchOptions): Promise<SessionBenchBooth> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-session-'));
  writeKeyPair(dir, 'booth', generateBoothKeyPair());
  writeKeyPair(dir, 'central', generateCentralKeyPair());
  const loaded = parseConfig(manifest(dir, options), join(dir, 'booth.yaml'), { registry: builtinDrivers(), env: {} });
  const logFile = join(dir, 'boothd.log');
  // As boothd: JSON lines written synchronously, and the recent-log buffer boothctl reads.
  const logger = createLogger({
    level: loaded.config.log.level,
    pretty: false,
    base: { booth: loaded.config.booth.id },
    // pino's SonicBoom is the stream boothd's logger writes to (there on fd 1); the option's type is Node's.
    destination: pino.destination({ dest: logFile, sync: true, mkdir: true }) as unknown as NodeJS.WritableStream,
    tee: new RecentLogs(),
  });
  const booth = new Booth(loaded, { clock: systemClock, logger });
  await booth.start();
  // No central side: without a receiver the uploader would push the first packages through the
  // in-process broker and then wait for acks that never come — background work that lands on
  // whichever session runs at the time. Uploads are measured by the captures section; here the
  // booth is offline from central, packages stay in the outbox and the bench erases each one.
  await booth.captures!.uploader.stop();
  const device = <T>(id: string): T => {
    const found = booth.devices.get(id);
    if (!found || found.state !== 'ready') throw new Error(`bench booth: device ${id} is ${found?.state ?? 'missing'}`);
    return found as T;
  };
  return {
    booth,
    dir,
    door: device<DoorLock>('door'),
    lights: device<Lighting>('lights'),
    sensors: device<SimSensors>('sensors'),
    scanner: device<SimFingerprintScanner>('scanner'),
    camera: device<SimCamera>('camera'),
    pad: device<SimSignaturePad>('pad'),
    logLines: () => readFileSync(logFile, 'utf8').split('\n').length - 1,
    stop: async () => {
      await booth.shutdown('benchmark over');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
