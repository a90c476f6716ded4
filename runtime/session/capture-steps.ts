/**
 * The steps that take biometrics: 4-4-2 slaps, palms, the portrait and the signature. Each sets
 * the lighting scene it needs, forwards the device's live preview to the screen while it
 * captures, and applies the shared retry rule (capture-attempts.ts).
 */
import type { Camera, FingerprintScanner, Lighting, PreviewFrame as ScannerFrame, SignaturePad, Slap } from '../../hal/index.ts';
import { isDeviceError } from '../../hal/errors.ts';
import { sleep } from '../../hal/clock.ts';
import { encodePng } from '../../protocols/imaging/png.ts';
import { evaluatePalm, evaluatePortrait, evaluateSlap, expectedFingers } from './attempt-checks.ts';
import { captureWithRetries } from './capture-attempts.ts';
import { endOrError, SessionEnd } from './session-end.ts';
import type { StepContext } from './step-context.ts';

const SLAPS: readonly Slap[] = ['right-four', 'left-four', 'two-thumbs'];

export async function fingerprintsStep(context: StepContext): Promise<void> {
  const scanner = context.device<FingerprintScanner>('fingerprint', 'fingerprints');
  await scene(context, 'fingerprint');
  const missing = new Set(context.record.missing.keys());
  const stopPreview = forwardScannerPreview(context, scanner);
  try {
    for (const slap of SLAPS) {
      const fingers = expectedFingers(slap, missing);
      if (fingers.length === 0) continue; // every finger of this slap was declared missing
      await captureWithRetries(context, {
        step: 'fingerprints',
        target: { kind: 'slap', slap, fingers },
        instruction: `fingers.${slap}`,
        name: slap,
        deviceId: scanner.id,
        capture: () => scanner.captureSlap(slap, context.io(context.config.timeouts.captureSeconds * 1000)),
        evaluate: (capture) => evaluateSlap(capture, slap, missing, context.config.quality),
        keep: (capture, attempt, startedAtMs) => context.record.keepSlap(slap, capture, origin(context, scanner.id, attempt, startedAtMs)),
      });
      await accepted(context, 'fingers.accepted');
    }
  } finally {
    stopPreview();
  }
}

export async function palmsStep(context: StepContext): Promise<void> {
  const scanner = context.device<FingerprintScanner>('fingerprint', 'palms');
  await scene(context, 'fingerprint');
  const stopPreview = forwardScannerPreview(context, scanner);
  try {
    for (const palm of context.config.palms) {
      await captureWithRetries(context, {
        step: 'palms',
        target: { kind: 'palm', palm },
        instruction: `palms.${palm}`,
        name: palm,
        deviceId: scanner.id,
        capture: () => scanner.capturePalm(palm, context.io(context.config.timeouts.captureSeconds * 1000)),
        evaluate: (capture) => evaluatePalm(capture, context.config.quality),
        keep: (capture, attempt, startedAtMs) => context.record.keepPalm(capture, origin(context, scanner.id, attempt, startedAtMs)),
      });
      await accepted(context, 'palms.accepted');
    }
  } finally {
    stopPreview();
  }
}

export async function faceStep(context: StepContext): Promise<void> {
  const camera = context.device<Camera>('camera', 'face');
  await scene(context, 'portrait');
  const onFrame = (jpeg: Uint8Array) => context.preview({ source: 'camera', mime: 'image/jpeg', data: jpeg });
  camera.on('preview', onFrame);
  try {
    if (camera.capabilities.has('preview')) await camera.setPreview(true, context.io(5000)).catch((error: unknown) => rethrowEnd(context, error));
    await captureWithRetries(context, {
      step: 'face',
      target: { kind: 'face' },
      instruction: 'face.look',
      name: 'face',
      deviceId: camera.id,
      capture: () => camera.capture(context.io(context.config.timeouts.captureSeconds * 1000)),
      evaluate: (portrait) => evaluatePortrait(portrait, context.config.portrait),
      keep: (portrait, attempt, startedAtMs) => {
        const quality = evaluatePortrait(portrait, context.config.portrait).accepted ? 100 : 0;
        context.record.keepPortrait(portrait, quality, origin(context, camera.id, attempt, startedAtMs));
      },
    });
    await accepted(context, 'face.accepted');
  } finally {
    camera.off('preview', onFrame);
    if (camera.state === 'ready' && camera.capabilities.has('preview')) await camera.setPreview(false, { timeoutMs: 2000 }).catch(() => undefined);
    await scene(context, 'welcome').catch(() => undefined);
  }
}

