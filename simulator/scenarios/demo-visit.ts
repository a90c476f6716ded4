/**
 * A scripted visit for `make run --demo`: a person walks in, the door locks, the lights change,
 * ten fingers are captured as 4-4-2 slaps, a portrait and a signature are taken, the door
 * releases and the person leaves; then the booth idles and the next person comes. It plays the
 * person through the simulators' hooks and drives the booth through HAL calls only, so it shows
 * exactly what boothd's logs show for a real visit. (The real session orchestrator replaces the
 * booth half of this script.)
 */
import type { BaseLogger } from 'pino';
import type { AnyDevice, Camera, Clock, FingerprintScanner, Lighting, SignaturePad, Slap } from '../../hal/index.ts';
import { sleep } from '../../hal/clock.ts';
import { SimFingerprintScanner } from '../devices/sim-fingerprint.ts';
import { SimSensors } from '../devices/sim-sensors.ts';
import { mulberry32 } from '../imaging/random.ts';
import type { CapturePackage } from '../../protocols/capture/package-codec.ts';
import { newUuidV7 } from '../../protocols/capture/package-codec.ts';
import { SessionRecord } from '../../protocols/capture/session-record.ts';

/** What the demo needs from the booth's door policy (the runtime's DoorGuard provides it). */
export interface DemoDoor {
  lock(reason: string): Promise<void>;
  release(reason: string): Promise<void>;
}

export interface DemoOptions {
  clock: Clock;
  logger: BaseLogger;
  door: DemoDoor;
  /** Pause between visits. */
  idleMs?: number;
  /** Play one visit only. */
  once?: boolean;
  /** Hands the visit's capture package over (to the outbox); durable when it returns. */
  submit?: (pkg: CapturePackage) => void;
  boothId?: string;
  /** The serial number a device reported when it was opened. */
  serialOf?: (deviceId: string) => string;
}

const SLAPS: readonly Slap[] = ['right-four', 'left-four', 'two-thumbs'];

export class DemoVisit {
  readonly #devices: readonly AnyDevice[];
  readonly #options: DemoOptions;
  #abort = new AbortController();
  #running: Promise<void> | undefined;
  visits = 0;

  constructor(devices: readonly AnyDevice[], options: DemoOptions) {
    this.#devices = devices;
    this.#options = options;
  }

  start(): void {
    this.#abort = new AbortController();
    this.#running = this.loop(this.#abort.signal);
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error('demo stopped'));
    await this.#running;
  }

  /** Resolves when the loop ends (after one visit with `once`). */
  get finished(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const { logger, clock } = this.#options;
    while (!signal.aborted) {
      try {
        await this.visit(signal);
        this.visits += 1;
      } catch (error) {
        if (signal.aborted) break;
        logger.warn({ err: error }, 'demo visit interrupted');
        await this.#options.door.release('demo visit interrupted');
      }
      if (this.#options.once) break;
      await sleep(clock, this.#options.idleMs ?? 8000, signal).catch(() => undefined);
    }
  }

  private async visit(signal: AbortSignal): Promise<void> {
    const { logger, door, clock } = this.#options;
    const sensors = this.find(SimSensors);
    const lighting = this.ofClass<Lighting>('lighting');
    const scanner = this.ofClass<FingerprintScanner>('fingerprint');
    const camera = this.ofClass<Camera>('camera');
    const pad = this.ofClass<SignaturePad>('signature-pad');
    const io = { signal, timeoutMs: 20_000 };
    // The same package model a real session builds (runtime/session/session-record.ts).
    const visit = new SessionRecord(newUuidV7(clock.now()), clock.now());
    visit.language = 'en';
    visit.consent = { given: true, textVersion: 'demo-1', atMs: clock.now() };
    const by = (deviceId: string) => ({ deviceId, deviceSerial: this.#options.serialOf?.(deviceId) ?? 'unknown', startedAtMs: clock.now(), attempt: 1 });

    // Every person's fingers differ: give this one a plausible spread of qualities.
    const random = mulberry32(this.visits + 1);
    const person = this.find(SimFingerprintScanner);
    for (let finger = 1; finger <= 10; finger += 1) person?.setFingerQuality(finger as 1, Math.round(35 + random() * 60));

    logger.info('a person walks into the booth');
    sensors?.setOccupied(true);
    await lighting?.setScene('welcome', io);
    await door.lock('demo visit');
    await sleep(clock, 1000, signal);

    if (scanner) {
      await lighting?.setScene('fingerprint', io);
      for (const slap of SLAPS) {
        const started = by(scanner.id);
        const capture = await scanner.captureSlap(slap, io);
        visit.keepSlap(slap, capture, started);
        const qualities = capture.fingers.map((finger) => `${finger.position}:${finger.quality}`).join(' ');
        logger.info(
          { slap, width: capture.image.width, height: capture.image.height, live: capture.liveness.live },
          `captured ${slap} slap ${capture.image.width}x${capture.image.height} at ${capture.image.ppi} ppi, quality [${qualities}]`,
        );
      }
    }
    if (camera) {
      await lighting?.setScene('portrait', io);
      const started = by(camera.id);
      const portrait = await camera.capture(io);
      visit.keepPortrait(portrait, portrait.checks.faceFound && portrait.checks.eyesOpen !== false ? 90 : 20, started);
      logger.info(
        { width: portrait.width, height: portrait.height, bytes: portrait.jpeg.byteLength, checks: portrait.checks },
        `captured portrait ${portrait.width}x${portrait.height} JPEG (${Math.round(portrait.jpeg.byteLength / 1024)} KiB)`,
      );
    }
    if (pad) {
      await lighting?.setScene('welcome', io);
      const started = by(pad.id);
      const signature = await pad.collect('Please sign here', io);
      visit.keepSignature(signature, started, clock.now());
      logger.info({ samples: signature.samples.length, bytes: signature.png.byteLength }, `captured signature: ${signature.samples.length} pen samples`);
    }

    if (this.#options.submit) {
      this.#options.submit(visit.build(this.#options.boothId ?? 'demo', 'COMPLETED', '', clock.now()));
      logger.info({ packageId: visit.sessionId }, `capture package ${visit.sessionId} sealed and stored in the outbox`);
    }
    await door.release('demo visit finished');
    await lighting?.setScene('idle', io);
    logger.info('the person leaves the booth');
    sensors?.setOccupied(false);
  }

  private ofClass<T extends AnyDevice>(deviceClass: T['deviceClass']): T | undefined {
    return this.#devices.find((device) => device.deviceClass === deviceClass && device.state === 'ready') as T | undefined;
  }

  private find<T>(kind: new (...args: never[]) => T): T | undefined {
    return this.#devices.find((device) => device instanceof kind) as T | undefined;
  }
}
