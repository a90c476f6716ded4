/**
 * `enttec,dmx-usb-pro`: booth lighting on DMX512 through an Enttec DMX USB Pro (or a widget
 * speaking its API) on a serial port.
 *
 * - **Open** opens the port and identifies the widget: serial number (label 10), repeated every
 *   `identifyRetryMs` until answered, then widget parameters (label 3), asked once. No
 *   answer within `identifyTimeoutMs` → ETIMEDOUT; no port → ENODEV; an answer that does not
 *   decode → EBADMSG. Then the levels the driver holds are sent at once (after a replug the
 *   look comes back without anyone setting it again).
 * - **setLevel / setScene** move the named channels to the new levels. With `fadeMs` > 0 the
 *   move is a series of frames every `fadeFrameMs` (default 25 ms = 40 frames/s, the widget's
 *   top output rate; a full 512-slot DMX packet takes ~23 ms on the line) on the injected
 *   clock, each frame interpolating linearly by elapsed time, the last one exactly at the
 *   target when `fadeMs` has passed; the call resolves when the OS accepted that last frame.
 *   A fade cut short (timeout, abort) leaves the levels where the last frame put them.
 *   `level` events carry the final levels only.
 * - **Refresh**: whenever no frame went out for `refreshMs` the whole universe is sent again,
 *   also while idle, because fixtures hold or black out when DMX stops. Stops at close/lost.
 * - **levels()** asks the widget for its parameters (proving the link answers) and returns the
 *   levels of the last frame sent, in percent.
 * - **Unplug detection.** A USB unplug (and, on a PTY, killing socat) hangs up the tty: the
 *   port closes with `disconnected` and the device is `lost` at once (measured: same event
 *   loop turn, a few ms). When the port stays but the widget falls silent, the keep-alive
 *   (serial-number request every `keepAliveMs`, answer within `answerTimeoutMs`) declares it
 *   lost after `lostAfterMisses` misses in a row: with the defaults 1.5–2.5 s after the last
 *   answer, i.e. at most keepAliveMs × lostAfterMisses + answerTimeoutMs. A keep-alive answered
 *   with another serial number (widget swapped) is a loss too. Recovery is `open` again.
 * - **Faults** (`fault` event, at most one per code every 5 s): bytes from the widget that are
 *   not a frame (EBADMSG), a keep-alive miss short of a loss (ETIMEDOUT), a refresh frame the
 *   OS refused (EIO).
 */
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import { DeviceCore, type DeviceContext } from '../../hal/device-core.ts';
import type { DeviceInfo, HealthReport, IoOptions } from '../../hal/device.ts';
import { DeviceError, type DeviceErrorCode } from '../../hal/errors.ts';
import type { Lighting, LightingCapability, LightingEvents, LightLevel } from '../../hal/lighting.ts';
import type { DmxUsbProProps } from './config.ts';
import { DmxLinkError } from './errors.ts';
import { addStats, emptyStats, UsbProLink, type LinkStats, type SerialTarget } from './link.ts';
import {
  decodeParameters,
  decodeSerial,
  encodeSendDmx,
  LABEL_GET_PARAMETERS,
  LABEL_GET_SERIAL,
  UsbProDecodeError,
  type WidgetParameters,
} from './protocol.ts';
import { ChannelMap, interpolate } from './universe.ts';

export { dmxUsbProProps, type DmxUsbProProps } from './config.ts';

export interface DmxUsbProContext extends DeviceContext {
  /** The widget's serial port (manifest `bus` of type `serial`). */
  port: SerialTarget;
}

const FAULT_INTERVAL_MS = 5000;
const NO_DATA = new Uint8Array(0);
const NO_USER_CONFIG = Uint8Array.of(0, 0);

