/**
 * BSP/1, the signature pad's line protocol (docs/protocols/signature-pad-serial.md): what its
 * HELLO answer, PEN and BTN events carry and how a prompt travels. Pure: fields in, values out.
 */
import type { DeviceInfo } from '../../hal/device.ts';
import type { PadButton, PenSample } from '../../hal/signature-pad.ts';
import { intField, type Fields } from '../line-protocol/framing.ts';

export const BSP = { name: 'BSP', major: 1, minor: 0 } as const;

/** Longest prompt, in UTF-8 bytes (encoded it still fits a 1024-byte line). */
export const MAX_PROMPT_BYTES = 300;

/** The HAL's pressure scale. */
export const HAL_MAX_PRESSURE = 1023;

export interface PadGeometry {
  width: number;
  height: number;
  /** The pad's own full-scale pressure. */
  pmax: number;
}

export interface PadHello extends PadGeometry {
  info: DeviceInfo;
}

/** The HELLO answer's identity and geometry, or what is wrong with it. */
export function parseHello(fields: Fields): PadHello | string {
  const { model, serial, fw } = fields;
  if (!model || !serial || !fw) return 'lacks model=, serial= or fw=';
  const width = intField(fields, 'width', 100, 4000);
  const height = intField(fields, 'height', 100, 4000);
  const pmax = intField(fields, 'pmax', 1, 65_535);
  if (width === undefined || height === undefined) return 'has no valid width= / height= (100…4000)';
  if (pmax === undefined) return 'has no valid pmax= (1…65535)';
  return { info: { model, serial, firmware: fw }, width, height, pmax };
}

/** The PROMPT request's fields, or undefined when the text is too long for the pad. */
export function promptFields(prompt: string): Fields | undefined {
  return Buffer.byteLength(prompt, 'utf8') > MAX_PROMPT_BYTES ? undefined : { text: prompt };
}

/** A PEN event as a HAL sample (pressure scaled to 0…1023), or undefined when out of range. */
export function parsePen(fields: Fields, pad: PadGeometry): PenSample | undefined {
  const x = intField(fields, 'x', 0, pad.width);
  const y = intField(fields, 'y', 0, pad.height);
  const p = intField(fields, 'p', 0, pad.pmax);
  const t = intField(fields, 't', 0, 2_147_483_647);
  if (x === undefined || y === undefined || p === undefined || t === undefined) return undefined;
  const pressure = pad.pmax === HAL_MAX_PRESSURE ? p : Math.round((p * HAL_MAX_PRESSURE) / pad.pmax);
  return { x, y, pressure, t };
}

const BUTTONS: readonly string[] = ['ok', 'clear', 'cancel'] satisfies PadButton[];

export function parseButton(fields: Fields): PadButton | undefined {
  const key = fields.key;
  return key !== undefined && BUTTONS.includes(key) ? (key as PadButton) : undefined;
}
