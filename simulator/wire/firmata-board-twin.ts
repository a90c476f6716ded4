/**
 * A Firmata I/O board on the device end of a PtyPair: it speaks StandardFirmata 2.5 to whatever
 * opens the other end — version and firmware reports, capability and analog-mapping answers,
 * pin modes, pin-state queries, per-pin and per-port digital writes, PWM, digital and analog
 * reporting, sampling interval, system reset — announces itself on power-up like a real board
 * after its reset, and reports its inputs when they change.
 *
 * Tests move its input pins (`setInput`, `setAnalog`) and read what the host drove (`outputs`,
 * `waitForOutput`, every write timestamped with performance.now()). Hooks make it misbehave the
 * ways a real board does: `unplug`/`replug` (power and cable, through the PtyPair), `goSilent`
 * (firmware hung, until the board powers up again), `sendGarbage`, `corruptNextReport`, `setLatency` (a slow board),
 * `hangNextQuery`/`failNextQuery` (a pin-state query unanswered or answered with a wrong mode),
 * `reboot` (a brown-out), and a wrong protocol version or firmware through the options.
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { ARDUINO_UNO, type BoardProfile } from './firmata-board-profiles.ts';
import {
  analogMappingResponse,
  analogReport,
  capabilityResponse,
  digitalReport,
  firmwareReport,
  pinStateResponse,
  stringData,
  versionReport,
} from './firmata-board-messages.ts';
import { HostMessageParser, type HostMessage } from './firmata-host-parser.ts';
import type { PtyPair } from './pty-pair.ts';

const MODE = { INPUT: 0x00, OUTPUT: 0x01, ANALOG: 0x02, PWM: 0x03, SERVO: 0x04, PULLUP: 0x0b } as const;

export interface FirmataTwinOptions {
  profile?: BoardProfile;
  firmware?: { name: string; major: number; minor: number };
  /** The protocol version the board reports (REPORT_VERSION). */
  protocol?: { major: number; minor: number };
  /** Send version and firmware on power-up, as StandardFirmata does after its reset. */
  announce?: boolean;
}

export interface WireRecord {
  /** performance.now() when the twin applied it (outputs) or put it on the wire (inputs). */
  at: number;
  pin: number;
  kind: 'digital' | 'pwm' | 'mode' | 'input';
  value: number;
}

export interface FirmataTwinEvents {
  record: [record: WireRecord];
  power: [on: boolean];
  message: [message: HostMessage];
}

export class FirmataBoardTwin extends EventEmitter<FirmataTwinEvents> {
  readonly pair: PtyPair;
  readonly profile: BoardProfile;
  readonly records: WireRecord[] = [];
  /** How many host messages of each type arrived ("set-pin-value", "digital-port", "sysex-6b", …). */
  readonly received = new Map<string, number>();
  #firmware: { name: string; major: number; minor: number };
  #protocol: { major: number; minor: number };
  readonly #announce: boolean;
  #port: SerialPort | undefined;
  #parser = new HostMessageParser();
  #powered = false;
  #silent = false;
  #latencyMs = 0;
  #hangQueries = 0;
  #failQueries = 0;
  #corruptReport = false;
  #mode: number[] = [];
  #state: number[] = [];
  #level: boolean[] = [];
  #reportPort: boolean[] = [];
  #reportAnalog: boolean[] = [];
  #analogRaw: number[] = [];
  #samplingMs = 19;
  #sampler: ReturnType<typeof setInterval> | undefined;

  private constructor(pair: PtyPair, options: FirmataTwinOptions) {
    super();
    this.pair = pair;
    this.profile = options.profile ?? ARDUINO_UNO;
    this.#firmware = options.firmware ?? { name: 'StandardFirmata', major: 2, minor: 5 };
    this.#protocol = options.protocol ?? { major: 2, minor: 5 };
    this.#announce = options.announce ?? true;
    this.#level = Array.from({ length: this.profile.pinCount }, () => false);
    this.#analogRaw = Array.from({ length: 16 }, () => 0);
  }

  /** Opens the device end of `pair` and powers the board up. */
  static async start(pair: PtyPair, options: FirmataTwinOptions = {}): Promise<FirmataBoardTwin> {
    const twin = new FirmataBoardTwin(pair, options);
    await twin.attach();
    twin.powerUp();
    return twin;
  }

  get powered(): boolean {
    return this.#powered;
  }

