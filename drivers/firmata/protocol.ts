/**
 * The Firmata protocol (firmata/protocol `protocol.md`, version 2.5) as pure functions: the
 * frames this driver builds itself, the decoders of the answers it checks, and a stream splitter
 * that cuts the bytes from the board into whole messages and names the garbage between them.
 *
 * Firmata is MIDI-shaped: a byte with the top bit set starts a command, data bytes carry 7 bits.
 * It has no checksum, so line noise that happens to form a valid message cannot be told from a
 * real one; what can be detected (data bytes with no command, a command cut short, a sysex
 * interrupted or too long, commands a board never sends) is reported as garbage so the driver
 * can re-read its inputs. firmata-io gets whole, checked messages only: a malformed one would
 * otherwise make it throw inside the serial port's data event and take the process down.
 */

export const DIGITAL_MESSAGE = 0x90;
export const ANALOG_MESSAGE = 0xe0;
export const REPORT_ANALOG = 0xc0;
export const REPORT_DIGITAL = 0xd0;
export const SET_PIN_MODE = 0xf4;
export const SET_DIGITAL_PIN_VALUE = 0xf5;
export const START_SYSEX = 0xf0;
export const END_SYSEX = 0xf7;
export const REPORT_VERSION = 0xf9;
export const SYSTEM_RESET = 0xff;

export const ANALOG_MAPPING_QUERY = 0x69;
export const ANALOG_MAPPING_RESPONSE = 0x6a;
export const CAPABILITY_QUERY = 0x6b;
export const CAPABILITY_RESPONSE = 0x6c;
export const PIN_STATE_QUERY = 0x6d;
export const PIN_STATE_RESPONSE = 0x6e;
export const EXTENDED_ANALOG = 0x6f;
export const STRING_DATA = 0x71;
export const REPORT_FIRMWARE = 0x79;
export const SAMPLING_INTERVAL = 0x7a;

/** Pin modes (SET_PIN_MODE and the capability response). */
export const PinMode = {
  INPUT: 0x00,
  OUTPUT: 0x01,
  ANALOG: 0x02,
  PWM: 0x03,
  SERVO: 0x04,
  I2C: 0x06,
  PULLUP: 0x0b,
} as const;
export type PinModeValue = (typeof PinMode)[keyof typeof PinMode];

const MODE_NAMES = new Map<number, string>([
  [0x00, 'INPUT'],
  [0x01, 'OUTPUT'],
  [0x02, 'ANALOG'],
  [0x03, 'PWM'],
  [0x04, 'SERVO'],
  [0x05, 'SHIFT'],
  [0x06, 'I2C'],
  [0x07, 'ONEWIRE'],
  [0x08, 'STEPPER'],
  [0x09, 'ENCODER'],
  [0x0a, 'SERIAL'],
  [0x0b, 'PULLUP'],
]);

export function modeName(mode: number): string {
  return MODE_NAMES.get(mode) ?? `0x${mode.toString(16).padStart(2, '0')}`;
}

/** The oldest protocol this driver speaks: 2.5 added SET_DIGITAL_PIN_VALUE and the PULLUP mode. */
export const MIN_PROTOCOL = { major: 2, minor: 5 } as const;

// ---------------------------------------------------------------------------------------------
// Frames the host sends
// ---------------------------------------------------------------------------------------------

export const encodeVersionQuery = (): Buffer => Buffer.from([REPORT_VERSION]);
export const encodeFirmwareQuery = (): Buffer => Buffer.from([START_SYSEX, REPORT_FIRMWARE, END_SYSEX]);
export const encodeCapabilityQuery = (): Buffer => Buffer.from([START_SYSEX, CAPABILITY_QUERY, END_SYSEX]);
export const encodeAnalogMappingQuery = (): Buffer => Buffer.from([START_SYSEX, ANALOG_MAPPING_QUERY, END_SYSEX]);

export function encodePinStateQuery(pin: number): Buffer {
  return Buffer.from([START_SYSEX, PIN_STATE_QUERY, checkPin(pin), END_SYSEX]);
}

export function encodeSetPinMode(pin: number, mode: number): Buffer {
  return Buffer.from([SET_PIN_MODE, checkPin(pin), mode & 0x7f]);
}

/** One pin, whatever the others of its port do (unlike DIGITAL_MESSAGE, which writes all eight). */
export function encodeSetDigitalPinValue(pin: number, high: boolean): Buffer {
  return Buffer.from([SET_DIGITAL_PIN_VALUE, checkPin(pin), high ? 1 : 0]);
}

