/**
 * A BSP/1 signature pad on the device end of a PTY pair (docs/protocols/signature-pad-serial.md).
 * It shows the prompt it is sent, streams pen samples while a prompt is up, and reports its
 * buttons; a simulated person signs by themselves when `autoSign` is on. Test hooks beyond
 * LineTwin's: `pen`, `pressButton`, `setAutoSign`, and `prompt` (what the screen shows).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { PadButton, PenSample } from '../../hal/signature-pad.ts';
import { syntheticSignature } from '../devices/sim-signature-pad.ts';
import { LineTwin, type LineTwinOptions, type TwinFields, type TwinReply } from './line-twin.ts';
import type { PtyPair } from './pty-pair.ts';

export interface SignaturePadTwinOptions extends LineTwinOptions {
  width: number;
  height: number;
  /** The pad's full-scale pressure (the host scales it to the HAL's 0…1023). */
  pmax: number;
  autoSign: boolean;
  /** How long the simulated person takes to sign. */
  signingMs: number;
  seed: number;
}

export const SIGNATURE_PAD_TWIN_DEFAULTS: SignaturePadTwinOptions = {
  model: 'BoothPad SP-8',
  serial: 'SP8-000123',
  firmware: '2.4.1',
  version: '1.0',
  latencyMs: 2,
  baudRate: 115_200,
  lineEnding: '\r\n',
  width: 800,
  height: 480,
  pmax: 1023,
  autoSign: true,
  signingMs: 1500,
  seed: 11,
};

const BATCH_MS = 50;

export class SignaturePadTwin extends LineTwin {
  protected readonly protocolName = 'BSP';
  readonly #pad: SignaturePadTwinOptions;
  #prompt: string | undefined;
  #autoSign: boolean;
  #signing: AbortController | undefined;
  #visits = 0;

  constructor(pair: PtyPair, options: Partial<SignaturePadTwinOptions> = {}) {
    const all = { ...SIGNATURE_PAD_TWIN_DEFAULTS, ...options };
    super(pair, all);
    this.#pad = all;
    this.#autoSign = all.autoSign;
  }

  /** The prompt on the pad's screen now, if any. */
  get prompt(): string | undefined {
    return this.#prompt;
  }

  /** Test hook: whether the simulated person signs by themselves when a prompt appears. */
  setAutoSign(autoSign: boolean): void {
    this.#autoSign = autoSign;
  }

  /** Test hook: the pen touches the pad (pressure in the pad's units). Ignored with no prompt up. */
  pen(sample: PenSample): void {
    if (this.#prompt === undefined) return;
    this.sendEvent('PEN', { x: sample.x, y: sample.y, p: sample.pressure, t: sample.t });
  }

  /** Test hook: a button on the pad goes down. Clear also wipes the ink on the screen. */
  pressButton(button: PadButton): void {
    this.sendEvent('BTN', { key: button });
  }

  protected helloFields(): TwinFields {
    const { model, serial, firmware, width, height, pmax } = this.#pad;
    return { model, serial, fw: firmware, width, height, pmax };
  }

  protected handle(verb: string, fields: Record<string, string>): TwinReply {
    switch (verb) {
      case 'PROMPT': {
        if (fields.text === undefined) return { err: 'BADARG', msg: 'PROMPT needs text=' };
        this.stopSigning();
        this.#prompt = fields.text;
        return { ok: {}, after: () => (this.#autoSign ? this.signLikeAPerson() : undefined) };
      }
      case 'CLEAR':
        return { ok: {} };
      case 'IDLE':
        this.stopSigning();
        this.#prompt = undefined;
        return { ok: {} };
      default:
        return { err: 'BADCMD', msg: `unknown verb ${verb}` };
    }
  }

  protected reset(): void {
    this.stopSigning();
    this.#prompt = undefined;
  }

  private stopSigning(): void {
    this.#signing?.abort();
    this.#signing = undefined;
  }

  /** Writes the simulated person's signature in real time, then presses OK. */
  private signLikeAPerson(): void {
    const controller = new AbortController();
    this.#signing = controller;
    const { width, height, signingMs, seed, pmax } = this.#pad;
    const samples = syntheticSignature({ width, height }, signingMs, seed + this.#visits++).map((s) => ({
      ...s,
      pressure: Math.round((s.pressure * pmax) / 1023),
    }));
    void (async () => {
      let index = 0;
      for (let t = 0; t <= signingMs; t += BATCH_MS) {
        await delay(BATCH_MS, undefined, { signal: controller.signal });
        while (index < samples.length && (samples[index]?.t ?? Infinity) <= t) this.pen(samples[index++] as PenSample);
      }
      while (index < samples.length) this.pen(samples[index++] as PenSample);
      if (!controller.signal.aborted) this.pressButton('ok');
    })().catch(() => undefined);
  }
}
