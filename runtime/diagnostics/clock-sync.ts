/**
 * The kernel's view of time synchronisation, read with `adjtimex(2)` through koffi.
 *
 * Read only: the call is made with `modes = 0`, which asks the kernel for its NTP state
 * and sets nothing. The decoding of `struct timex` is pure ({@link decodeTimex}) so it
 * can be tested on crafted buffers; {@link readClockSync} is the thin FFI wrapper.
 *
 * Layout assumption (Linux, LP64, little-endian: x86_64 and aarch64), from
 * `<linux/timex.h>` / glibc `<bits/timex.h>`:
 *
 * | offset | field      | C type                  |
 * | ------ | ---------- | ----------------------- |
 * | 0      | modes      | unsigned int (+4 pad)   |
 * | 8      | offset     | long (µs, ns if STA_NANO) |
 * | 16     | freq       | long (ppm << 16)        |
 * | 24     | maxerror   | long (µs)               |
 * | 32     | esterror   | long (µs)               |
 * | 40     | status     | int                     |
 *
 * The whole struct is 208 bytes there; the buffer is {@link TIMEX_BUFFER_BYTES} so a
 * kernel or libc that writes more cannot run past it. 32-bit and big-endian targets have
 * another layout and are reported as unavailable rather than misread.
 */
import { createRequire } from 'node:module';

/** `adjtimex` return value meaning the clock is not synchronised (TIME_ERROR, a.k.a. TIME_BAD). */
export const TIME_ERROR = 5;
/** `status` bit: the clock is not synchronised. */
export const STA_UNSYNC = 0x40;
/** `status` bit: `offset` is in nanoseconds instead of microseconds. */
export const STA_NANO = 0x2000;
/** Bytes allocated for `struct timex` (208 on LP64), with room to spare. */
export const TIMEX_BUFFER_BYTES = 256;

const OFFSET_AT = 8;
const MAXERROR_AT = 24;
const ESTERROR_AT = 32;
const STATUS_AT = 40;
const DECODED_BYTES = STATUS_AT + 4;

/** What the kernel says about clock synchronisation. */
export interface ClockSyncFromKernel {
  /** The kernel considers the clock synchronised (return value not TIME_ERROR and no STA_UNSYNC). */
  synchronized: boolean;
  /** Estimated offset of the system clock from the reference, in milliseconds. */
  offsetMs: number;
  /** Estimated error, in milliseconds. */
  estimatedErrorMs: number;
  /** Maximum error, in milliseconds (grows while unsynchronised; 16 000 ms is the kernel's cap). */
  maxErrorMs: number;
  source: 'adjtimex';
}

/** The call could not be made (no koffi, no libc, unsupported layout, syscall refused). */
export interface ClockSyncUnavailable {
  synchronized: false;
  /** NaN: nothing was measured. */
  offsetMs: number;
  /** NaN: nothing was measured. */
  estimatedErrorMs: number;
  /** NaN: nothing was measured. */
  maxErrorMs: number;
  source: 'unavailable';
  /** Why the kernel could not be asked. */
  error: string;
}

export type ClockSyncReport = ClockSyncFromKernel | ClockSyncUnavailable;

/** Reads the clock synchronisation state; never throws. */
export type ClockSyncReader = () => ClockSyncReport;

/** Calls `adjtimex` on a zeroed `struct timex` buffer and returns its return value. */
export type AdjtimexCall = (timex: Buffer) => number;

/**
 * Decodes a `struct timex` filled by `adjtimex` (layout in the module comment).
 * @param timex at least 44 bytes of the struct, little-endian LP64.
 * @param returnValue what `adjtimex` returned (clock state, TIME_ERROR = 5 when unsynchronised).
 */
export function decodeTimex(timex: Uint8Array, returnValue: number): ClockSyncFromKernel {
  if (timex.byteLength < DECODED_BYTES) {
    throw new RangeError(`struct timex buffer holds ${timex.byteLength} bytes, need at least ${DECODED_BYTES}`);
  }
  const view = new DataView(timex.buffer, timex.byteOffset, timex.byteLength);
  const status = view.getInt32(STATUS_AT, true);
  const offset = Number(view.getBigInt64(OFFSET_AT, true));
  const offsetUnitsPerMs = (status & STA_NANO) !== 0 ? 1_000_000 : 1_000;
  return {
    synchronized: returnValue !== TIME_ERROR && (status & STA_UNSYNC) === 0,
    offsetMs: offset / offsetUnitsPerMs,
    estimatedErrorMs: Number(view.getBigInt64(ESTERROR_AT, true)) / 1_000,
    maxErrorMs: Number(view.getBigInt64(MAXERROR_AT, true)) / 1_000,
    source: 'adjtimex',
  };
}

/**
 * Builds a reader around an `adjtimex` call, so the failure paths are testable without FFI.
 * A call that throws or returns -1 gives an `unavailable` report carrying the reason.
 */
export function clockSyncReader(loadAdjtimex: () => AdjtimexCall): ClockSyncReader {
  return () => {
    try {
      const adjtimex = loadAdjtimex();
      const timex = Buffer.alloc(TIMEX_BUFFER_BYTES); // zeroed: modes = 0, read only
      const returnValue = adjtimex(timex);
      if (returnValue < 0) return unavailable(`adjtimex returned ${returnValue}`);
      return decodeTimex(timex, returnValue);
    } catch (error) {
      return unavailable(error instanceof Error ? error.message : String(error));
    }
  };
}

/** The real reader: libc's `adjtimex` through koffi. Never throws. */
export const readClockSync: ClockSyncReader = clockSyncReader(loadLibcAdjtimex);

/** The part of koffi this module uses; koffi is loaded lazily so its absence is a report, not a crash. */
interface Koffi {
  load(path: string): { func(definition: string): (...args: unknown[]) => unknown };
  errno(): number;
}

const SUPPORTED_ARCHES: readonly string[] = ['x64', 'arm64'];

function loadLibcAdjtimex(): AdjtimexCall {
  if (process.platform !== 'linux' || !SUPPORTED_ARCHES.includes(process.arch)) {
    throw new Error(`adjtimex struct timex layout is only known for Linux x64/arm64, not ${process.platform}/${process.arch}`);
  }
  const koffi = requireKoffi();
  const adjtimex = koffi.load('libc.so.6').func('int adjtimex(void *buf)');
  return (timex) => {
    const returnValue = adjtimex(timex) as number;
    if (returnValue < 0) throw new Error(`adjtimex failed with errno ${koffi.errno()}`);
    return returnValue;
  };
}

function requireKoffi(): Koffi {
  try {
    return createRequire(import.meta.url)('koffi') as Koffi;
  } catch (error) {
    const firstLine = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
    throw new Error(`the koffi FFI package could not be loaded: ${firstLine}`);
  }
}

function unavailable(error: string): ClockSyncUnavailable {
  return { synchronized: false, offsetMs: NaN, estimatedErrorMs: NaN, maxErrorMs: NaN, source: 'unavailable', error };
}