  /** The mode the board has for a pin now. */
  pinMode(pin: number): number | undefined {
    return this.#mode[pin];
  }

  /** The pin's driven value (outputs: 0/1 or PWM duty) — 0 for every pin of an unpowered board. */
  output(pin: number): number {
    return this.#powered ? (this.#state[pin] ?? 0) : 0;
  }

  // -------------------------------------------------------------------------- the world's side

  /** The electrical level on an input pin; reported at once when its port reports. */
  setInput(pin: number, high: boolean): void {
    if (this.#level[pin] === high) return;
    this.#level[pin] = high;
    const mode = this.#mode[pin];
    if (!this.#powered || (mode !== MODE.INPUT && mode !== MODE.PULLUP) || !this.#reportPort[pin >> 3]) return;
    this.record(pin, 'input', high ? 1 : 0);
    this.sendPort(pin >> 3);
  }

  inputLevel(pin: number): boolean {
    return this.#level[pin] ?? false;
  }

  /** A raw ADC value on an analog channel, reported at the next sample. */
  setAnalog(channel: number, raw: number): void {
    this.#analogRaw[channel] = Math.max(0, Math.min(2 ** this.profile.adcBits - 1, Math.round(raw)));
  }

  /** Resolves with the first record from `from` on that matches, or rejects after `limitMs`. */
  waitForRecord(predicate: (record: WireRecord) => boolean, what: string, limitMs = 5000, from = 0): Promise<WireRecord> {
    const found = this.records.slice(from).find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('record', check);
        reject(new Error(`timed out after ${limitMs} ms waiting for ${what}`));
      }, limitMs);
      const check = (record: WireRecord) => {
        if (!predicate(record)) return;
        clearTimeout(timer);
        this.off('record', check);
        resolve(record);
      };
      this.on('record', check);
    });
  }

  // ------------------------------------------------------------------------------ fault hooks

  /**
   * Pulls the USB cable: the board loses power (outputs drop at once), then the PTY pair goes. The
   * twin's own end is closed first: a PTY end left open after socat dies may read EOF forever,
   * which serialport 13 retries in a loop.
   */
  async unplug(): Promise<void> {
    this.powerDown();
    const cable = this.pair.unplug(); // socat is killed before this returns its promise
    await this.closePort();
    await cable;
  }

  /** Plugs it back: a fresh PTY pair under the same names, the board powers up and announces. */
  async replug(): Promise<void> {
    await this.pair.replug();
    await this.attach();
    this.powerUp();
  }

  /** The firmware hangs (true): nothing read, nothing answered, nothing reported — until it powers up again (a replug or a reboot). */
  goSilent(silent: boolean): void {
    this.#silent = silent;
  }

  /** Every message from the host is handled this much later (a slow or overloaded board). */
  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** The next pin-state query gets no answer. */
  hangNextQuery(): void {
    this.#hangQueries += 1;
  }

  /** The next pin-state query is answered with the pin in a mode it was not set to. */
  failNextQuery(): void {
    this.#failQueries += 1;
  }

  /** Bytes no Firmata board sends: stray data, unknown commands, messages and a sysex cut short. */
  sendGarbage(bytes: readonly number[] = [0x12, 0x34, 0xa5, 0x90, 0x01, 0xf0, 0x6e, 0x05, 0x91, 0x00, 0xf7, 0xc3, 0x01]): void {
    this.send(bytes);
  }

  /** The next digital report loses its last byte to line noise. */
  corruptNextReport(): void {
    this.#corruptReport = true;
  }

  /** The board resets on its own (brown-out, watchdog): pins to power-up defaults, announces again. */
  reboot(): void {
    this.powerDown();
    this.powerUp();
  }

  /** The twin's end of the cable closes; the PTY pair is left to its owner. */
  async close(): Promise<void> {
    this.powerDown();
    await this.closePort();
  }

  // -------------------------------------------------------------------------------- the board

  private async closePort(): Promise<void> {
    const port = this.#port;
    this.#port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async attach(): Promise<void> {
    await this.closePort();
    const port = new SerialPort({ path: this.pair.devicePath, baudRate: 57600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    this.#parser = new HostMessageParser();
    port.on('data', (chunk: Buffer) => this.receive(chunk));
    port.on('error', () => undefined);
    port.on('close', () => {
      if (this.#port === port) this.#port = undefined;
    });
    this.#port = port;
  }

  private powerUp(): void {
    this.#powered = true;
    this.#silent = false; // a hung firmware starts afresh when the board powers up
    this.systemReset();
    this.emit('power', true);
    if (this.#announce) {
      this.sendVersion();
      this.sendFirmware();
    }
  }

  private powerDown(): void {
    if (!this.#powered) return;
    this.#powered = false;
    this.stopSampler();
    for (let pin = 0; pin < this.profile.pinCount; pin += 1) {
      const mode = this.#mode[pin];
      if ((mode === MODE.OUTPUT || mode === MODE.PWM) && this.#state[pin]) this.record(pin, mode === MODE.PWM ? 'pwm' : 'digital', 0);
    }
    this.emit('power', false);
  }

  /** StandardFirmata's systemResetCallback: analog pins ANALOG, every other pin OUTPUT LOW, no reporting. */
  private systemReset(): void {
    const { pinCount, analog } = this.profile;
    this.#mode = Array.from({ length: pinCount }, (_, pin) => (analog.has(pin) ? MODE.ANALOG : this.profile.digital.has(pin) ? MODE.OUTPUT : -1));
    this.#state = Array.from({ length: pinCount }, () => 0);
    this.#reportPort = Array.from({ length: 16 }, () => false);
    this.#reportAnalog = Array.from({ length: 16 }, () => false);
    this.#samplingMs = 19;
    this.stopSampler();
  }

  private receive(chunk: Buffer): void {
    if (this.#silent || !this.#powered) return;
    if (this.#latencyMs > 0) {
      setTimeout(() => this.handleChunk(chunk), this.#latencyMs);
      return;
    }
    this.handleChunk(chunk);
  }

  private handleChunk(chunk: Buffer): void {
    if (this.#silent || !this.#powered) return;
    for (const message of this.#parser.push(chunk)) {
      const key = message.type === 'sysex' ? `sysex-${message.command.toString(16).padStart(2, '0')}` : message.type;
      this.received.set(key, (this.received.get(key) ?? 0) + 1);
      this.emit('message', message);
      this.handle(message);
    }
  }

  private handle(message: HostMessage): void {
    switch (message.type) {
      case 'report-version':
        return this.sendVersion();
      case 'system-reset':
        return this.systemReset();
      case 'set-pin-mode':
        return this.setPinMode(message.pin, message.mode);
      case 'set-pin-value':
        if (this.#mode[message.pin] === MODE.OUTPUT) this.drive(message.pin, 'digital', message.value ? 1 : 0);
        return;
      case 'digital-port':
        return this.writePort(message.port, message.bits);
      case 'analog-write':
        if (this.#mode[message.pin] === MODE.PWM) this.drive(message.pin, 'pwm', message.value);
        return;
      case 'report-analog':
        this.#reportAnalog[message.channel] = message.enable;
        if (message.enable) this.sendAnalog(message.channel);
        return this.updateSampler();
      case 'report-digital':
        this.#reportPort[message.port] = message.enable;
        if (message.enable) this.sendPort(message.port);
        return;
      case 'sysex':
        return this.sysex(message.command, message.data);
      case 'unknown':
        return;
    }
  }

  private sysex(command: number, data: number[]): void {
    switch (command) {
      case 0x79:
        return this.sendFirmware();
      case 0x6b:
        return this.send(capabilityResponse(this.profile));
      case 0x69:
        return this.send(analogMappingResponse(this.profile));
      case 0x6d:
        return this.answerPinState(data[0] ?? 0);
      case 0x6f: {
        const [pin = 0, ...bits] = data;
        const value = bits.reduce((sum, byte, index) => sum | ((byte & 0x7f) << (7 * index)), 0);
        if (this.#mode[pin] === MODE.PWM) this.drive(pin, 'pwm', value);
        return;
      }
      case 0x7a:
        this.#samplingMs = Math.max(1, (data[0] ?? 0) | ((data[1] ?? 0) << 7));
        return this.updateSampler(true);
      default:
        return; // STRING_DATA and features this board does not have
    }
  }

  private setPinMode(pin: number, mode: number): void {
    if (!this.supports(pin, mode)) {
      this.send(stringData('Unknown pin mode'));
      return;
    }
    const channel = this.profile.analog.get(pin);
    if (channel !== undefined) {
      this.#reportAnalog[channel] = mode === MODE.ANALOG;
      if (mode === MODE.ANALOG) this.sendAnalog(channel);
      this.updateSampler();
    }
    this.#mode[pin] = mode;
    this.record(pin, 'mode', mode);
    if (mode === MODE.OUTPUT || mode === MODE.PWM) this.drive(pin, mode === MODE.PWM ? 'pwm' : 'digital', 0);
    else this.#state[pin] = mode === MODE.PULLUP ? 1 : 0;
  }

  private supports(pin: number, mode: number): boolean {
    const { digital, pwm, analog, pullUp } = this.profile;
    if (mode === MODE.INPUT || mode === MODE.OUTPUT) return digital.has(pin);
    if (mode === MODE.PULLUP) return pullUp && digital.has(pin);
    if (mode === MODE.PWM) return pwm.has(pin);
    if (mode === MODE.ANALOG) return analog.has(pin);
    return false;
  }

  /** DIGITAL_MESSAGE to the board: outputs take their bit; an INPUT pin given a 1 gets its pull-up. */
  private writePort(port: number, bits: number): void {
    for (let bit = 0; bit < 8; bit += 1) {
      const pin = port * 8 + bit;
      const high = (bits >> bit) & 1;
      if (this.#mode[pin] === MODE.OUTPUT) this.drive(pin, 'digital', high);
      else if (this.#mode[pin] === MODE.INPUT && high) this.#state[pin] = 1;
    }
  }

  private drive(pin: number, kind: 'digital' | 'pwm', value: number): void {
    this.#state[pin] = value;
    this.record(pin, kind, value);
  }

  private record(pin: number, kind: WireRecord['kind'], value: number): void {
    const record: WireRecord = { at: performance.now(), pin, kind, value };
    this.records.push(record);
    if (this.records.length > 100_000) this.records.splice(0, 50_000);
    this.emit('record', record);
  }

  private answerPinState(pin: number): void {
    if (this.#hangQueries > 0) {
      this.#hangQueries -= 1;
      return;
    }
    if (pin >= this.profile.pinCount) {
      this.send(pinStateResponse(pin));
      return;
    }
    let mode = this.#mode[pin] ?? 0;
    if (this.#failQueries > 0) {
      this.#failQueries -= 1;
      mode = mode === MODE.INPUT ? MODE.OUTPUT : MODE.INPUT;
    }
    this.send(pinStateResponse(pin, mode, this.#state[pin] ?? 0));
  }

  private sendVersion(): void {
    this.send(versionReport(this.#protocol));
  }

  private sendFirmware(): void {
    this.send(firmwareReport(this.#firmware));
  }

  /** The levels of a port's input pins, as checkDigitalInputs reports them. */
  private sendPort(port: number): void {
    let bits = 0;
    for (let bit = 0; bit < 8; bit += 1) {
      const pin = port * 8 + bit;
      const mode = this.#mode[pin];
      if ((mode === MODE.INPUT || mode === MODE.PULLUP) && this.#level[pin]) bits |= 1 << bit;
    }
    const report = digitalReport(port, bits);
    if (this.#corruptReport) {
      // The last byte lost to line noise, and a byte no board sends in its place.
      this.#corruptReport = false;
      report[2] = 0xa5;
    }
    this.send(report);
  }

  private sendAnalog(channel: number): void {
    this.send(analogReport(channel, this.#analogRaw[channel] ?? 0));
  }

  private updateSampler(restart = false): void {
    const wanted = this.#powered && this.#reportAnalog.some((on, channel) => on && this.channelPinIsAnalog(channel));
    if (restart || !wanted) this.stopSampler();
    if (!wanted || this.#sampler) return;
    this.#sampler = setInterval(() => {
      if (this.#silent) return;
      this.#reportAnalog.forEach((on, channel) => {
        if (on && this.channelPinIsAnalog(channel)) this.sendAnalog(channel);
      });
    }, this.#samplingMs);
    this.#sampler.unref();
  }

  private channelPinIsAnalog(channel: number): boolean {
    for (const [pin, ch] of this.profile.analog) if (ch === channel) return this.#mode[pin] === MODE.ANALOG;
    return false;
  }

  private stopSampler(): void {
    if (this.#sampler) clearInterval(this.#sampler);
    this.#sampler = undefined;
  }

  private send(bytes: readonly number[]): void {
    if (this.#silent || !this.#powered || !this.#port?.isOpen) return;
    this.#port.write(Buffer.from(bytes));
  }
}
