/**
 * Simulated face camera. Renders a synthetic portrait, encodes it as a real baseline JPEG, and
 * reports the SDK-style portrait checks computed from what it rendered. Test hooks change the
 * subject: eyes closed, head turned, nobody in front of the camera, badly lit.
 */
import { z } from 'zod';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { Camera, CameraCapability, CameraEvents, Exposure, Portrait, PortraitChecks } from '../../hal/camera.ts';
import { encodeJpeg } from '../imaging/jpeg.ts';
import { renderPortrait } from '../imaging/portrait.ts';
import { SimDevice } from './sim-device.ts';
import type { TimerHandle } from '../../hal/clock.ts';

export const simCameraProps = z
  .object({
    width: z.number().int().min(64).max(6000).default(1200),
    height: z.number().int().min(64).max(8000).default(1600),
    jpegQuality: z.number().int().min(10).max(100).default(88),
    previewIntervalMs: z.number().int().min(20).max(5000).default(250),
    latencyMs: z.number().int().min(0).max(10_000).default(80),
    seed: z.number().int().default(11),
    serial: z.string().default('SIM-CAM-0001'),
  })
  .strict();
export type SimCameraProps = z.infer<typeof simCameraProps>;

interface Subject {
  present: boolean;
  eyesOpen: boolean;
  frontal: boolean;
  /** How far off the room light is, in stops; the camera's exposure setting compensates. */
  lightingStops: number;
}

const PREVIEW_SIZE = { width: 240, height: 320 };

export class SimCamera extends SimDevice<CameraEvents, CameraCapability> implements Camera {
  readonly deviceClass = 'camera' as const;
  readonly capabilities: ReadonlySet<CameraCapability> = new Set(['preview', 'exposure-control', 'face-checks']);
  protected readonly model = 'SimCam ICAO-12';
  readonly #props: SimCameraProps;
  #subject: Subject = { present: true, eyesOpen: true, frontal: true, lightingStops: 0 };
  #exposure: Exposure = { mode: 'auto' };
  #preview: TimerHandle | undefined;

  constructor(context: DeviceContext, props: SimCameraProps) {
    super(context, props);
    this.#props = props;
  }

  capture(options?: IoOptions): Promise<Portrait> {
    return this.command('capture', options, { timeoutMs: 10_000 }, (signal) =>
      this.roundTrip(signal, () => {
        const { width, height, jpegQuality, seed } = this.#props;
        const frame = this.render(width, height, seed);
        const jpeg = encodeJpeg(frame.image, jpegQuality);
        return { jpeg, width, height, checks: frame.checks, capturedAt: this.clock.now() };
      }),
    );
  }

  setExposure(exposure: Exposure, options?: IoOptions): Promise<void> {
    return this.command('setExposure', options, { timeoutMs: 1000 }, (signal) => {
      if (exposure.mode === 'manual' && !(Math.abs(exposure.ev) <= 3)) {
        throw this.error('EBADMSG', 'setExposure', `EV ${exposure.ev} is outside −3…+3`);
      }
      return this.roundTrip(signal, () => void (this.#exposure = exposure));
    });
  }

  setPreview(on: boolean, options?: IoOptions): Promise<void> {
    return this.command('setPreview', options, { timeoutMs: 1000 }, (signal) =>
      this.roundTrip(signal, () => {
        this.#preview?.cancel();
        this.#preview = undefined;
        if (on) this.schedulePreview();
      }),
    );
  }

  /** Test hook: change who (if anyone) stands in front of the camera and how the room is lit. */
  setSubject(subject: Partial<Subject>): void {
    this.#subject = { ...this.#subject, ...subject };
  }

  protected override async doClose(): Promise<void> {
    this.#preview?.cancel();
    this.#preview = undefined;
  }

  private schedulePreview(): void {
    this.#preview = this.clock.setTimeout(() => {
      if (this.state !== 'ready') return;
      const frame = this.render(PREVIEW_SIZE.width, PREVIEW_SIZE.height, this.#props.seed);
      (this as Camera).emit('preview', encodeJpeg(frame.image, 60));
      this.schedulePreview();
    }, this.#props.previewIntervalMs);
  }

  /** What reaches the sensor: room light corrected by auto exposure or shifted by manual EV. */
  private render(width: number, height: number, seed: number) {
    const subject = this.#subject;
    const exposure = this.#exposure.mode === 'auto' ? 0 : subject.lightingStops + this.#exposure.ev;
    const portrait = renderPortrait({ width, height, seed, eyesOpen: subject.eyesOpen, frontal: subject.frontal, exposure });
    const [left, right] = portrait.eyeCenters;
    const checks: PortraitChecks = subject.present
      ? {
          faceFound: true,
          eyesOpen: subject.eyesOpen,
          frontalPose: subject.frontal,
          exposureOk: Math.abs(exposure) <= 0.7,
          eyeDistancePx: Math.round(Math.hypot(right.x - left.x, right.y - left.y)),
        }
      : { faceFound: false };
    return { image: portrait, checks };
  }
}
