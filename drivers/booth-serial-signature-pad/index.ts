/**
 * `booth,serial-signature-pad`: a pen pad with a screen and OK / clear / cancel buttons on a
 * serial port, speaking BSP/1 (docs/protocols/signature-pad-serial.md). `collect` shows the
 * prompt, gathers PEN events until an OK on a signed pad, and renders the PNG from the samples.
 * Pen samples are biometric: they are handed to the caller and never logged or kept here.
 */
import type { DeviceContext } from '../../hal/device-core.ts';
import type { DeviceInfo, IoOptions } from '../../hal/device.ts';
import type { Signature, SignaturePad, SignaturePadCapability, SignaturePadEvents } from '../../hal/signature-pad.ts';
import { renderSignature } from '../../protocols/imaging/signature-image.ts';
import type { EventFrame, Fields } from '../line-protocol/framing.ts';
import { LineProtocolDevice, type LineOptions } from '../line-protocol/line-device.ts';
import { CollectSession } from './collect-session.ts';
import type { SerialSignaturePadProps } from './config.ts';
import { badHello, promptTooLong } from './errors.ts';
import { BSP, HAL_MAX_PRESSURE, parseButton, parseHello, parsePen, promptFields, type PadGeometry } from './protocol.ts';

export { serialSignaturePadProps, type SerialSignaturePadProps } from './config.ts';

export type SerialSignaturePadOptions = SerialSignaturePadProps & Pick<LineOptions, 'path' | 'baudRate'>;

export class SerialSignaturePad extends LineProtocolDevice<SignaturePadEvents, SignaturePadCapability> implements SignaturePad {
  readonly deviceClass = 'signature-pad' as const;
  readonly capabilities: ReadonlySet<SignaturePadCapability> = new Set(['pressure', 'screen', 'buttons']);
  protected readonly protocol = BSP;
  readonly #requestTimeoutMs: number;
  #geometry: PadGeometry;
  #session: CollectSession | undefined;

  constructor(context: DeviceContext, options: SerialSignaturePadOptions) {
    super(context, options);
    this.#requestTimeoutMs = options.requestTimeoutMs;
    this.#geometry = { width: options.width, height: options.height, pmax: HAL_MAX_PRESSURE };
  }

  /** The manifest's size until the pad reports its own when opened. */
  get size(): { width: number; height: number } {
    return { width: this.#geometry.width, height: this.#geometry.height };
  }

  collect(prompt: string, options?: IoOptions): Promise<Signature> {
    return this.command('collect', options, { timeoutMs: 120_000 }, async (signal) => {
      const fields = promptFields(prompt);
      if (!fields) throw this.error('EBADMSG', 'collect', promptTooLong(prompt));
      // Listen before asking: the first pen samples may arrive in the same read as the PROMPT's OK.
      const session = new CollectSession();
      this.#session = session;
      try {
        await this.request('collect', 'PROMPT', fields, signal, this.#requestTimeoutMs);
        for (;;) {
          const press = await session.next(signal);
          if (press.button === 'cancel') throw this.error('ECANCELED', 'collect', 'the person pressed cancel');
          // clear: the session already dropped its samples; OK on an empty pad is ignored, as on the sim.
          if (press.button !== 'ok' || !press.samples) continue;
          const { width, height } = this.size;
          return { samples: press.samples, png: renderSignature(press.samples, { width, height }), width, height };
        }
      } finally {
        if (this.#session === session) this.#session = undefined;
        this.fireAndForget('IDLE', this.#requestTimeoutMs);
      }
    });
  }

  clear(options?: IoOptions): Promise<void> {
    return this.command('clear', options, { timeoutMs: 1000 }, async (signal) => {
      await this.request('clear', 'CLEAR', {}, signal);
      this.#session?.clear();
    });
  }

  protected acceptHello(fields: Fields): DeviceInfo {
    const hello = parseHello(fields);
    if (typeof hello === 'string') throw badHello(hello);
    this.#geometry = { width: hello.width, height: hello.height, pmax: hello.pmax };
    return hello.info;
  }

  protected onDeviceEvent(event: EventFrame): void {
    switch (event.name) {
      case 'PEN': {
        const session = this.#session;
        if (!session?.open) return; // the tail of a prompt that has ended: not part of any signature
        const sample = parsePen(event.fields, this.#geometry);
        if (!sample || !session.pen(sample)) {
          this.stats.badEvents += 1;
          return;
        }
        this.emit('pen', sample);
        return;
      }
      case 'BTN': {
        const button = parseButton(event.fields);
        if (!button) {
          this.stats.badEvents += 1;
          return;
        }
        this.emit('button', button);
        this.#session?.press(button);
        return;
      }
      default:
        return; // an event a newer minor version added: ignored, as the protocol says
    }
  }

  protected override healthDetail(): Record<string, string | number | boolean> {
    return { collecting: this.#session !== undefined };
  }
}
