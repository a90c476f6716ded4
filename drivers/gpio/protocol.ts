/**
 * libgpiod's v1 API as data: the constants and struct layouts of `gpiod.h` (libgpiod 1.6, the
 * Debian/Astra package libgpiod2, soname libgpiod.so.2) and pure conversions. No I/O here.
 * tests/unit/gpio-libgpiod.test.ts checks every number against the installed header when gcc and
 * libgpiod-dev are present, and against koffi's layout of the same structs.
 */
import type { GpioEdgeEvent, LineBias, LineRequest } from './binding.ts';

/** The v1 library: libgpiod 2.x has a different API and soname (libgpiod.so.3). */
export const LIBGPIOD_SONAME = 'libgpiod.so.2';

/**
 * Every libgpiod function the binding calls, with its C signature as `gpiod.h` (v1.6) declares it.
 * `libgpiod.ts` binds from this table; the header test compiles a function pointer of each
 * signature against the real header, so a wrong argument list fails a test, not a booth.
 */
export const LIBGPIOD_FUNCTIONS = {
  versionString: { name: 'gpiod_version_string', result: 'const char *', args: [] },
  chipOpenLookup: { name: 'gpiod_chip_open_lookup', result: 'struct gpiod_chip *', args: ['const char *'] },
  chipClose: { name: 'gpiod_chip_close', result: 'void', args: ['struct gpiod_chip *'] },
  chipName: { name: 'gpiod_chip_name', result: 'const char *', args: ['struct gpiod_chip *'] },
  chipLabel: { name: 'gpiod_chip_label', result: 'const char *', args: ['struct gpiod_chip *'] },
  chipNumLines: { name: 'gpiod_chip_num_lines', result: 'unsigned int', args: ['struct gpiod_chip *'] },
  chipGetLine: { name: 'gpiod_chip_get_line', result: 'struct gpiod_line *', args: ['struct gpiod_chip *', 'unsigned int'] },
  requestOutput: { name: 'gpiod_line_request_output_flags', result: 'int', args: ['struct gpiod_line *', 'const char *', 'int', 'int'] },
  requestInput: { name: 'gpiod_line_request_input_flags', result: 'int', args: ['struct gpiod_line *', 'const char *', 'int'] },
  requestBothEdges: { name: 'gpiod_line_request_both_edges_events_flags', result: 'int', args: ['struct gpiod_line *', 'const char *', 'int'] },
  getValue: { name: 'gpiod_line_get_value', result: 'int', args: ['struct gpiod_line *'] },
  setValue: { name: 'gpiod_line_set_value', result: 'int', args: ['struct gpiod_line *', 'int'] },
  release: { name: 'gpiod_line_release', result: 'void', args: ['struct gpiod_line *'] },
  update: { name: 'gpiod_line_update', result: 'int', args: ['struct gpiod_line *'] },
  consumer: { name: 'gpiod_line_consumer', result: 'const char *', args: ['struct gpiod_line *'] },
  waitBulk: {
    name: 'gpiod_line_event_wait_bulk',
    result: 'int',
    args: ['struct gpiod_line_bulk *', 'const struct timespec *', 'struct gpiod_line_bulk *'],
  },
  readMultiple: { name: 'gpiod_line_event_read_multiple', result: 'int', args: ['struct gpiod_line *', 'struct gpiod_line_event *', 'unsigned int'] },
} as const satisfies Record<string, { name: string; result: string; args: readonly string[] }>;

export type LibgpiodFunction = keyof typeof LIBGPIOD_FUNCTIONS;

/** A C type of the table as koffi takes it: every struct pointer is an opaque `void *`. */
export function koffiType(cType: string): string {
  return /\bstruct\b.*\*$/.test(cType) ? 'void *' : cType;
}

/** `gpiod_line_request_config.request_type` (enum in gpiod.h). */
export const RequestType = {
  DIRECTION_AS_IS: 1,
  DIRECTION_INPUT: 2,
  DIRECTION_OUTPUT: 3,
  EVENT_FALLING_EDGE: 4,
  EVENT_RISING_EDGE: 5,
  EVENT_BOTH_EDGES: 6,
} as const;

