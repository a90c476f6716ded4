/**
 * The BioSDK 2.x C API as data: constants and struct layouts from `booth_bio_sdk.h`, and pure
 * decoders of what the SDK writes into our buffers. Shared by the `biosdk,*` drivers; nothing
 * here touches FFI, so every check can be tested on crafted bytes.
 *
 * Every decoder trusts nothing: the SDK is a foreign binary, and a wrong struct size, a length
 * beyond the buffer, a box outside the image or an unknown enum value is reported as a
 * {@link BioSdkProtocolError} (the drivers turn it into EBADMSG) instead of being read.
 */

/** The API version the drivers are written against (`BIO_SDK_VERSION`), passed to `bio_init`. */
export const BIO_SDK_VERSION = 0x02_04_01;
/** A library of another major version has another ABI: refused before `bio_init`. */
export const BIO_SDK_MAJOR = 2;

export const BioStatus = {
  OK: 0,
  NOT_INITIALIZED: -1,
  VERSION_MISMATCH: -2,
  NO_DEVICE: -3,
  BUSY: -4,
  TIMEOUT: -5,
  CANCELLED: -6,
  BUFFER_TOO_SMALL: -7,
  INVALID_ARGUMENT: -8,
  NOT_SUPPORTED: -9,
  HARDWARE: -10,
  RESET: -11,
  BAD_HANDLE: -12,
  INTERNAL: -13,
} as const;
export type BioStatusCode = (typeof BioStatus)[keyof typeof BioStatus];

export const BioKind = { SCANNER: 1, CAMERA: 2 } as const;
export type BioKindName = 'scanner' | 'camera';

export const BioCap = {
  SLAP: 1 << 0,
  FLAT: 1 << 1,
  ROLLED: 1 << 2,
  PALM: 1 << 3,
  PREVIEW: 1 << 4,
  LIVENESS: 1 << 5,
  SEGMENTATION: 1 << 6,
  FACE_CHECKS: 1 << 7,
  EXPOSURE: 1 << 8,
} as const;

export const BioEvent = { ARRIVED: 1, REMOVED: 2 } as const;
export const BioFrameFormat = { GRAY8: 1, JPEG: 2 } as const;
export const BioExposure = { AUTO: 0, MANUAL: 1 } as const;
export const BIO_WHOLE_IMAGE = -1;
export const BIO_MAX_SEGMENTS = 10;

/** `bio_device_info` is 128 bytes: see the offsets in {@link decodeDeviceInfo}. */
export const DEVICE_INFO_BYTES = 128;
/** `bio_segment` is six int32: position, quality, x, y, width, height. */
export const SEGMENT_BYTES = 24;

/** What the SDK wrote does not hold together. */
export class BioSdkProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BioSdkProtocolError';
  }
}

/** "2.4.1" from a packed `BIO_SDK_MAKE_VERSION`. */
export function formatVersion(version: number): string {
  return `${(version >>> 16) & 0xffff}.${(version >>> 8) & 0xff}.${version & 0xff}`;
}

export function majorOf(version: number): number {
  return (version >>> 16) & 0xffff;
}

export interface BioDeviceInfo {
  kind: BioKindName;
  capabilities: number;
  maxWidth: number;
  maxHeight: number;
  ppi: number;
  serial: string;
  model: string;
  firmware: string;
}

export interface BioBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BioSegment {
  position: number;
  quality: number;
  box: BioBox;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function need(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.byteLength < length) throw new BioSdkProtocolError(`${what}: buffer holds ${bytes.byteLength} bytes, need ${length}`);
}

/** Checks the `struct_size` the SDK wrote against the size this driver was built for. */
export function checkStructSize(bytes: Uint8Array, expected: number, what: string): void {
  need(bytes, expected, what);
  const size = view(bytes).getUint32(0, true);
  if (size !== expected) {
    throw new BioSdkProtocolError(`${what}: struct_size is ${size}, expected ${expected} (a library of another BioSDK version?)`);
  }
}

/** A NUL-terminated, printable ASCII string in a fixed-size field. */
export function readFixedString(bytes: Uint8Array, offset: number, length: number, what: string): string {
  const field = bytes.subarray(offset, offset + length);
  const end = field.indexOf(0);
  if (end < 0) throw new BioSdkProtocolError(`${what} is not NUL-terminated within ${length} bytes`);
  for (let i = 0; i < end; i += 1) {
    const byte = field[i]!;
    if (byte < 0x20 || byte > 0x7e) throw new BioSdkProtocolError(`${what} holds a non-printable byte 0x${byte.toString(16)}`);
  }
  return String.fromCharCode(...field.subarray(0, end));
}

/**
 * One `bio_device_info` at `offset`:
 * 0 struct_size u32, 4 kind i32, 8 capabilities u32, 12 max_width, 16 max_height, 20 ppi,
 * 24 serial[32], 56 model[48], 104 firmware[24].
 */
