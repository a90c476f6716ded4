/**
 * The hardware side of the simulated BioSDK, for tests, the bench and booth-rig: the
 * `sim_bio_*` controls of sim_bio_controls.h called through koffi on the same shared library
 * the `biosdk,*` drivers load (dlopen hands both the same instance, so these controls act on the
 * drivers' devices). Every control is non-blocking in C, so plain synchronous calls are right.
 *
 * Simulators never import drivers: this file speaks to the C library directly.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

type Koffi = typeof import('koffi');
type KoffiFunction = ReturnType<ReturnType<Koffi['load']>['func']>;

export const SIM_BIO_SCANNER_SERIAL = 'BSF442-000117';
export const SIM_BIO_CAMERA_SERIAL = 'BSC12-000243';

export const SimBioHang = { UNTIL_CANCEL: 1, WEDGED: 2 } as const;
export const SimBioCorrupt = {
  IMAGE_BYTES: 1,
  DIMENSIONS: 2,
  SEGMENTS: 3,
  STRUCT_SIZE: 4,
  QUALITY: 5,
  JPEG: 6,
} as const;

export interface SimBioTiming {
  openMs?: number;
  opMs?: number;
  placeMs?: number;
  previewFrames?: number;
  resetMs?: number;
}

export interface SimBioStats {
  calls: number;
  cancels: number;
  resets: number;
  opens: number;
  closes: number;
}

/** build/sdk/libbooth_bio_sdk.so of this checkout, built by `make sdk`. */
export function simBioSdkLibraryPath(): string {
  const path = join(import.meta.dirname, '..', '..', 'build', 'sdk', 'libbooth_bio_sdk.so');
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make sdk\` (make test and make run build it)`);
  return path;
}

/** BIO_SDK_MAKE_VERSION. */
export function bioSdkVersion(major: number, minor: number, patch: number): number {
  return (major << 16) | (minor << 8) | patch;
}

export class SimBioSdkControls {
  readonly #fn: Record<string, KoffiFunction>;

