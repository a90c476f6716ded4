/**
 * Simulated signature pad. A simulated person signs when `collect` shows a prompt (pen samples
 * streamed as events, then OK), or a test drives the pen and buttons by hand. The strokes are
 * rendered into a real PNG, the way the pad's SDK returns the signature image.
 */
import { z } from 'zod';
import { sleep } from '../../hal/clock.ts';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type {
  PadButton,
  PenSample,
  Signature,
  SignaturePad,
  SignaturePadCapability,
  SignaturePadEvents,
} from '../../hal/signature-pad.ts';
import { mulberry32 } from '../imaging/random.ts';
import { renderSignature } from '../../protocols/imaging/signature-image.ts';
import { SimDevice } from './sim-device.ts';

export const simSignaturePadProps = z
  .object({
    width: z.number().int().min(100).max(4000).default(800),
    height: z.number().int().min(100).max(4000).default(480),
    /** The simulated person signs by themselves when a prompt is shown. */
    autoSign: z.boolean().default(true),
    /** How long the simulated person takes to sign. */
    signingMs: z.number().int().min(0).max(60_000).default(1500),
    latencyMs: z.number().int().min(0).max(10_000).default(10),
    seed: z.number().int().default(7),
    serial: z.string().default('SIM-PAD-0001'),
  })
  .strict();
export type SimSignaturePadProps = z.infer<typeof simSignaturePadProps>;

const SAMPLE_RATE_HZ = 200;

export class SimSignaturePad extends SimDevice<SignaturePadEvents, SignaturePadCapability> implements SignaturePad {
  readonly deviceClass = 'signature-pad' as const;
  readonly capabilities: ReadonlySet<SignaturePadCapability> = new Set(['pressure', 'screen', 'buttons']);
  protected readonly model = 'SimPad STU-8';
  readonly size: { width: number; height: number };
  readonly #props: SimSignaturePadProps;
  #samples: PenSample[] = [];
  #prompt: string | undefined;
  #autoSign: boolean;
  #pressed: ((button: PadButton) => void) | undefined;
  /** Presses that came while nobody was waiting (the person is faster than the host). */
  #queuedPresses: PadButton[] = [];
  #visits = 0;

  constructor(context: DeviceContext, props: SimSignaturePadProps) {
    super(context, props);
    this.#props = props;
    this.#autoSign = props.autoSign;
    this.size = { width: props.width, height: props.height };
  }

  collect(prompt: string, options?: IoOptions): Promise<Signature> {
    return this.command('collect', options, { timeoutMs: 120_000 }, async (signal) => {
      await this.roundTrip(signal, () => {
        this.#prompt = prompt;
        this.#samples = [];
        this.#queuedPresses = [];
      });
      try {
        for (;;) {
          const button = await this.nextButton(signal);
          if (button === 'cancel') throw this.error('ECANCELED', 'collect', 'the person pressed cancel');
          if (button === 'clear') continue; // the pad already wiped its strokes when pressed
          if (this.#samples.length === 0) continue; // OK on an empty pad is ignored, as the real pad does
          const samples = this.#samples;
          return { samples, png: renderSignature(samples, this.size), width: this.size.width, height: this.size.height };
        }
      } finally {
        this.#prompt = undefined;
      }
    });
  }

  clear(options?: IoOptions): Promise<void> {
    return this.command('clear', options, { timeoutMs: 1000 }, (signal) => this.roundTrip(signal, () => void (this.#samples = [])));
  }

  /** Test hook: whether the simulated person signs by themselves. */
  setAutoSign(autoSign: boolean): void {
    this.#autoSign = autoSign;
  }

  /** Test hook: the pen touches the pad. Ignored when no prompt is shown (the pad is idle). */
  pen(sample: PenSample): void {
    if (this.#prompt === undefined) return;
    this.#samples.push(sample);
    (this as SignaturePad).emit('pen', sample);
  }

  /** Test hook: a button on the pad is pressed. */
  pressButton(button: PadButton): void {
    (this as SignaturePad).emit('button', button);
    if (this.#prompt === undefined) return; // an idle pad ignores its buttons
    if (button === 'clear') this.#samples = [];
    const waiter = this.#pressed;
    this.#pressed = undefined;
    if (waiter) waiter(button);
    else this.#queuedPresses.push(button);
  }

  /** The prompt on the pad's screen now, if any. */
  get prompt(): string | undefined {
    return this.#prompt;
  }

  private nextButton(signal: AbortSignal): Promise<PadButton> {
    const queued = this.#queuedPresses.shift();
    if (queued) return Promise.resolve(queued);
    const press = new Promise<PadButton>((resolve, reject) => {
      this.#pressed = resolve;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    if (this.#autoSign && this.#samples.length === 0) void this.signLikeAPerson(signal).catch(() => undefined);
    return press;
  }

  /** Writes a deterministic cursive-like signature in real time, then presses OK. */
  private async signLikeAPerson(signal: AbortSignal): Promise<void> {
    const samples = syntheticSignature(this.size, this.#props.signingMs, this.#props.seed + this.#visits++);
    const batchMs = 50;
    let index = 0;
    for (let t = 0; t <= this.#props.signingMs; t += batchMs) {
      await sleep(this.clock, batchMs, signal);
      while (index < samples.length && (samples[index]?.t ?? Infinity) <= t) this.pen(samples[index++] as PenSample);
    }
    while (index < samples.length) this.pen(samples[index++] as PenSample);
    this.pressButton('ok');
  }
}

/** A few connected loops across the pad with pen lifts, pressure rising and falling per stroke. */
export function syntheticSignature(size: { width: number; height: number }, durationMs: number, seed: number): PenSample[] {
  const random = mulberry32(seed);
  const count = Math.max(2, Math.round((durationMs / 1000) * SAMPLE_RATE_HZ));
  const strokes = 2 + Math.floor(random() * 2);
  const phase = random() * Math.PI;
  const samples: PenSample[] = [];
  for (let i = 0; i < count; i += 1) {
    const progress = i / (count - 1);
    const stroke = Math.min(strokes - 1, Math.floor(progress * strokes));
    const inStroke = progress * strokes - stroke;
    const lifted = inStroke > 0.94; // the pen leaves the pad between strokes
    const x = size.width * (0.1 + 0.8 * progress) + Math.sin(progress * 40 + phase) * size.width * 0.03;
    const y = size.height * (0.5 + 0.22 * Math.sin(progress * 23 + phase) * Math.cos(progress * 7));
    const pressure = lifted ? 0 : Math.round(300 + 600 * Math.sin(Math.PI * inStroke));
    samples.push({ x: Math.round(x), y: Math.round(y), pressure, t: Math.round((i * 1000) / SAMPLE_RATE_HZ) });
  }
  return samples;
}
