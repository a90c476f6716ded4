/**
 * `firmata,pwm-lighting`: booth light channels on Firmata board pins — PWM for dimmable LED
 * drivers, plain outputs for on/off lamps and status LEDs — with named scenes. Every write is
 * read back from the board (PIN_STATE_QUERY gives the duty a PWM pin has), and `levels` reports
 * what the board has, not what was last asked. Channels start dark when the device opens and are
 * switched off when it closes.
 */
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { Lighting, LightingCapability, LightingEvents, LightLevel } from '../../hal/lighting.ts';
import type { FirmataBoard } from '../firmata/board.ts';
import { FirmataDevice, type FirmataDeviceOptions } from '../firmata/firmata-device.ts';
import { PinMode } from '../firmata/protocol.ts';
import type { ChannelSpec, FirmataPwmLightingProps } from './config.ts';
import { badLevel, noChannel, noScene, type LightingFailure } from './errors.ts';
import { dutyFor, levelForDuty, levelForPin, onOffLevel, pinHighFor, validLevel } from './protocol.ts';

export { firmataPwmLightingProps, type FirmataPwmLightingProps } from './config.ts';

interface WiredChannel {
  name: string;
  spec: ChannelSpec;
  pin: number;
  /** PWM steps of the pin (dimmable channels). */
  max: number;
}

export class FirmataPwmLighting extends FirmataDevice<LightingEvents, LightingCapability> implements Lighting {
  readonly deviceClass = 'lighting' as const;
  readonly capabilities: ReadonlySet<LightingCapability>;
  readonly channels: readonly string[];
  readonly scenes: readonly string[];
  readonly #props: FirmataPwmLightingProps;
  #wired: WiredChannel[] = [];
  /** Levels as last confirmed by the board, kept across re-opens. */
  readonly #levels = new Map<string, LightLevel>();

  constructor(context: DeviceContext, props: FirmataPwmLightingProps, options: Omit<FirmataDeviceOptions, 'board'>) {
    super(context, { ...options, board: props.board });
    this.#props = props;
    this.channels = Object.keys(props.channels);
    this.scenes = Object.keys(props.scenes);
    const dimmable = Object.values(props.channels).some((channel) => channel.dimmable);
    this.capabilities = new Set<LightingCapability>(dimmable ? ['dimming', 'scenes'] : ['scenes']);
    for (const channel of this.channels) this.#levels.set(channel, 0);
  }