  constructor(libraryPath = simBioSdkLibraryPath()) {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    const library = koffi.load(libraryPath);
    const s = 'const char *';
    const i = 'int32_t';
    this.#fn = {
      resetAll: library.func('sim_bio_reset_all', 'void', []),
      setVersion: library.func('sim_bio_set_version', 'void', [i]),
      unplug: library.func('sim_bio_unplug', i, [s]),
      replug: library.func('sim_bio_replug', i, [s]),
      hangNext: library.func('sim_bio_hang_next', i, [s, i]),
      failNext: library.func('sim_bio_fail_next', i, [s, i]),
      corruptNext: library.func('sim_bio_corrupt_next', i, [s, i]),
      setTiming: library.func('sim_bio_set_timing', i, [s, i, i, i, i, i]),
      setStaticFrames: library.func('sim_bio_set_static_frames', i, [s, i]),
      setQuality: library.func('sim_bio_set_quality', i, [s, i, i]),
      setPerson: library.func('sim_bio_set_person', i, [s, i, i, i]),
      setFingerMissing: library.func('sim_bio_set_finger_missing', i, [s, i, i]),
      duplicateFingerOnce: library.func('sim_bio_duplicate_finger_once', i, [s, i]),
      setSubject: library.func('sim_bio_set_subject', i, [s, i, i, i, 'double']),
      stats: library.func('sim_bio_stats', i, [s, 'void *', i]),
      libraryStats: library.func('sim_bio_library_stats', i, ['void *', i]),
    };
  }

  /** Every device plugged, default timings (from SIM_BIO_* env), no pending hang/failure, version 2.4.1. */
  resetAll(): void {
    this.#fn.resetAll!();
  }

  /** The version the library reports and bio_init checks (see {@link bioSdkVersion}). */
  setVersion(version: number): void {
    this.#fn.setVersion!(version);
  }

  unplug(serial: string | null): void {
    this.#check(this.#fn.unplug!(serial), 'unplug', serial);
  }

  replug(serial: string | null): void {
    this.#check(this.#fn.replug!(serial), 'replug', serial);
  }

  /** The next blocking call hangs until bio_cancel (UNTIL_CANCEL) or until reset/close/unplug (WEDGED). */
  hangNext(serial: string | null, mode: (typeof SimBioHang)[keyof typeof SimBioHang] = SimBioHang.UNTIL_CANCEL): void {
    this.#check(this.#fn.hangNext!(serial, mode), 'hangNext', serial);
  }

  /** The next blocking call fails with this (negative) bio_status after its latency. */
  failNext(serial: string | null, status: number): void {
    this.#check(this.#fn.failNext!(serial, status), 'failNext', serial);
  }

  corruptNext(serial: string | null, kind: (typeof SimBioCorrupt)[keyof typeof SimBioCorrupt]): void {
    this.#check(this.#fn.corruptNext!(serial, kind), 'corruptNext', serial);
  }

  setTiming(serial: string | null, timing: SimBioTiming): void {
    const keep = (value: number | undefined) => value ?? -1;
    this.#check(
      this.#fn.setTiming!(serial, keep(timing.openMs), keep(timing.opMs), keep(timing.placeMs), keep(timing.previewFrames), keep(timing.resetMs)),
      'setTiming',
      serial,
    );
  }

  /** Reuse the last rendered image while nothing changes (benchmarks measure the call, not the renderer). */
  setStaticFrames(serial: string | null, enabled: boolean): void {
    this.#check(this.#fn.setStaticFrames!(serial, enabled ? 1 : 0), 'setStaticFrames', serial);
  }

  /** Quality of finger `position` 1..10; 0 = every finger; -1 = the palm. */
  setQuality(serial: string | null, position: number, quality: number): void {
    this.#check(this.#fn.setQuality!(serial, position, quality), 'setQuality', serial);
  }

  setPerson(serial: string | null, person: { places?: boolean; wrongHand?: boolean; spoof?: boolean }): void {
    const flag = (value: boolean | undefined) => (value === undefined ? -1 : value ? 1 : 0);
    this.#check(this.#fn.setPerson!(serial, flag(person.places), flag(person.wrongHand), flag(person.spoof)), 'setPerson', serial);
  }

  setFingerMissing(serial: string | null, position: number, missing: boolean): void {
    this.#check(this.#fn.setFingerMissing!(serial, position, missing ? 1 : 0), 'setFingerMissing', serial);
  }

  duplicateFingerOnce(serial: string | null, position: number): void {
    this.#check(this.#fn.duplicateFingerOnce!(serial, position), 'duplicateFingerOnce', serial);
  }

  setSubject(serial: string | null, subject: { present?: boolean; eyesOpen?: boolean; frontal?: boolean; lightingStops?: number }): void {
    const flag = (value: boolean | undefined) => (value === undefined ? -1 : value ? 1 : 0);
    this.#check(
      this.#fn.setSubject!(serial, flag(subject.present), flag(subject.eyesOpen), flag(subject.frontal), subject.lightingStops ?? Number.NaN),
      'setSubject',
      serial,
    );
  }

  stats(serial: string): SimBioStats {
    const out = new Int32Array(5);
    this.#check(this.#fn.stats!(serial, out, out.length), 'stats', serial);
    return { calls: out[0]!, cancels: out[1]!, resets: out[2]!, opens: out[3]!, closes: out[4]! };
  }

  /** bio_init/bio_shutdown calls since resetAll, and whether the library is initialised now. */
  libraryStats(): { inits: number; shutdowns: number; initialized: boolean } {
    const out = new Int32Array(3);
    this.#fn.libraryStats!(out, out.length);
    return { inits: out[0]!, shutdowns: out[1]!, initialized: out[2] === 1 };
  }

  #check(status: unknown, control: string, serial: string | null): void {
    if (status !== 0) throw new Error(`sim_bio ${control}(${serial ?? 'all'}) failed with status ${String(status)}`);
  }
}
