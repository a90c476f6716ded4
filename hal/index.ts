/** The HAL as one import for runtime and protocols (they see only these types). */
export * from './errors.ts';
export * from './clock.ts';
export * from './device.ts';
export type * from './door-lock.ts';
export type * from './lighting.ts';
export * from './fingerprint.ts';
export type * from './camera.ts';
export type * from './signature-pad.ts';
export type * from './document-reader.ts';
export type * from './sensors.ts';
import type { Camera } from './camera.ts';
import type { DocumentReader } from './document-reader.ts';
import type { DoorLock } from './door-lock.ts';
import type { FingerprintScanner } from './fingerprint.ts';
import type { Lighting } from './lighting.ts';
import type { Sensors } from './sensors.ts';
import type { SignaturePad } from './signature-pad.ts';

/** Any HAL device, discriminated by `deviceClass`. */
export type AnyDevice = DoorLock | Lighting | FingerprintScanner | Camera | SignaturePad | DocumentReader | Sensors;