  setLevel(channel: string, level: LightLevel, options?: IoOptions): Promise<void> {
    return this.command('setLevel', options, { timeoutMs: 1000 }, (signal) =>
      this.onBoard('setLevel', async () => {
        if (!this.#levels.has(channel)) this.fail('setLevel', noChannel(channel, this.channels));
        if (!validLevel(level)) this.fail('setLevel', badLevel(level));
        await this.apply({ [channel]: level }, signal);
      }),
    );
  }

  setScene(name: string, options?: IoOptions): Promise<void> {
    return this.command('setScene', options, { timeoutMs: 1000 }, (signal) =>
      this.onBoard('setScene', async () => {
        const levels = this.#props.scenes[name];
        if (!levels) this.fail('setScene', noScene(name, this.scenes));
        await this.apply(levels, signal);
        (this as Lighting).emit('scene', name);
      }),
    );
  }

  levels(options?: IoOptions): Promise<Record<string, LightLevel>> {
    return this.command('levels', options, { timeoutMs: 1000 }, (signal) =>
      this.onBoard('levels', async () => {
        const pins = this.board('levels').pins;
        const answers = await Promise.all(this.#wired.map((channel) => pins.expect(channel.pin, channel.name, [this.mode(channel)], undefined, signal)));
        this.#wired.forEach((channel, index) => this.confirm(channel.name, this.levelFromBoard(channel, answers[index]!.state)));
        return Object.fromEntries(this.#levels);
      }),
    );
  }

  protected describe(): string {
    return `lighting (${this.channels.join(', ')})`;
  }

  protected async configure(board: FirmataBoard, signal: AbortSignal): Promise<void> {
    const pins = board.pins;
    const wired = Object.entries(this.#props.channels).map(([name, spec]) => ({ name, spec, pin: pins.resolve(spec.pin) }));
    pins.claim(
      this.id,
      wired.map(({ name, spec, pin }) => ({ pin, use: spec.dimmable ? ('pwm' as const) : ('output' as const), name })),
    );
    this.#wired = wired.map((channel) => ({ ...channel, max: pins.maxValue(channel.pin, 'pwm') }));
    for (const channel of this.#wired) {
      if (channel.spec.dimmable) pins.pwm(channel.pin, dutyFor(0, channel.max, channel.spec.activeLow));
      else pins.output(channel.pin, pinHighFor(0, channel.spec.activeLow));
    }
    await this.verifyAll(board, Object.fromEntries(this.channels.map((channel) => [channel, 0])), signal);
    for (const channel of this.channels) this.confirm(channel, 0);
  }

  protected async unconfigure(board: FirmataBoard, signal: AbortSignal): Promise<void> {
    for (const channel of this.#wired) this.write(board, channel, 0);
    await this.verifyAll(board, Object.fromEntries(this.#wired.map((channel) => [channel.name, 0])), signal);
  }

  protected async verify(board: FirmataBoard, signal: AbortSignal): Promise<void> {
    const first = this.#wired[0]!;
    await board.pins.expect(first.pin, first.name, [this.mode(first)], undefined, signal);
  }

  protected forget(): void {
    this.#wired = [];
  }

  protected override healthDetail(): Record<string, string | number | boolean> {
    return Object.fromEntries(this.#levels);
  }

  /** Writes every level, reads every pin back, then reports what changed. */
  private async apply(levels: Record<string, LightLevel>, signal: AbortSignal): Promise<void> {
    const board = this.board('apply');
    for (const [name, level] of Object.entries(levels)) this.write(board, this.channel(name), level);
    await this.verifyAll(board, levels, signal);
    for (const [name, level] of Object.entries(levels)) this.confirm(name, this.channel(name).spec.dimmable ? level : onOffLevel(level));
  }

  private write(board: FirmataBoard, channel: WiredChannel, level: LightLevel): void {
    if (channel.spec.dimmable) board.pins.writePwm(channel.pin, dutyFor(level, channel.max, channel.spec.activeLow));
    else board.pins.writeDigital(channel.pin, pinHighFor(level, channel.spec.activeLow));
  }

  private async verifyAll(board: FirmataBoard, levels: Record<string, LightLevel>, signal: AbortSignal): Promise<void> {
    await Promise.all(
      Object.entries(levels).map(([name, level]) => {
        const channel = this.channel(name);
        const state = channel.spec.dimmable ? dutyFor(level, channel.max, channel.spec.activeLow) : Number(pinHighFor(level, channel.spec.activeLow));
        return board.pins.expect(channel.pin, name, [this.mode(channel)], state, signal);
      }),
    );
  }

  /** The board's value as a level; the asked level when the board has exactly its duty. */
  private levelFromBoard(channel: WiredChannel, state: number): LightLevel {
    if (!channel.spec.dimmable) return levelForPin(state, channel.spec.activeLow);
    const asked = this.#levels.get(channel.name) ?? 0;
    if (dutyFor(asked, channel.max, channel.spec.activeLow) === state) return asked;
    return levelForDuty(state, channel.max, channel.spec.activeLow);
  }

  private confirm(channel: string, level: LightLevel): void {
    if (this.#levels.get(channel) === level) return;
    this.#levels.set(channel, level);
    (this as Lighting).emit('level', channel, level);
  }

  private channel(name: string): WiredChannel {
    const channel = this.#wired.find((wired) => wired.name === name);
    if (!channel) throw this.error('ENODEV', 'apply', `channel "${name}" is not set up`);
    return channel;
  }

  private mode(channel: WiredChannel): number {
    return channel.spec.dimmable ? PinMode.PWM : PinMode.OUTPUT;
  }

  private fail(operation: string, failure: LightingFailure): never {
    throw this.error(failure.code, operation, failure.message);
  }
}
