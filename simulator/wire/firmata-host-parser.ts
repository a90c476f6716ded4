/**
 * The board's side of Firmata parsing: bytes from the host cut into messages, the way
 * FirmataParser in firmata/arduino does it (a command byte, then its fixed number of data bytes;
 * sysex up to END_SYSEX). Written for the twin on its own — simulators never import drivers, so
 * the driver's encoder and this parser check each other on the wire.
 */

export type HostMessage =
  | { type: 'report-version' }
  | { type: 'system-reset' }
  | { type: 'set-pin-mode'; pin: number; mode: number }
  | { type: 'set-pin-value'; pin: number; value: number }
  | { type: 'digital-port'; port: number; bits: number }
  | { type: 'analog-write'; pin: number; value: number }
  | { type: 'report-analog'; channel: number; enable: boolean }
  | { type: 'report-digital'; port: number; enable: boolean }
  | { type: 'sysex'; command: number; data: number[] }
  | { type: 'unknown'; bytes: number[] };

/** Data bytes after each command byte the host may send (sysex handled apart). */
function dataBytes(command: number): number | undefined {
  switch (command & 0xf0) {
    case 0x90:
    case 0xe0:
      return 2;
    case 0xc0:
    case 0xd0:
      return 1;
  }
  switch (command) {
    case 0xf4:
    case 0xf5:
      return 2;
    case 0xf9:
    case 0xff:
      return 0;
  }
  return undefined;
}

export class HostMessageParser {
  #command: number | undefined;
  #data: number[] = [];
  #need = 0;
  #inSysex = false;

  push(chunk: Uint8Array): HostMessage[] {
    const out: HostMessage[] = [];
    for (const byte of chunk) {
      if (this.#inSysex) {
        if (byte === 0xf7) {
          this.#inSysex = false;
          const [command = 0, ...data] = this.#data;
          out.push({ type: 'sysex', command, data });
          this.#data = [];
        } else if (byte & 0x80) {
          // A new command inside a sysex: the sysex is dropped, the command starts.
          this.#inSysex = false;
          this.#data = [];
          this.start(byte, out);
        } else {
          this.#data.push(byte);
        }
        continue;
      }
      if (byte & 0x80) {
        this.start(byte, out);
        continue;
      }
      if (this.#command === undefined) continue; // a stray data byte: StandardFirmata skips it
      this.#data.push(byte);
      this.#need -= 1;
      if (this.#need === 0) {
        out.push(decode(this.#command, this.#data));
        this.#command = undefined;
        this.#data = [];
      }
    }
    return out;
  }

  private start(byte: number, out: HostMessage[]): void {
    this.#command = undefined;
    this.#data = [];
    if (byte === 0xf0) {
      this.#inSysex = true;
      return;
    }
    const need = dataBytes(byte);
    if (need === undefined) {
      out.push({ type: 'unknown', bytes: [byte] });
      return;
    }
    if (need === 0) {
      out.push(decode(byte, []));
      return;
    }
    this.#command = byte;
    this.#need = need;
  }
}

function decode(command: number, data: number[]): HostMessage {
  const [a = 0, b = 0] = data;
  const low = command & 0x0f;
  switch (command & 0xf0) {
    case 0x90:
      return { type: 'digital-port', port: low, bits: (a & 0x7f) | ((b & 0x01) << 7) };
    case 0xe0:
      return { type: 'analog-write', pin: low, value: (a & 0x7f) | ((b & 0x7f) << 7) };
    case 0xc0:
      return { type: 'report-analog', channel: low, enable: a !== 0 };
    case 0xd0:
      return { type: 'report-digital', port: low, enable: a !== 0 };
  }
  switch (command) {
    case 0xf4:
      return { type: 'set-pin-mode', pin: a, mode: b };
    case 0xf5:
      return { type: 'set-pin-value', pin: a, value: b };
    case 0xf9:
      return { type: 'report-version' };
    case 0xff:
      return { type: 'system-reset' };
  }
  return { type: 'unknown', bytes: [command, ...data] };
}
