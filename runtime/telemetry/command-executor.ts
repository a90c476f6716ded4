/**
 * Carries out validated Sparkplug commands on the booth: door lock/unlock (through the door
 * guard, so every safety rule and the audit log apply; unlock is always accepted), lighting
 * scene and levels, device reset, capture self-test, and a restart of boothd. The command
 * decoder has already checked names and datatypes; `authorize` (the command authority) decides
 * whether the batch may run at all — state-changing commands must be signed by the central
 * key — and this layer checks meaning. A refused batch is audited and reported, and still
 * releases the door when it asked to: unlock is always accepted.
 */
import type { AnyDevice, Camera, FingerprintScanner, Lighting } from '../../hal/index.ts';
import { NODE_CONTROL, type Command, type CommandBatch } from '../../protocols/sparkplug/command-decoder.ts';
import { isUnlock, type Authorization } from '../../protocols/sparkplug/command-authority.ts';
import type { CommandRejection } from '../../protocols/sparkplug/command-signature.ts';
import type { AuditSink } from '../audit/audit-log.ts';
import type { DeviceManager } from '../devices/device-manager.ts';
import type { DoorGuard } from '../safety/door-guard.ts';

export interface CommandExecutorOptions {
  devices: DeviceManager;
  door: DoorGuard;
  audit: AuditSink;
  /** Asks boothd to restart (systemd brings it back). */
  requestRestart(reason: string): void;
  /** Reports a result on the device's (or, for NCMD, the node's) `Command/Last Result` metric. */
  report(device: string | undefined, result: string): void;
  /** Whether the batch may run (signature, target, window, replay): the command authority. */
  authorize(batch: CommandBatch): Authorization;
}

/** A batch the command authority refused; nothing of it ran but an unlock (and a rebirth, done by the edge node on receipt). */
export class CommandRejectedError extends Error {
  readonly rejection: CommandRejection;
  constructor(target: string, rejection: CommandRejection) {
    super(`${target} command rejected (${rejection.reason}): ${rejection.detail}`);
    this.name = 'CommandRejectedError';
    this.rejection = rejection;
  }
}

export class CommandExecutor {
  readonly #options: CommandExecutorOptions;

  constructor(options: CommandExecutorOptions) {
    this.#options = options;
  }

  /**
   * Runs each command of the batch in order once the authority allows it; the first failure
   * stops the batch and rejects. A refused batch rejects with CommandRejectedError.
   */
  async execute(batch: CommandBatch): Promise<void> {
    const authorization = this.#options.authorize(batch);
    if (!authorization.ok) return this.refuse(batch, authorization);
    const commandId = authorization.envelope?.id;
    for (const command of batch.commands) await this.runOne(batch.device, command, commandId);
  }

  private async runOne(device: string | undefined, command: Command, commandId: string | undefined): Promise<void> {
    const { audit, report } = this.#options;
    const label = `${device ?? 'node'} ${command.name}=${String(command.value)}`;
    const signed = commandId === undefined ? {} : { commandId };
    try {
      const result = await this.run(device, command.name, command.value);
      audit.record('command.executed', { target: device ?? 'node', metric: command.name, value: String(command.value), result, ...signed });
      report(device, `ok: ${command.name} ${result}`);
    } catch (error) {
      const reason = (error as Error).message;
      audit.record('command.rejected', { target: device ?? 'node', metric: command.name, reason, ...signed });
      report(device, `rejected: ${command.name}: ${reason}`);
      throw new Error(`${label}: ${reason}`, { cause: error });
    }
  }

  /** Audits and reports a refused batch; an unlock in it is carried out all the same (safety). */
  private async refuse(batch: CommandBatch, rejection: CommandRejection): Promise<never> {
    const { audit, report } = this.#options;
    const target = batch.device ?? 'node';
    for (const command of batch.commands) {
      // A failed release is audited by runOne; the refusal below must be recorded all the same.
      if (isUnlock(batch.device, command)) await this.runOne(batch.device, command, undefined).catch(() => undefined);
    }
    audit.record('command.rejected', {
      target,
      reason: rejection.reason,
      detail: rejection.detail,
      commands: batch.commands.map((command) => `${command.name}=${String(command.value)}`).join(', ').slice(0, 500),
      ...(rejection.id === undefined ? {} : { commandId: rejection.id }),
    });
    report(batch.device, `rejected (${rejection.reason}): ${rejection.detail}`);
    throw new CommandRejectedError(target, rejection);
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