export class EnttecDmxUsbPro extends DeviceCore<LightingEvents, LightingCapability> implements Lighting {
  readonly deviceClass = 'lighting' as const;
  readonly capabilities: ReadonlySet<LightingCapability> = new Set(['dimming', 'scenes']);
  readonly channels: readonly string[];
  readonly scenes: readonly string[];
  readonly #props: DmxUsbProProps;
  readonly #target: SerialTarget;
  readonly #map: ChannelMap;
  readonly #levels = new Map<string, number>();
  readonly #totals: LinkStats = emptyStats();
  readonly #lastFaultAt = new Map<DeviceErrorCode, number>();
  #link: UsbProLink | undefined;
  #identity: { serial: string; parameters: WidgetParameters } | undefined;
  #refreshTimer: TimerHandle | undefined;
  #keepAliveTimer: TimerHandle | undefined;
  #keepAliveOn: UsbProLink | undefined;
  #missed = 0;
  #portClosed: Promise<void> = Promise.resolve();

  constructor(context: DmxUsbProContext, props: DmxUsbProProps) {
    super(context);
    this.#props = props;
    this.#target = context.port;
    this.#map = new ChannelMap(props.channels);
    this.channels = this.#map.names;
    this.scenes = Object.keys(props.scenes);
    for (const channel of this.channels) this.#levels.set(channel, 0);
  }

  setLevel(channel: string, level: LightLevel, options?: IoOptions): Promise<void> {
    return this.command('setLevel', options, { timeoutMs: this.#props.fadeMs + 1000 }, async (signal) => {
      if (!this.#map.has(channel)) {
        throw this.error('ENOTSUP', 'setLevel', `no channel "${channel}" (channels: ${this.channels.join(', ')})`);
      }
      if (!Number.isFinite(level) || level < 0 || level > 100) {
        throw this.error('EBADMSG', 'setLevel', `level ${level} is outside 0–100`);
      }
      await this.#moveTo('setLevel', { [channel]: level }, signal);
    });
  }

