/**
 * How `boothctl doctor` reaches the booth: through a running boothd (its devices, its door
 * guard, its broker link), or — boothd down — through devices it opens itself under their lock
 * files. The checks are written once against this interface.
 */
import type { AnyDevice } from '../../../hal/index.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { actionResultToWire, unknownDevice } from '../../control/technician-commands.ts';
import { runDeviceAction } from '../../devices/device-actions.ts';
import type { DaemonLink } from '../daemon-link.ts';
import { openDirect, type DirectDevices } from '../direct-devices.ts';
import type { DeviceRow, FullStatus } from '../commands/status.ts';

export interface ActionAnswer {
  summary: string;
  data?: Record<string, unknown>;
  file?: { format: string; base64: string };
}

export interface BoothAccess {
  readonly mode: 'daemon' | 'direct';
  devices(): Promise<DeviceRow[]>;
  action(deviceId: string, action: string, args?: Record<string, unknown>): Promise<ActionAnswer>;
  /**
   * The brokers to check: the one boothd uses now; when boothd is down, the manifest's
   * (`mqtt.url`, or every broker of its failover list `mqtt.urls`; none for an embedded broker).
   */
  brokerUrls(): string[];
  /** Whether boothd sees its primary host online; undefined when it cannot know (boothd down). */
  primaryHostOnline(): boolean | undefined;
  /** The enrolment session's state as boothd sees it; undefined when it cannot know (boothd down, no sessions). */
  sessionState(): string | undefined;
  close(): Promise<void>;
}

export class DaemonAccess implements BoothAccess {
  readonly mode = 'daemon' as const;
  readonly #link: DaemonLink;
  readonly #status: FullStatus;

  private constructor(link: DaemonLink, status: FullStatus) {
    this.#link = link;
    this.#status = status;
  }

  static async connect(link: DaemonLink): Promise<DaemonAccess> {
    return new DaemonAccess(link, await link.call<FullStatus>('status.full'));
  }

  get status(): FullStatus {
    return this.#status;
  }

  async devices(): Promise<DeviceRow[]> {
    return (await this.#link.call<FullStatus>('status.full')).devices;
  }

  action(deviceId: string, action: string, args: Record<string, unknown> = {}): Promise<ActionAnswer> {
    return this.#link.call<ActionAnswer>('device.action', { device: deviceId, action, args: { reason: 'boothctl doctor', ...args } }, 150_000);
  }

  brokerUrls(): string[] {
    return this.#status.sparkplug.broker ? [this.#status.sparkplug.broker] : [];
  }

  primaryHostOnline(): boolean | undefined {
    return this.#status.primaryHost?.online;
  }

  sessionState(): string | undefined {
    return this.#status.session?.state;
  }

  async close(): Promise<void> {}
}

export class DirectAccess implements BoothAccess {
  readonly mode = 'direct' as const;
  readonly #loaded: LoadedConfig;
  readonly #direct: DirectDevices;

  private constructor(loaded: LoadedConfig, direct: DirectDevices) {
    this.#loaded = loaded;
    this.#direct = direct;
  }

  /** `owner` names this program in the devices' lock files. */
  static async open(loaded: LoadedConfig, owner = 'boothctl doctor'): Promise<DirectAccess> {
    return new DirectAccess(loaded, await openDirect(loaded, owner));
  }

  /** Every device of the manifest: the ones that opened with their health, the others with why not. */
  async devices(): Promise<Array<DeviceRow & { compatible: string }>> {
    const rows: Array<DeviceRow & { compatible: string }> = [];
    for (const { entry, driver } of this.#loaded.devices) {
      const device = this.device(entry.id);
      if (!device) {
        const failure = this.#direct.failed.find((failed) => failed.id === entry.id)?.error;
        const code = (failure as { code?: string } | undefined)?.code ?? 'EIO';
        rows.push({ id: entry.id, deviceClass: driver.deviceClass, compatible: entry.compatible, state: 'closed', ok: false, lastError: { code, message: failure?.message ?? 'did not open' } });
        continue;
      }
      const health = await device.health({ timeoutMs: 2000 }).catch((error: Error) => ({ state: device.state, ok: false, lastError: { code: 'EIO', message: error.message, at: 0 } }));
      const info = this.#direct.info.get(entry.id);
      rows.push({ id: entry.id, deviceClass: device.deviceClass, compatible: entry.compatible, state: health.state, ok: health.ok, ...(info ? { info } : {}), ...(health.lastError ? { lastError: health.lastError } : {}) });
    }
    return rows;
  }

  async action(deviceId: string, action: string, args: Record<string, unknown> = {}): Promise<ActionAnswer> {
    const device = this.device(deviceId);
    if (!device) {
      const failure = this.#direct.failed.find((failed) => failed.id === deviceId)?.error;
      throw failure ?? unknownDevice(deviceId, this.#loaded.devices.map(({ entry }) => entry.id));
    }
    // A lock is held only for a moment: the doctor checks that the bolt follows, nothing more.
    return actionResultToWire(await runDeviceAction(device, action, args, { holdMs: 300 })) as unknown as ActionAnswer;
  }

  brokerUrls(): string[] {
    const { url, urls } = this.#loaded.config.mqtt;
    return urls ? [...urls] : url ? [url] : [];
  }

  primaryHostOnline(): boolean | undefined {
    return undefined;
  }

  sessionState(): string | undefined {
    return undefined;
  }

  close(): Promise<void> {
    return this.#direct.close();
  }

  private device(id: string): AnyDevice | undefined {
    return this.#direct.devices.find((device) => device.id === id);
  }
}
