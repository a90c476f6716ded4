/**
 * Signature pad: a pen tablet with a small screen. The booth shows a prompt, collects pen
 * samples until the person presses OK, and gets the rendered image.
 */
import type { Device, IoOptions } from './device.ts';

/** One pen sample. x/y in pad units (0…width/height), pressure 0…1023, t ms since start. */
export interface PenSample {
  x: number;
  y: number;
  pressure: number;
  t: number;
}

export interface Signature {
  samples: PenSample[];
  /** The strokes rendered as a PNG file. */
  png: Uint8Array;
  width: number;
  height: number;
}

export type SignaturePadCapability = 'pressure' | 'screen' | 'buttons';
export type PadButton = 'ok' | 'clear' | 'cancel';

export interface SignaturePadEvents {
  pen: [sample: PenSample];
  button: [button: PadButton];
}

export interface SignaturePad extends Device<SignaturePadEvents, SignaturePadCapability> {
  readonly deviceClass: 'signature-pad';
  /** Pad size in its own units. */
  readonly size: { width: number; height: number };
  /** Shows `prompt` and collects a signature until OK; `clear` restarts; `cancel` rejects ECANCELED. */
  collect(prompt: string, options?: IoOptions): Promise<Signature>;
  /** Clears the strokes collected so far (the same as the pad's clear button). */
  clear(options?: IoOptions): Promise<void>;
}