export function encodeReportDigital(port: number, enable: boolean): Buffer {
  if (!Number.isInteger(port) || port < 0 || port > 15) throw new RangeError(`digital port ${port} outside 0–15`);
  return Buffer.from([REPORT_DIGITAL | port, enable ? 1 : 0]);
}

export function encodeReportAnalog(channel: number, enable: boolean): Buffer {
  if (!Number.isInteger(channel) || channel < 0 || channel > 15) throw new RangeError(`analog channel ${channel} outside 0–15`);
  return Buffer.from([REPORT_ANALOG | channel, enable ? 1 : 0]);
}

/** PWM duty: the short analog message up to pin 15, EXTENDED_ANALOG above it. */
export function encodeAnalogWrite(pin: number, value: number): Buffer {
  checkPin(pin);
  if (!Number.isInteger(value) || value < 0 || value > 0x3fff) throw new RangeError(`analog value ${value} outside 0–16383`);
  if (pin <= 15) return Buffer.from([ANALOG_MESSAGE | pin, value & 0x7f, (value >> 7) & 0x7f]);
  return Buffer.from([START_SYSEX, EXTENDED_ANALOG, pin, value & 0x7f, (value >> 7) & 0x7f, END_SYSEX]);
}

export function encodeSamplingInterval(ms: number): Buffer {
  const value = Math.min(0x3fff, Math.max(1, Math.round(ms)));
  return Buffer.from([START_SYSEX, SAMPLING_INTERVAL, value & 0x7f, (value >> 7) & 0x7f, END_SYSEX]);
}

function checkPin(pin: number): number {
  if (!Number.isInteger(pin) || pin < 0 || pin > 127) throw new RangeError(`pin ${pin} outside 0–127`);
  return pin;
}

// ---------------------------------------------------------------------------------------------
// Answers the driver checks itself
// ---------------------------------------------------------------------------------------------

export interface PinState {
  pin: number;
  /** The pin's mode, or -1 when the board answered that it has no such pin. */
  mode: number;
  /** For outputs the value last written (PWM duty, 0/1); for digital inputs the pull-up flag. */
  state: number;
}

/**
 * A PIN_STATE_RESPONSE sysex frame (F0 6E pin mode state… F7), or undefined when it is not one.
 * StandardFirmata answers a pin it does not have with the pin number alone (F0 6E pin F7).
 */
export function decodePinState(frame: Uint8Array): PinState | undefined {
  if (frame[0] !== START_SYSEX || frame[1] !== PIN_STATE_RESPONSE || frame.at(-1) !== END_SYSEX) return undefined;
  if (frame.length === 4) return { pin: frame[2]!, mode: -1, state: 0 };
  if (frame.length < 6) return undefined;
  let state = 0;
  for (let index = 4; index < frame.length - 1; index += 1) state |= (frame[index]! & 0x7f) << (7 * (index - 4));
  return { pin: frame[2]!, mode: frame[3]!, state };
}

export interface FirmwareReport {
  major: number;
  minor: number;
  name: string;
}

/** A REPORT_FIRMWARE answer: version, then the name as 7-bit LSB/MSB pairs. */
export function decodeFirmware(frame: Uint8Array): FirmwareReport | undefined {
  if (frame.length < 5 || frame[0] !== START_SYSEX || frame[1] !== REPORT_FIRMWARE || frame.at(-1) !== END_SYSEX) return undefined;
  const codes: number[] = [];
  for (let index = 4; index + 1 < frame.length - 1; index += 2) codes.push((frame[index]! & 0x7f) | ((frame[index + 1]! & 0x7f) << 7));
  return { major: frame[2]!, minor: frame[3]!, name: String.fromCharCode(...codes).replace(/\0/g, '') };
}

export interface PinCapability {
  /** mode → resolution in bits */
  modes: Map<number, number>;
}

/** CAPABILITY_RESPONSE: per pin, (mode, resolution) pairs closed by 0x7F. */
export function decodeCapabilities(frame: Uint8Array): PinCapability[] | undefined {
  if (frame.length < 3 || frame[0] !== START_SYSEX || frame[1] !== CAPABILITY_RESPONSE || frame.at(-1) !== END_SYSEX) return undefined;
  const pins: PinCapability[] = [];
  let modes = new Map<number, number>();
  for (let index = 2; index < frame.length - 1; ) {
    if (frame[index] === 0x7f) {
      pins.push({ modes });
      modes = new Map();
      index += 1;
      continue;
    }
    if (index + 1 >= frame.length - 1) return undefined; // a mode without its resolution
    modes.set(frame[index]!, frame[index + 1]!);
    index += 2;
  }
  return modes.size === 0 ? pins : undefined; // the last pin must be closed by 0x7F
}