/** `GPIOD_LINE_REQUEST_FLAG_*`: GPIOD_BIT(n). */
export const RequestFlag = {
  OPEN_DRAIN: 1 << 0,
  OPEN_SOURCE: 1 << 1,
  ACTIVE_LOW: 1 << 2,
  BIAS_DISABLE: 1 << 3,
  BIAS_PULL_DOWN: 1 << 4,
  BIAS_PULL_UP: 1 << 5,
} as const;

/** `gpiod_line_event.event_type`. */
export const EventType = {
  RISING_EDGE: 1,
  FALLING_EDGE: 2,
} as const;

/** `GPIOD_LINE_BULK_MAX_LINES`: a bulk (and so one wait) holds at most this many lines. */
export const LINE_BULK_MAX_LINES = 64;

/** The kernel's v1 event FIFO per line (GPIOEVENT FIFO of 16): more queued edges are dropped. */
export const KERNEL_EVENT_FIFO = 16;

/**
 * Struct layouts on LP64 Linux (amd64, arm64: `long`, `time_t` and pointers are 8 bytes), the
 * booth PC's ABI. `libgpiod.ts` builds the same structs with koffi and refuses to run when koffi's
 * layout differs from these (another ABI).
 */
export const Layout = {
  /** `struct timespec { time_t tv_sec; long tv_nsec; }` */
  timespec: { size: 16, tv_sec: 0, tv_nsec: 8 },
  /** `struct gpiod_line_event { struct timespec ts; int event_type; }` */
  lineEvent: { size: 24, ts: 0, event_type: 16 },
  /** `struct gpiod_line_bulk { struct gpiod_line *lines[64]; unsigned int num_lines; }` */
  lineBulk: { size: 520, lines: 0, num_lines: 512 },
} as const;

const BIAS_FLAG: Record<LineBias, number> = {
  'as-is': 0,
  disable: RequestFlag.BIAS_DISABLE,
  'pull-up': RequestFlag.BIAS_PULL_UP,
  'pull-down': RequestFlag.BIAS_PULL_DOWN,
};

/** The `flags` of a line request. */
export function requestFlags(request: Pick<LineRequest, 'activeLow' | 'bias'>): number {
  return (request.activeLow ? RequestFlag.ACTIVE_LOW : 0) | BIAS_FLAG[request.bias ?? 'as-is'];
}

/** A wait timeout as a `struct timespec` (whole milliseconds, at least 0). */
export function timespecOf(timeoutMs: number): { tv_sec: number; tv_nsec: number } {
  const ms = Math.max(0, Math.floor(timeoutMs));
  return { tv_sec: Math.floor(ms / 1000), tv_nsec: (ms % 1000) * 1_000_000 };
}

export class GpioProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpioProtocolError';
  }
}

/** One `struct gpiod_line_event` as the HAL-side event; an event type gpiod.h does not define is refused. */
export function edgeEvent(offset: number, event: { ts: { tv_sec: number | bigint; tv_nsec: number | bigint }; event_type: number }): GpioEdgeEvent {
  if (event.event_type !== EventType.RISING_EDGE && event.event_type !== EventType.FALLING_EDGE) {
    throw new GpioProtocolError(`line ${offset}: event type ${event.event_type} is neither rising (1) nor falling (2)`);
  }
  return {
    offset,
    active: event.event_type === EventType.RISING_EDGE,
    timestampNs: BigInt(event.ts.tv_sec) * 1_000_000_000n + BigInt(event.ts.tv_nsec),
  };
}

/** Events of several lines in the order they happened (stable for equal timestamps). */
export function inTimeOrder(events: GpioEdgeEvent[]): GpioEdgeEvent[] {
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => (a.event.timestampNs < b.event.timestampNs ? -1 : a.event.timestampNs > b.event.timestampNs ? 1 : a.index - b.index))
    .map(({ event }) => event);
}

/** libgpiod's version string is a 1.x one (the v1 API this binding speaks). */
export function isV1Version(version: string): boolean {
  return /^1\.\d+/.test(version);
}

/** The consumer name the drivers request lines with. The kernel keeps 31 characters. */
export function consumerName(deviceId: string): string {
  return `boothd:${deviceId}`.slice(0, 31);
}
