/**
 * The serial framing of the Enttec DMX USB Pro widget API (and the many widgets that copy it):
 * pure encode/decode, no I/O.
 *
 *   0x7E  label  length-LSB  length-MSB  data[length]  0xE7
 *
 * `length` counts the data bytes only and is 0–600. The labels this driver uses:
 * - 3  Get Widget Parameters. Request data: user-configuration size (LSB, MSB). Reply data:
 *      firmware version (LSB, MSB), DMX break time (units of 10.67 µs), mark-after-break time
 *      (units of 10.67 µs), output rate (packets per second), then the user configuration.
 * - 6  Output Only Send DMX Packet. Data: the DMX start code (0 for dimmer levels) followed by
 *      24–512 slot values. The widget answers nothing; it keeps transmitting the last packet.
 * - 10 Get Widget Serial Number. Request data: none. Reply data: 4 bytes, the serial number in
 *      binary-coded decimal, least significant byte first (`78 56 34 12` is serial 12345678).
 */

export const START_OF_MESSAGE = 0x7e;
export const END_OF_MESSAGE = 0xe7;
/** Largest data length the widget accepts in one message. */
export const MAX_DATA_LENGTH = 600;

export const LABEL_GET_PARAMETERS = 3;
export const LABEL_RECEIVED_DMX = 5;
export const LABEL_SEND_DMX = 6;
export const LABEL_GET_SERIAL = 10;

/** DMX512 slots in one universe, and the shortest packet the standard allows. */
export const UNIVERSE_SLOTS = 512;
export const MIN_DMX_SLOTS = 24;
/** The null start code: the slots carry dimmer levels. */
export const DMX_START_CODE = 0;

export interface UsbProMessage {
  label: number;
  data: Buffer;
}

/** A reply that is framed correctly but says something this driver cannot accept. */
export class UsbProDecodeError extends Error {
  /** `EBADMSG`: malformed; `EIO`: well formed, but the widget reports it has nothing to give. */
  readonly code: 'EBADMSG' | 'EIO';

  constructor(code: 'EBADMSG' | 'EIO', message: string) {
    super(message);
    this.name = 'UsbProDecodeError';
    this.code = code;
  }
}

export function encodeMessage(label: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  if (!Number.isInteger(label) || label < 0 || label > 255) throw new RangeError(`label ${label} is not a byte`);
  if (data.length > MAX_DATA_LENGTH) throw new RangeError(`data length ${data.length} exceeds ${MAX_DATA_LENGTH}`);
  const message = Buffer.alloc(data.length + 5);
  message[0] = START_OF_MESSAGE;
  message[1] = label;
  message[2] = data.length & 0xff;
  message[3] = data.length >> 8;
  message.set(data, 4);
  message[message.length - 1] = END_OF_MESSAGE;
  return message;
}

/** Label 6 with the null start code. `slots[0]` is DMX slot 1. */
export function encodeSendDmx(slots: Uint8Array, startCode = DMX_START_CODE): Buffer {
  if (slots.length < MIN_DMX_SLOTS || slots.length > UNIVERSE_SLOTS) {
    throw new RangeError(`a DMX packet carries ${MIN_DMX_SLOTS}–${UNIVERSE_SLOTS} slots, not ${slots.length}`);
  }
  const data = new Uint8Array(slots.length + 1);
  data[0] = startCode;
  data.set(slots, 1);
  return encodeMessage(LABEL_SEND_DMX, data);
}

/** Label 3, asking for no user-configuration bytes. */
export function encodeGetParameters(userConfigSize = 0): Buffer {
  return encodeMessage(LABEL_GET_PARAMETERS, Uint8Array.of(userConfigSize & 0xff, userConfigSize >> 8));
}

export function encodeGetSerial(): Buffer {
  return encodeMessage(LABEL_GET_SERIAL);
}

export interface WidgetParameters {
  firmware: { major: number; minor: number };
  /** DMX break length the widget transmits, in microseconds. */
  breakTimeUs: number;
  /** Mark-after-break length, in microseconds. */
  markAfterBreakUs: number;
  /** Packets per second the widget transmits (0: as fast as it can). */
  outputRate: number;
  userConfig: Buffer;
}

const TIME_UNIT_US = 10.67;