  setScene(name: string, options?: IoOptions): Promise<void> {
    return this.command('setScene', options, { timeoutMs: this.#props.fadeMs + 1000 }, async (signal) => {
      const levels = Object.hasOwn(this.#props.scenes, name) ? this.#props.scenes[name] : undefined;
      if (!levels) throw this.error('ENOTSUP', 'setScene', `no scene "${name}" (scenes: ${this.scenes.join(', ')})`);
      await this.#moveTo('setScene', levels, signal);
      this.emit('scene', name);
    });
  }

  levels(options?: IoOptions): Promise<Record<string, LightLevel>> {
    return this.command('levels', options, { timeoutMs: 1000 }, async (signal) => {
      try {
        const parameters = decodeParameters(await this.#requireLink().request(LABEL_GET_PARAMETERS, NO_USER_CONFIG, signal));
        if (this.#identity) this.#identity.parameters = parameters;
      } catch (error) {
        throw this.#toDeviceError('levels', error);
      }
      return Object.fromEntries(this.#levels);
    });
  }

  protected async doOpen(signal: AbortSignal): Promise<DeviceInfo> {
    try {
      this.#stopTimers();
      if (!this.#link?.isOpen) {
        await this.#teardown();
        const link = new UsbProLink(this.clock, this.#target, this.#props.interByteTimeoutMs);
        link.on('lost', (reason) => {
          if (link === this.#link && this.state === 'ready') this.markLost(reason);
        });
        link.on('garbage', (report) => {
          const what = report.badFrames[0] ?? `${report.garbageBytes} bytes outside any frame`;
          this.#fault('EBADMSG', `widget sent bytes that are not a valid frame: ${what}`);
        });
        this.#link = link;
        await link.open(signal);
      }
      const identity = await this.#identify(this.#link, signal);
      this.#identity = identity;
      this.#missed = 0;
      await this.#sendFrame();
      this.#armKeepAlive();
      const { major, minor } = identity.parameters.firmware;
      return { model: 'DMX USB Pro', serial: identity.serial, firmware: `${major}.${minor}` };
    } catch (error) {
      throw this.#toDeviceError('open', error);
    }
  }

  protected async doClose(): Promise<void> {
    await this.#teardown();
  }

  protected async doHealth(): Promise<Omit<HealthReport, 'state' | 'lastError'>> {
    const up = this.#link?.isOpen === true;
    const stats = this.#stats();
    const identity = this.#identity;
    return {
      ok: up && this.#missed === 0,
      detail: {
        link: up ? 'up' : 'down',
        path: this.#target.path,
        ...(identity
          ? {
              serial: identity.serial,
              firmware: `${identity.parameters.firmware.major}.${identity.parameters.firmware.minor}`,
              outputRate: identity.parameters.outputRate,
            }
          : {}),
        framesSent: stats.framesSent,
        writeErrors: stats.writeErrors,
        lastWriteAt: stats.lastWriteAt,
        lastAnswerAt: stats.lastAnswerAt,
        missedAnswers: this.#missed,
        garbageBytes: stats.garbageBytes,
        badFrames: stats.badFrames,
        lateAnswers: stats.lateAnswers,
        refreshMs: this.#props.refreshMs,
      },
    };
  }

  async #identify(link: UsbProLink, outer: AbortSignal): Promise<{ serial: string; parameters: WidgetParameters }> {
    const limit = this.#props.identifyTimeoutMs;
    let asking = 'serial-number';
    const guard = deadline(this.clock, limit, outer, () => new DmxLinkError('ETIMEDOUT', `widget gave no answer to the ${asking} request within ${limit} ms (is it a DMX USB Pro?)`));
    try {
      const retry = this.#props.identifyRetryMs;
      const serial = decodeSerial(await link.request(LABEL_GET_SERIAL, NO_DATA, guard.signal, retry));
      asking = 'widget-parameters';
      // Asked once: the widget is listening now, and its answer comes after the answers to any
      // repeated serial-number requests, so no stale answer is left on the line after open.
      const parameters = decodeParameters(await link.request(LABEL_GET_PARAMETERS, NO_USER_CONFIG, guard.signal));
      return { serial, parameters };
    } finally {
      guard.dispose();
    }
  }

  async #moveTo(operation: string, targets: Record<string, number>, signal: AbortSignal): Promise<void> {
    const before = new Map(this.#levels);
    try {
      await this.#fade(targets, signal);
    } catch (error) {
      throw this.#toDeviceError(operation, error);
    }
    for (const [channel, level] of Object.entries(targets)) {
      if (before.get(channel) !== level) this.emit('level', channel, level);
    }
  }

  /** Moves `targets` from their current levels, one frame every fadeFrameMs, ending exactly on target. */
  #fade(targets: Record<string, number>, signal: AbortSignal): Promise<void> {
    const from = new Map(Object.keys(targets).map((channel) => [channel, this.#levels.get(channel) ?? 0]));
    const apply = (progress: number) => {
      for (const [channel, to] of Object.entries(targets)) this.#levels.set(channel, interpolate(from.get(channel) ?? 0, to, progress));
    };
    const fadeMs = this.#props.fadeMs;
    const changes = Object.entries(targets).some(([channel, to]) => from.get(channel) !== to);
    if (fadeMs === 0 || !changes) {
      apply(1);
      return this.#sendFrame();
    }
    const start = this.clock.now();
    return new Promise<void>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const stop = (error: unknown) => {
        timer?.cancel();
        signal.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = () => stop(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const step = () => {
        const progress = (this.clock.now() - start) / fadeMs;
        apply(progress);
        const written = this.#sendFrame();
        if (progress >= 1) {
          signal.removeEventListener('abort', onAbort);
          written.then(resolve, reject);
          return;
        }
        written.catch(stop);
        timer = this.clock.setTimeout(step, this.#props.fadeFrameMs);
      };
      timer = this.clock.setTimeout(step, this.#props.fadeFrameMs);
    });
  }

  /** Sends the universe as it is now and restarts the refresh countdown. */
  #sendFrame(): Promise<void> {
    const link = this.#link;
    if (!link) return Promise.reject(new DmxLinkError('ENODEV', 'widget link is closed'));
    this.#refreshTimer?.cancel();
    this.#refreshTimer = this.clock.setTimeout(() => {
      this.#refreshTimer = undefined;
      this.#sendFrame().catch((error: unknown) => {
        if (link === this.#link && link.isOpen) this.#fault('EIO', `refresh frame not sent: ${messageOf(error)}`);
      });
    }, this.#props.refreshMs);
    return link.sendFrame(() => encodeSendDmx(this.#map.render(this.#levels)));
  }

  #armKeepAlive(): void {
    if (this.#props.keepAliveMs === 0) return;
    this.#keepAliveTimer?.cancel();
    this.#keepAliveTimer = this.clock.setTimeout(() => {
      this.#keepAliveTimer = undefined;
      this.#keepAlive();
      this.#armKeepAlive();
    }, this.#props.keepAliveMs);
  }

  #keepAlive(): void {
    const link = this.#link;
    const expected = this.#identity?.serial;
    if (!link || !expected || this.#keepAliveOn === link || this.state !== 'ready') return;
    this.#keepAliveOn = link;
    const limit = this.#props.answerTimeoutMs;
    const guard = deadline(this.clock, limit, undefined, () => new DmxLinkError('ETIMEDOUT', `no answer within ${limit} ms`));
    link
      .request(LABEL_GET_SERIAL, NO_DATA, guard.signal)
      .then((data) => {
        const serial = decodeSerial(data);
        if (link !== this.#link) return;
        if (serial !== expected) this.markLost(`a different widget answered (serial ${serial}, expected ${expected})`);
        else this.#missed = 0;
      })
      .catch((error: unknown) => {
        if (link !== this.#link || this.state !== 'ready') return;
        this.#missed += 1;
        const detail = `keep-alive ${this.#missed}/${this.#props.lostAfterMisses} unanswered: ${messageOf(error)}`;
        if (this.#missed >= this.#props.lostAfterMisses) this.markLost(`widget stopped answering (${detail})`);
        else this.#fault('ETIMEDOUT', detail);
      })
      .finally(() => {
        guard.dispose();
        if (this.#keepAliveOn === link) this.#keepAliveOn = undefined;
      });
  }

  #fault(code: DeviceErrorCode, message: string): void {
    const now = this.clock.now();
    const last = this.#lastFaultAt.get(code);
    if (last !== undefined && now - last < FAULT_INTERVAL_MS) return;
    this.#lastFaultAt.set(code, now);
    this.reportFault(code, message);
  }

  #requireLink(): UsbProLink {
    if (!this.#link?.isOpen) throw new DmxLinkError('ENODEV', 'widget link is closed');
    return this.#link;
  }

  #stopTimers(): void {
    this.#refreshTimer?.cancel();
    this.#refreshTimer = undefined;
    this.#keepAliveTimer?.cancel();
    this.#keepAliveTimer = undefined;
  }

  /** Stops the timers and closes the link; resolves when the port is closed (also one closed earlier, e.g. by a loss). */
  #teardown(): Promise<void> {
    this.#stopTimers();
    const link = this.#link;
    this.#link = undefined;
    if (link) {
      addStats(this.#totals, link.stats);
      link.removeAllListeners();
      this.#portClosed = link.close().catch(() => undefined);
    }
    return this.#portClosed;
  }

  #stats(): LinkStats {
    const stats = { ...this.#totals };
    if (this.#link) addStats(stats, this.#link.stats);
    return stats;
  }

  #toDeviceError(operation: string, error: unknown): DeviceError {
    if (error instanceof DeviceError) return error;
    if (error instanceof DmxLinkError || error instanceof UsbProDecodeError) return this.error(error.code, operation, error.message, error);
    if (error instanceof RangeError) return this.error('EBADMSG', operation, error.message, error);
    return this.error('EIO', operation, messageOf(error), error);
  }
}

/** One abort signal fed by an outer signal and a clock timeout. */
function deadline(
  clock: Clock,
  ms: number,
  outer: AbortSignal | undefined,
  onTimeout: () => Error,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  outer?.addEventListener('abort', onOuter, { once: true });
  const timer = clock.setTimeout(() => controller.abort(onTimeout()), ms);
  return {
    signal: controller.signal,
    dispose: () => {
      timer.cancel();
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
