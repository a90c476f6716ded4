/**
 * The half every line-protocol driver shares: open the port, HELLO and check the protocol
 * version, keep-alive, turn link failures into HAL errors and `lost`, passive health from the
 * link's counters. A driver adds its verbs, its events and what its HELLO answer carries.
 */
import { DeviceCore, type DeviceContext } from '../../hal/device-core.ts';
import type { DeviceInfo, HealthReport } from '../../hal/device.ts';
import { deviceText, halCodeOf, LineError, versionRefusal } from './errors.ts';
import { parseProtocolVersion, type EventFrame, type Fields } from './framing.ts';
import { LineLink, newLineStats, type LineStats } from './line-link.ts';

/** Where the device is and how the link watches it (from the manifest's bus and props). */
export interface LineOptions {
  path: string;
  baudRate: number;
  keepAliveMs: number;
  keepAliveMisses: number;
  /** HELLO is repeated this often until the device answers (it may still be powering up). */
  helloRetryMs: number;
}

export interface ProtocolId {
  name: string;
  major: number;
  minor: number;
}

export abstract class LineProtocolDevice<Own extends Record<keyof Own, unknown[]>, Capability extends string> extends DeviceCore<
  Own,
  Capability
> {
  protected abstract readonly protocol: ProtocolId;
  /** Counters for health; kept across re-opens so a flaky cable shows. */
  protected readonly stats: LineStats = newLineStats();
  readonly #line: LineOptions;
  #link: LineLink | undefined;

  constructor(context: DeviceContext, line: LineOptions) {
    super(context);
    this.#line = line;
  }

  /** Reads the identity (and anything else the driver needs) from the HELLO answer; throws LineError. */
  protected abstract acceptHello(fields: Fields): DeviceInfo;
  /** One event from the device, in order; never throws for bad content (count it instead). */
  protected abstract onDeviceEvent(event: EventFrame): void;
  /** Driver-specific health detail (never personal data). */
  protected healthDetail(): Record<string, string | number | boolean> {
    return {};
  }

  protected async doOpen(signal: AbortSignal): Promise<DeviceInfo> {
    return this.wire('open', async () => {
      let link = this.#link;
      if (!link?.up) {
        link = await LineLink.open(
          {
            ...this.#line,
            clock: this.clock,
            stats: this.stats,
            onEvent: (event) => this.dispatch(event),
            onLost: (reason) => this.linkLost(link, reason),
          },
          signal,
        );
        this.#link = link;
      }
      const { name, major, minor } = this.protocol;
      const fields = await link.hello({ proto: `${name}/${major}.${minor}` }, signal, this.#line.helloRetryMs);
      const announced = parseProtocolVersion(fields.proto);
      // A newer minor only adds keys, events or verbs we may ignore; another major or another
      // protocol is refused before anything else is believed.
      if (!announced || announced.name !== name || announced.major !== major) throw versionRefusal(this.protocol, announced, fields.proto);
      const info = this.acceptHello(fields);
      link.openEvents();
      link.startKeepAlive();
      return info;
    });
  }

  protected async doClose(): Promise<void> {
    const link = this.#link;
    this.#link = undefined;
    await link?.close();
  }

  protected async doHealth(_signal: AbortSignal): Promise<Omit<HealthReport, 'state' | 'lastError'>> {
    const link = this.#link;
    const up = link?.up ?? false;
    const lastAnswerAt = link?.lastAnswerAt;
    return {
      ok: up && (link?.answering ?? false),
      detail: {
        link: up ? (link?.answering ? 'up' : 'not answering') : 'down',
        ...(lastAnswerAt !== undefined ? { lastAnswerAgeMs: Math.max(0, this.clock.now() - lastAnswerAt) } : {}),
        ...this.stats,
        ...this.healthDetail(),
      },
    };
  }

  /** One request on the open link, under the caller's signal (and an optional own deadline). */
  protected async request(operation: string, verb: string, fields: Fields, signal: AbortSignal, timeoutMs?: number): Promise<Fields> {
    return this.wire(operation, () => {
      const link = this.#link;
      if (!link?.up) throw new LineError('ENODEV', 'the serial line is down');
      return link.request(verb, fields, { signal, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    });
  }

  /** A request nobody waits for (e.g. hiding a prompt after a collect ended); failures only count. */
  protected fireAndForget(verb: string, timeoutMs: number): void {
    const link = this.#link;
    if (!link?.up) return;
    void link.request(verb, {}, { timeoutMs }).catch(() => undefined);
  }

  /** A FAULT event: the device reports trouble outside any command. */
  protected deviceFault(fields: Fields): void {
    const text = deviceText(fields.msg);
    this.reportFault(halCodeOf(fields.code), `the device reports ${fields.code ?? '?'}${text ? `: ${text}` : ''}`);
  }

  /** Runs `body` and turns LineErrors into DeviceErrors naming this device and `operation`. */
  protected async wire<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof LineError) throw this.error(error.code, operation, error.message, error);
      throw error;
    }
  }

  private dispatch(event: EventFrame): void {
    if (event.name === 'FAULT') this.deviceFault(event.fields);
    else this.onDeviceEvent(event);
  }

  private linkLost(link: LineLink | undefined, reason: string): void {
    if (link !== this.#link) return;
    this.#link = undefined;
    // During open the pending HELLO already fails with ENODEV; `lost` is for a device that was ready.
    if (this.state === 'ready') this.markLost(reason);
  }
}
