/** The lighting's own failures, with the HAL code each one carries. */
import type { DeviceErrorCode } from '../../hal/errors.ts';

export interface LightingFailure {
  code: DeviceErrorCode;
  message: string;
}

export const noChannel = (channel: string, channels: readonly string[]): LightingFailure => ({
  code: 'ENOTSUP',
  message: `no channel "${channel}" (channels: ${channels.join(', ')})`,
});

export const noScene = (scene: string, scenes: readonly string[]): LightingFailure => ({
  code: 'ENOTSUP',
  message: `no scene "${scene}" (scenes: ${scenes.join(', ')})`,
});

export const badLevel = (level: number): LightingFailure => ({ code: 'EBADMSG', message: `level ${level} is outside 0–100` });