/** ANALOG_MAPPING_RESPONSE: per pin its analog channel, 127 for none. */
export function decodeAnalogMapping(frame: Uint8Array): number[] | undefined {
  if (frame.length < 3 || frame[0] !== START_SYSEX || frame[1] !== ANALOG_MAPPING_RESPONSE || frame.at(-1) !== END_SYSEX) return undefined;
  return [...frame.subarray(2, -1)];
}

export function decodeString(frame: Uint8Array): string | undefined {
  if (frame.length < 3 || frame[0] !== START_SYSEX || frame[1] !== STRING_DATA || frame.at(-1) !== END_SYSEX) return undefined;
  const codes: number[] = [];
  for (let index = 2; index + 1 < frame.length - 1; index += 2) codes.push((frame[index]! & 0x7f) | ((frame[index + 1]! & 0x7f) << 7));
  return String.fromCharCode(...codes).replace(/\0/g, '');
}

/** The pins of a digital port message that are high. */
export function digitalPortLevels(frame: Uint8Array): { port: number; bits: number } | undefined {
  if (frame.length !== 3 || (frame[0]! & 0xf0) !== DIGITAL_MESSAGE) return undefined;
  return { port: frame[0]! & 0x0f, bits: (frame[1]! & 0x7f) | ((frame[2]! & 0x01) << 7) };
}

// ---------------------------------------------------------------------------------------------
// The byte stream from the board
// ---------------------------------------------------------------------------------------------

/** Longest sysex accepted: a capability response of a 128-pin board with every mode fits. */
export const MAX_SYSEX_BYTES = 4096;

export type StreamItem =
  | { kind: 'frame'; frame: Buffer }
  | { kind: 'garbage'; bytes: number; reason: string };

/**
 * Splits the board's byte stream into whole messages. Feed it chunks as they arrive; it keeps a
 * message cut across chunks. Only messages a board sends are frames: digital and analog reports,
 * the version report and sysex; anything else is garbage with the reason it was rejected.
 */
export class FrameSplitter {
  #pending: number[] = [];
  /** Data bytes a fixed-size message still needs; -1 inside a sysex; 0 when idle. */
  #need = 0;

  push(chunk: Uint8Array): StreamItem[] {
    const out: StreamItem[] = [];
    let garbage = 0;
    let reason = '';
    const junk = (bytes: number, why: string) => {
      garbage += bytes;
      reason ||= why;
    };
    const flushGarbage = () => {
      if (garbage > 0) out.push({ kind: 'garbage', bytes: garbage, reason });
      garbage = 0;
      reason = '';
    };

    for (const byte of chunk) {
      if (byte & 0x80) {
        // A command byte ends whatever was in progress.
        if (this.#need === -1 && byte === END_SYSEX) {
          this.#pending.push(byte);
          flushGarbage();
          out.push({ kind: 'frame', frame: Buffer.from(this.#pending) });
          this.#pending = [];
          this.#need = 0;
          continue;
        }
        if (this.#pending.length > 0) junk(this.#pending.length, this.#need === -1 ? 'sysex cut short by a new command' : 'message cut short');
        this.#pending = [];
        const size = boardMessageSize(byte);
        if (size === undefined) {
          junk(1, `0x${byte.toString(16)} is not a message a board sends`);
          this.#need = 0;
          continue;
        }
        this.#pending = [byte];
        this.#need = size;
        continue;
      }
      // A data byte.
      if (this.#need === 0) {
        junk(1, 'data byte outside any message');
        continue;
      }
      this.#pending.push(byte);
      if (this.#need === -1) {
        if (this.#pending.length > MAX_SYSEX_BYTES) {
          junk(this.#pending.length, 'sysex longer than any answer');
          this.#pending = [];
          this.#need = 0;
        }
        continue;
      }
      this.#need -= 1;
      if (this.#need === 0) {
        flushGarbage();
        out.push({ kind: 'frame', frame: Buffer.from(this.#pending) });
        this.#pending = [];
      }
    }
    flushGarbage();
    return out;
  }

  /** Forgets a message in progress (after the transport was reopened). */
  reset(): void {
    this.#pending = [];
    this.#need = 0;
  }
}

/** Data bytes after a command byte a board may send; -1 for sysex; undefined for the rest. */
function boardMessageSize(command: number): number | undefined {
  if (command === START_SYSEX) return -1;
  if (command === REPORT_VERSION) return 2;
  const high = command & 0xf0;
  if (high === DIGITAL_MESSAGE || high === ANALOG_MESSAGE) return 2;
  return undefined;
}
