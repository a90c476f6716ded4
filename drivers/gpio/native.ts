/**
 * Loading libgpiod v1 through koffi: the library, its version check, the structs passed to it and
 * one koffi function per entry of LIBGPIOD_FUNCTIONS (protocol.ts). Used by libgpiod.ts only.
 */
import { createRequire } from 'node:module';
import { GpioError } from './errors.ts';
import { isV1Version, koffiType, LIBGPIOD_FUNCTIONS, LINE_BULK_MAX_LINES, type LibgpiodFunction } from './protocol.ts';

export type Koffi = typeof import('koffi');
export type KoffiFunction = ReturnType<ReturnType<Koffi['load']>['func']>;
export type TypeObject = ReturnType<Koffi['struct']>;
/** A C pointer as koffi 3 gives it. */
export type Pointer = bigint;

export interface Native {
  koffi: Koffi;
  version: string;
  errnoName(value: number): string;
  types: { timespec: TypeObject; lineEvent: TypeObject; lineBulk: TypeObject };
  fn: Record<Exclude<LibgpiodFunction, 'versionString'>, KoffiFunction>;
}

/** Loads koffi and the library at `path` and binds every function; throws a GpioError (ENOTSUP). */
export function loadNative(path: string): Native {
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (error) {
    throw new GpioError('ENOTSUP', `the koffi FFI package could not be loaded: ${firstLine(error)}`, undefined, { cause: error });
  }
  let library: ReturnType<Koffi['load']>;
  try {
    library = koffi.load(path);
  } catch (error) {
    throw new GpioError('ENOTSUP', `cannot load ${path} (libgpiod 1.x; Debian package libgpiod2): ${firstLine(error)}`, undefined, { cause: error });
  }
  const bind = (key: LibgpiodFunction): KoffiFunction => {
    const { name, result, args } = LIBGPIOD_FUNCTIONS[key];
    try {
      return library.func(name, koffiType(result), args.map(koffiType));
    } catch (error) {
      throw new GpioError('ENOTSUP', `${path} lacks ${name}, not a libgpiod v1 library: ${firstLine(error)}`, undefined, { cause: error });
    }
  };
  const version = String(bind('versionString')());
  if (!isV1Version(version)) {
    throw new GpioError('ENOTSUP', `${path} is libgpiod ${version}; this binding speaks the v1 API (libgpiod 1.x)`);
  }
  const timespec = koffi.struct({ tv_sec: 'long', tv_nsec: 'long' });
  const names = new Map<number, string>();
  for (const [name, value] of Object.entries(koffi.os.errno)) if (!names.has(value)) names.set(value, name);
  return {
    koffi,
    version,
    errnoName: (value) => names.get(value) ?? `errno ${value}`,
    types: {
      timespec,
      lineEvent: koffi.struct({ ts: timespec, event_type: 'int' }),
      lineBulk: koffi.struct({ lines: koffi.array('void *', LINE_BULK_MAX_LINES), num_lines: 'unsigned int' }),
    },
    fn: {
      chipOpenLookup: bind('chipOpenLookup'),
      chipClose: bind('chipClose'),
      chipName: bind('chipName'),
      chipLabel: bind('chipLabel'),
      chipNumLines: bind('chipNumLines'),
      chipGetLine: bind('chipGetLine'),
      requestOutput: bind('requestOutput'),
      requestInput: bind('requestInput'),
      requestBothEdges: bind('requestBothEdges'),
      getValue: bind('getValue'),
      setValue: bind('setValue'),
      release: bind('release'),
      update: bind('update'),
      consumer: bind('consumer'),
      waitBulk: bind('waitBulk'),
      readMultiple: bind('readMultiple'),
    },
  };
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}