/** The person signs on the pad; "clear" (screen or pad) starts over; the pad's OK ends it. */
export async function signatureStep(context: StepContext): Promise<void> {
  const pad = context.device<SignaturePad>('signature-pad', 'signature');
  context.show('signature', 'signature.sign', {}, { kind: 'signature' });
  const stopClear = context.onAction(['clear-signature'], () => {
    void pad.clear({ timeoutMs: 2000 }).catch(() => undefined); // a failed clear leaves the strokes; the person sees them
  });
  try {
    for (;;) {
      const startedAtMs = context.clock.now();
      try {
        const signature = await pad.collect(context.text('signature.sign'), context.io(context.config.timeouts.captureSeconds * 1000 * 2));
        context.record.keepSignature(signature, origin(context, pad.id, 1, startedAtMs), context.clock.now());
        context.noteAttempts('signature', 1, 100);
        return;
      } catch (error) {
        const cause = endOrError(context.signal, error);
        if (cause instanceof SessionEnd) throw cause;
        // The pad's own cancel button: start the signature over.
        if (isDeviceError(cause) && cause.code === 'ECANCELED') continue;
        if (isDeviceError(cause) && cause.code === 'ETIMEDOUT') {
          context.prompt('inactivity.still-there');
          await context.waitFor(['touch'], { alreadyAsked: true });
          context.prompt('signature.sign');
          continue;
        }
        throw new SessionEnd('escalated', `device fault: ${pad.id} ${isDeviceError(cause) ? cause.code : 'EIO'} during signature`, 'signature');
      }
    }
  } finally {
    stopClear();
  }
}

/** The person sees (and hears) that the capture was good and lifts the hand before the next one. */
async function accepted(context: StepContext, key: string): Promise<void> {
  context.prompt(key);
  const pauseMs = context.config.timeouts.acceptedPauseSeconds * 1000;
  if (pauseMs > 0) await sleep(context.clock, pauseMs, context.signal);
}

function forwardScannerPreview(context: StepContext, scanner: FingerprintScanner): () => void {
  const onFrame = (frame: ScannerFrame) => {
    const { image } = frame;
    let png: Uint8Array | undefined;
    context.preview({
      source: 'fingerprint',
      mime: 'image/png',
      // Encoded when a screen takes the frame, once: the kiosk drops most frames (its rate limit,
      // a slow client, no client at all), and encoding each was most of a session's overhead.
      get data() {
        return (png ??= encodePng({ width: image.width, height: image.height, channels: 1, pixels: image.pixels }));
      },
      fingers: frame.fingers.map((finger) => ({ position: finger.position, quality: finger.quality })),
    });
  };
  scanner.on('preview', onFrame);
  return () => scanner.off('preview', onFrame);
}

/** Lighting is a comfort: a booth without it, or a failing one, still captures. */
async function scene(context: StepContext, name: string): Promise<void> {
  const lighting = context.optionalDevice<Lighting>('lighting');
  if (!lighting || !lighting.scenes.includes(name)) return;
  await lighting.setScene(name, context.io(3000)).catch((error: unknown) => {
    if (context.signal.aborted) throw context.signal.reason;
    void error;
  });
}

function rethrowEnd(context: StepContext, error: unknown): void {
  const cause = endOrError(context.signal, error);
  if (cause instanceof SessionEnd) throw cause;
}

function origin(context: StepContext, deviceId: string, attempt: number, startedAtMs: number) {
  return { deviceId, deviceSerial: context.serialOf(deviceId), startedAtMs, attempt };
}