export function decodeDeviceInfo(bytes: Uint8Array, offset = 0): BioDeviceInfo {
  const entry = bytes.subarray(offset, offset + DEVICE_INFO_BYTES);
  checkStructSize(entry, DEVICE_INFO_BYTES, 'bio_device_info');
  const data = view(entry);
  const kindCode = data.getInt32(4, true);
  const kind = kindCode === BioKind.SCANNER ? 'scanner' : kindCode === BioKind.CAMERA ? 'camera' : undefined;
  if (!kind) throw new BioSdkProtocolError(`bio_device_info: unknown device kind ${kindCode}`);
  const maxWidth = data.getInt32(12, true);
  const maxHeight = data.getInt32(16, true);
  const ppi = data.getInt32(20, true);
  if (!(maxWidth > 0 && maxWidth <= 20_000 && maxHeight > 0 && maxHeight <= 20_000)) {
    throw new BioSdkProtocolError(`bio_device_info: implausible maximum image ${maxWidth}x${maxHeight}`);
  }
  if (ppi < 0 || ppi > 5000) throw new BioSdkProtocolError(`bio_device_info: implausible resolution ${ppi} ppi`);
  const serial = readFixedString(entry, 24, 32, 'serial');
  if (serial.length === 0) throw new BioSdkProtocolError('bio_device_info: empty serial');
  return {
    kind,
    capabilities: data.getUint32(8, true),
    maxWidth,
    maxHeight,
    ppi,
    serial,
    model: readFixedString(entry, 56, 48, 'model'),
    firmware: readFixedString(entry, 104, 24, 'firmware'),
  };
}

/** The `count` entries `bio_enumerate` wrote (it may report more devices than fit). */
export function decodeDeviceList(bytes: Uint8Array, count: number): BioDeviceInfo[] {
  const capacity = Math.floor(bytes.byteLength / DEVICE_INFO_BYTES);
  if (!Number.isInteger(count) || count < 0 || count > 64) throw new BioSdkProtocolError(`bio_enumerate: implausible device count ${count}`);
  const devices: BioDeviceInfo[] = [];
  for (let index = 0; index < Math.min(count, capacity); index += 1) devices.push(decodeDeviceInfo(bytes, index * DEVICE_INFO_BYTES));
  return devices;
}

/** A 0–100 quality score, or an error naming where it came from. */
export function checkQuality(quality: number, what: string): number {
  if (!Number.isInteger(quality) || quality < 0 || quality > 100) throw new BioSdkProtocolError(`${what}: quality ${quality} is outside 0..100`);
  return quality;
}

/** `count` `bio_segment`s at `offset`, each a finger 1..10 with its box inside width x height. */
export function decodeSegments(bytes: Uint8Array, offset: number, count: number, width: number, height: number): BioSegment[] {
  if (!Number.isInteger(count) || count < 0 || count > BIO_MAX_SEGMENTS) {
    throw new BioSdkProtocolError(`segment_count ${count} is outside 0..${BIO_MAX_SEGMENTS}`);
  }
  need(bytes, offset + count * SEGMENT_BYTES, 'bio_segment array');
  const data = view(bytes);
  const segments: BioSegment[] = [];
  for (let index = 0; index < count; index += 1) {
    const at = offset + index * SEGMENT_BYTES;
    const position = data.getInt32(at, true);
    if (!Number.isInteger(position) || position < 1 || position > 10) {
      throw new BioSdkProtocolError(`segment ${index}: finger position ${position} is not an FGP code 1..10`);
    }
    const box = {
      x: data.getInt32(at + 8, true),
      y: data.getInt32(at + 12, true),
      width: data.getInt32(at + 16, true),
      height: data.getInt32(at + 20, true),
    };
    if (box.x < 0 || box.y < 0 || box.width <= 0 || box.height <= 0 || box.x + box.width > width || box.y + box.height > height) {
      throw new BioSdkProtocolError(`segment ${index}: box ${box.x},${box.y} ${box.width}x${box.height} is outside the ${width}x${height} image`);
    }
    segments.push({ position, quality: checkQuality(data.getInt32(at + 4, true), `segment ${index}`), box });
  }
  return segments;
}

/** An image of width x height one-byte pixels that must fit in `capacity` and match `bytes`. */
export function checkGrayImage(width: number, height: number, bytes: number, capacity: number, what: string): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width <= 20_000 && height <= 20_000)) {
    throw new BioSdkProtocolError(`${what}: implausible image size ${width}x${height}`);
  }
  if (width * height > capacity) {
    throw new BioSdkProtocolError(`${what}: a ${width}x${height} image does not fit the ${capacity}-byte buffer the SDK was given`);
  }
  if (bytes !== width * height) {
    throw new BioSdkProtocolError(`${what}: image_bytes ${bytes} does not match ${width}x${height} = ${width * height}`);
  }
}

export function checkFlag(value: number, what: string): boolean {
  if (value !== 0 && value !== 1) throw new BioSdkProtocolError(`${what} is ${value}, expected 0 or 1`);
  return value === 1;
}
