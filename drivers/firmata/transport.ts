/**
 * The transport firmata-io reads from: the serial port's bytes cut into whole messages by
 * FrameSplitter, each checked before firmata-io sees it. firmata-io indexes its pin table with
 * numbers taken from the wire and allocates buffers from message lengths without checks, so one
 * malformed message would throw inside the serial port's `data` event and end the process.
 * Here such a message is counted as garbage instead, and so is anything firmata-io still throws on.
 */
import { EventEmitter } from 'node:events';
import {
  ANALOG_MAPPING_RESPONSE,
  CAPABILITY_RESPONSE,
  decodeAnalogMapping,
  decodeCapabilities,
  decodeFirmware,
  END_SYSEX,
  FrameSplitter,
  PIN_STATE_RESPONSE,
  REPORT_FIRMWARE,
  START_SYSEX,
  STRING_DATA,
  type StreamItem,
} from './protocol.ts';

/** What the board connection learns from the stream, before (and besides) firmata-io. */
export interface FrameTap {
  /** Every whole message, before it is forwarded. Return false to keep it from firmata-io. */
  frame(frame: Buffer): boolean;
  garbage(bytes: number, reason: string): void;
}

/** The part of a serialport 13 SerialPort this transport uses. */
export interface SerialLike {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (error?: Error & { disconnected?: boolean }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  write(data: Buffer, callback?: (error?: Error | null) => void): unknown;
}

/** firmata-io's parser state, reset when it threw in the middle of a message. */
interface ParserState {
  buffer: number[];
  pins: unknown[];
}

export class GuardedTransport extends EventEmitter {
  readonly #port: SerialLike;
  readonly #tap: FrameTap;
  readonly #splitter = new FrameSplitter();
  #parser: ParserState | undefined;
  #capabilitySeen = false;
  #mappingSeen = false;
  #handshakeDone = false;

  constructor(port: SerialLike, tap: FrameTap) {
    super();
    this.#port = port;
    this.#tap = tap;
    port.on('data', (chunk) => this.receive(chunk));
  }

  /** Gives the transport firmata-io's instance, whose pin table bounds the checks. */
  attachParser(parser: ParserState): void {
    this.#parser = parser;
  }

  /** After the handshake a firmware report is the board announcing a restart, not for firmata-io. */
  handshakeDone(): void {
    this.#handshakeDone = true;
  }

  /** firmata-io writes through here. */
  write(data: Buffer, callback?: (error?: Error | null) => void): void {
    this.#port.write(data, (error) => callback?.(error));
  }

  /** Runs inside the serial port's `data` event: nothing may throw out of it. */
  private receive(chunk: Buffer): void {
    for (const item of this.#splitter.push(chunk)) {
      try {
        this.handle(item);
      } catch (error) {
        this.#tap.garbage(item.kind === 'frame' ? item.frame.length : item.bytes, `message not handled: ${(error as Error).message}`);
      }
    }
  }

  private handle(item: StreamItem): void {
    if (item.kind === 'garbage') {
      this.#tap.garbage(item.bytes, item.reason);
      return;
    }
    const { frame } = item;
    const problem = this.check(frame);
    if (problem) {
      this.#tap.garbage(frame.length, problem);
      return;
    }
    if (!this.#tap.frame(frame)) return;
    if (!this.forwardable(frame)) return;
    try {
      this.emit('data', frame);
    } catch (error) {
      if (this.#parser) this.#parser.buffer.length = 0;
      this.#tap.garbage(frame.length, `firmata-io rejected a message: ${(error as Error).message}`);
    }
  }

  /** Why a whole message is still unusable, or undefined when it is fine. */
  private check(frame: Buffer): string | undefined {
    if (frame[0] !== START_SYSEX) return undefined; // digital, analog and version reports are safe
    if (frame.length < 3 || frame.at(-1) !== END_SYSEX) return 'sysex without its end';
    const pinCount = this.#parser?.pins.length ?? 0;
    switch (frame[1]) {
      case REPORT_FIRMWARE:
        return decodeFirmware(frame) ? undefined : 'firmware report too short';
      case CAPABILITY_RESPONSE:
        return decodeCapabilities(frame) ? undefined : 'capability response does not parse';
      case ANALOG_MAPPING_RESPONSE: {
        const mapping = decodeAnalogMapping(frame);
        if (!mapping) return 'analog mapping does not parse';
        if (this.#capabilitySeen && mapping.length > pinCount) return `analog mapping names ${mapping.length} pins, the board has ${pinCount}`;
        return undefined;
      }
      case PIN_STATE_RESPONSE:
        if (frame.length < 4) return 'pin state response too short';
        if (frame.length > 4 && frame.length < 6) return 'pin state response without a state';
        return undefined;
      default:
        return undefined;
    }
  }

  /** Whether firmata-io may see it: only what it needs, and the one-time answers only once. */
  private forwardable(frame: Buffer): boolean {
    if (frame[0] !== START_SYSEX) return true;
    const pinCount = this.#parser?.pins.length ?? 0;
    switch (frame[1]) {
      case REPORT_FIRMWARE:
        return !this.#handshakeDone;
      case CAPABILITY_RESPONSE:
        if (this.#capabilitySeen) return false;
        this.#capabilitySeen = true;
        return true;
      case ANALOG_MAPPING_RESPONSE:
        if (this.#mappingSeen || !this.#capabilitySeen) return false;
        this.#mappingSeen = true;
        return true;
      case PIN_STATE_RESPONSE:
        // "No such pin" answers (no mode byte) and pins outside firmata-io's table stay here.
        return frame.length >= 6 && frame[2]! < pinCount;
      case STRING_DATA:
        return true;
      default:
        return false; // features this driver does not use (I2C, OneWire, serial…)
    }
  }
}