export function decodeParameters(data: Buffer): WidgetParameters {
  if (data.length === 0) throw new UsbProDecodeError('EIO', 'widget answered the parameter request with no parameters');
  if (data.length < 5) throw new UsbProDecodeError('EBADMSG', `parameter reply has ${data.length} bytes, expected at least 5`);
  return {
    firmware: { major: data[1] as number, minor: data[0] as number },
    breakTimeUs: Math.round((data[2] as number) * TIME_UNIT_US),
    markAfterBreakUs: Math.round((data[3] as number) * TIME_UNIT_US),
    outputRate: data[4] as number,
    userConfig: Buffer.from(data.subarray(5)),
  };
}

/** The serial number as the eight decimal digits printed on the widget's label. */
export function decodeSerial(data: Buffer): string {
  if (data.length === 0) throw new UsbProDecodeError('EIO', 'widget answered the serial-number request with no serial');
  if (data.length !== 4) throw new UsbProDecodeError('EBADMSG', `serial-number reply has ${data.length} bytes, expected 4`);
  const digits = [...data].reverse().map((byte) => byte.toString(16).padStart(2, '0')).join('');
  if (!/^[0-9]{8}$/.test(digits)) throw new UsbProDecodeError('EBADMSG', `serial number 0x${digits} is not binary-coded decimal`);
  return digits;
}

/** The inverse of {@link decodeSerial}, for tests and tools. */
export function encodeSerial(serial: string): Buffer {
  if (!/^[0-9]{8}$/.test(serial)) throw new RangeError(`serial "${serial}" is not eight decimal digits`);
  return Buffer.from(serial, 'hex').reverse();
}

export interface DecodeResult {
  messages: UsbProMessage[];
  /** Bytes skipped while hunting for a start-of-message byte. */
  garbageBytes: number;
  /** Frames rejected after their start byte: a length over 600 or no end byte where the length says. */
  badFrames: string[];
}

/**
 * Splits a byte stream into messages. Garbage before a start byte is skipped and counted; a
 * frame whose length is impossible or whose end byte is missing is rejected and the search
 * resumes one byte after its start byte, so a real frame hidden inside it is still found.
 * Holds at most one incomplete frame (≤ 605 bytes).
 */
export class UsbProDecoder {
  #buffer: Buffer = Buffer.alloc(0);

  /** Bytes of an incomplete frame waiting for the rest. */
  get pendingBytes(): number {
    return this.#buffer.length;
  }

  push(chunk: Uint8Array): DecodeResult {
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
    return this.#scan();
  }

  /**
   * Gives up on the incomplete frame held (its bytes stopped coming, so its length was a lie):
   * drops its start byte, counts a bad frame, and rescans what followed it.
   */
  abandonPartial(): DecodeResult {
    if (this.#buffer.length === 0) return { messages: [], garbageBytes: 0, badFrames: [] };
    const declared = this.#buffer.length >= 4 ? (this.#buffer[2] as number) | ((this.#buffer[3] as number) << 8) : undefined;
    this.#buffer = this.#buffer.subarray(1);
    const result = this.#scan();
    result.badFrames.unshift(
      declared === undefined ? 'frame cut off in its header' : `frame declared ${declared} data bytes but the line went quiet`,
    );
    return result;
  }

  #scan(): DecodeResult {
    const result: DecodeResult = { messages: [], garbageBytes: 0, badFrames: [] };
    for (;;) {
      const start = this.#buffer.indexOf(START_OF_MESSAGE);
      if (start < 0) {
        result.garbageBytes += this.#buffer.length;
        this.#buffer = Buffer.alloc(0);
        return result;
      }
      if (start > 0) {
        result.garbageBytes += start;
        this.#buffer = this.#buffer.subarray(start);
      }
      if (this.#buffer.length < 4) return result;
      const length = (this.#buffer[2] as number) | ((this.#buffer[3] as number) << 8);
      if (length > MAX_DATA_LENGTH) {
        result.badFrames.push(`declared length ${length} exceeds ${MAX_DATA_LENGTH}`);
        this.#buffer = this.#buffer.subarray(1);
        continue;
      }
      const total = length + 5;
      if (this.#buffer.length < total) return result;
      if (this.#buffer[total - 1] !== END_OF_MESSAGE) {
        result.badFrames.push(`no end-of-message byte after ${length} data bytes`);
        this.#buffer = this.#buffer.subarray(1);
        continue;
      }
      result.messages.push({ label: this.#buffer[1] as number, data: Buffer.from(this.#buffer.subarray(4, 4 + length)) });
      this.#buffer = this.#buffer.subarray(total);
    }
  }
}
