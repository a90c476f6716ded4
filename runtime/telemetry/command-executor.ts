/**
 * Carries out validated Sparkplug commands on the booth: door lock/unlock (through the door
 * guard, so every safety rule and the audit log apply; unlock is always accepted), lighting
 * scene and levels, device reset, capture self-test, and a restart of boothd. The command
 * decoder has already checked names and datatypes; this layer checks meaning.
 */
import type { AnyDevice, Camera, FingerprintScanner, Lighting } from '../../hal/index.ts';
import type { CommandBatch } from '../../protocols/sparkplug/command-decoder.ts';
import { NODE_CONTROL } from '../../protocols/sparkplug/command-decoder.ts';
import type { AuditSink } from '../audit/audit-log.ts';
import type { DeviceManager } from '../devices/device-manager.ts';
import type { DoorGuard } from '../safety/door-guard.ts';

export interface CommandExecutorOptions {
  devices: DeviceManager;
  door: DoorGuard;
  audit: AuditSink;
  /** Asks boothd to restart (systemd brings it back). */
  requestRestart(reason: string): void;
  /** Reports a result on the device's `Command/Last Result` metric. */
  report(device: string | undefined, result: string): void;
}

export class CommandExecutor {
  readonly #options: CommandExecutorOptions;

  constructor(options: CommandExecutorOptions) {
    this.#options = options;
  }

  /** Runs each command of the batch in order; the first failure stops the batch and rejects. */
  async execute(batch: CommandBatch): Promise<void> {
    const { audit, report } = this.#options;
    for (const command of batch.commands) {
      const label = `${batch.device ?? 'node'} ${command.name}=${String(command.value)}`;
      try {
        const result = await this.run(batch.device, command.name, command.value);
        audit.record('command.executed', { target: batch.device ?? 'node', metric: command.name, value: String(command.value), result });
        report(batch.device, `ok: ${command.name} ${result}`);
      } catch (error) {
        const reason = (error as Error).message;
        audit.record('command.rejected', { target: batch.device ?? 'node', metric: command.name, reason });
        report(batch.device, `rejected: ${command.name}: ${reason}`);
        throw new Error(`${label}: ${reason}`, { cause: error });
      }
    }
  }

  private async run(deviceId: string | undefined, name: string, value: unknown): Promise<string> {
    if (deviceId === undefined) return this.runNode(name, value);
    const device = this.#options.devices.get(deviceId);
    if (!device) throw new Error(`no device "${deviceId}"`);
    if (name === 'Device/Reset') return value === true ? this.reset(device) : 'nothing to do';
    switch (device.deviceClass) {
      case 'door-lock':
        if (name === 'Door/Locked') {
          if (value === false) {
            await this.#options.door.release('remote command');
            return 'released';
          }
          await this.#options.door.lock('remote command');
          return 'locked';
        }
        break;
      case 'lighting':
        return this.light(device, name, value);
      case 'fingerprint':
      case 'camera':
        if (name === 'Capture/Self Test') return value === true ? this.selfTest(device) : 'nothing to do';
        break;
      default:
        break;
    }
    throw new Error(`"${name}" is not a command of ${device.deviceClass} "${deviceId}"`);
  }

  private runNode(name: string, value: unknown): string {
    if (name === NODE_CONTROL.rebirth) return value === true ? 'rebirth done' : 'nothing to do';
    if (name === NODE_CONTROL.reboot) {
      if (value !== true) return 'nothing to do';
      this.#options.requestRestart('remote Node Control/Reboot');
      return 'restarting';
    }
    throw new Error(`"${name}" is not a node command`);
  }

  private async light(lighting: Lighting, name: string, value: unknown): Promise<string> {
    if (name === 'Light/Scene' && typeof value === 'string') {
      await lighting.setScene(value, { timeoutMs: 2000 });
      return `scene ${value}`;
    }
    const channel = name.startsWith('Light/') ? name.slice('Light/'.length) : undefined;
    if (channel !== undefined && lighting.channels.includes(channel) && typeof value === 'number') {
      await lighting.setLevel(channel, value, { timeoutMs: 2000 });
      return `${channel} ${value}%`;
    }
    throw new Error(`"${name}" is not a lighting command`);
  }

  private async reset(device: AnyDevice): Promise<string> {
    await device.close({ timeoutMs: 2000 });
    await this.#options.devices.openNow(device.id);
    return 'reopened';
  }

  private async selfTest(device: FingerprintScanner | Camera): Promise<string> {
    const health = await device.health({ timeoutMs: 2000 });
    if (!health.ok) throw new Error(`self-test failed: device is ${health.state}${health.lastError ? ` (${health.lastError.code})` : ''}`);
    if (device.deviceClass === 'camera') {
      const portrait = await device.capture({ timeoutMs: 10_000 });
      return `self-test passed: ${portrait.width}x${portrait.height} JPEG, face ${portrait.checks.faceFound ? 'found' : 'not found'}`;
    }
    return `self-test passed: ${device.id} healthy`;
  }
}
