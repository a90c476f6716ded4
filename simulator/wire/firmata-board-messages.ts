/**
 * What a StandardFirmata 2.5 board sends, as byte arrays: the answers to the host's queries and
 * the reports of its inputs. The twin's own encoders (simulators never import drivers).
 */
import type { BoardProfile } from './firmata-board-profiles.ts';

const MODE = { INPUT: 0x00, OUTPUT: 0x01, ANALOG: 0x02, PWM: 0x03, PULLUP: 0x0b } as const;

/** Two 7-bit bytes per character, as STRING_DATA and the firmware name carry text. */
export function encodeText(text: string): number[] {
  const out: number[] = [];
  for (const char of text) {
    const code = char.charCodeAt(0);
    out.push(code & 0x7f, (code >> 7) & 0x7f);
  }
  return out;
}

export const versionReport = (protocol: { major: number; minor: number }): number[] => [0xf9, protocol.major, protocol.minor];

export const firmwareReport = (firmware: { name: string; major: number; minor: number }): number[] => [
  0xf0,
  0x79,
  firmware.major,
  firmware.minor,
  ...encodeText(firmware.name),
  0xf7,
];

export const stringData = (text: string): number[] => [0xf0, 0x71, ...encodeText(text), 0xf7];

/** Per pin its (mode, resolution) pairs and 0x7F, as StandardFirmata's CAPABILITY_QUERY answer. */
export function capabilityResponse({ pinCount, digital, pwm, analog, pwmBits, adcBits, pullUp }: BoardProfile): number[] {
  const bytes = [0xf0, 0x6c];
  for (let pin = 0; pin < pinCount; pin += 1) {
    if (digital.has(pin)) bytes.push(MODE.INPUT, 1, MODE.OUTPUT, 1, ...(pullUp ? [MODE.PULLUP, 1] : []));
    if (analog.has(pin)) bytes.push(MODE.ANALOG, adcBits);
    if (pwm.has(pin)) bytes.push(MODE.PWM, pwmBits);
    bytes.push(0x7f);
  }
  bytes.push(0xf7);
  return bytes;
}

export const analogMappingResponse = (profile: BoardProfile): number[] => [
  0xf0,
  0x6a,
  ...Array.from({ length: profile.pinCount }, (_, pin) => profile.analog.get(pin) ?? 127),
  0xf7,
];

/** A pin's mode and state (7 bits per byte, as many as it needs); the pin alone for a pin the board lacks. */
export function pinStateResponse(pin: number, mode?: number, state = 0): number[] {
  if (mode === undefined) return [0xf0, 0x6e, pin, 0xf7];
  const bytes = [state & 0x7f];
  if (state > 0x7f) bytes.push((state >> 7) & 0x7f);
  if (state > 0x3fff) bytes.push((state >> 14) & 0x7f);
  return [0xf0, 0x6e, pin, mode, ...bytes, 0xf7];
}

export const digitalReport = (port: number, bits: number): number[] => [0x90 | port, bits & 0x7f, (bits >> 7) & 0x01];

export const analogReport = (channel: number, raw: number): number[] => [0xe0 | channel, raw & 0x7f, (raw >> 7) & 0x7f];
