/**
 * {@link GpioChipBinding} over libgpiod's v1 API (libgpiod 1.6, `libgpiod.so.2`) through koffi.
 *
 * - koffi and the library load on the first `openChip`, so a booth without GPIO devices never
 *   loads them, and a missing library is a clear ENOTSUP on that device instead of a start-up
 *   failure.
 * - What may block runs on koffi's async calls (a libuv pool thread): `gpiod_line_get_value` (an
 *   ioctl that a chip behind I2C or USB answers in milliseconds, or never on a wedged bus),
 *   `gpiod_line_event_wait_bulk` (ppoll with the caller's timeout) and
 *   `gpiod_line_event_read_multiple`. Requests, `gpiod_line_set_value` and releases are
 *   synchronous: a request is a one-shot ioctl, and the door's release must never queue behind
 *   the pool.
 * - One `gpiod_line_event_wait_bulk` covers every event line of a caller's wait, so a device
 *   holds one pool thread at most while it listens, for at most the wait's timeout at a time.
 * - Memory a thread may still use is never freed under it: a line is released, and the chip
 *   closed, only once no call runs on them (a call that never returns leaks its line rather
 *   than crash boothd). Buffers handed to an async call are kept referenced until it returns.
 * - errno is read with `koffi.errno()` right after a synchronous call and inside an async call's
 *   completion (koffi ≥ 3.2 restores the pool thread's errno there).
 */
import type { GpioChip, GpioChipBinding, GpioEdgeEvent, GpioLine, LineRequest, OutputRequest } from './binding.ts';
import { GpioError, gpioErrnoError } from './errors.ts';
import { firstLine, loadNative, type KoffiFunction, type Native, type Pointer, type TypeObject } from './native.ts';
import { edgeEvent, GpioProtocolError, inTimeOrder, KERNEL_EVENT_FIFO, LIBGPIOD_SONAME, LINE_BULK_MAX_LINES, requestFlags, timespecOf } from './protocol.ts';

export interface LibgpiodOptions {
  /** The library to load; default `libgpiod.so.2` from the system's library path. */
  library?: string;
}

export interface LibgpiodBinding extends GpioChipBinding {
  /** Whether koffi and the library are loaded (they are on the first `openChip` or `load`). */
  readonly loaded: boolean;
  /** Loads now; throws the GpioError `openChip` would. */
  load(): { version: string };
  /** koffi's layout of the structs passed to libgpiod (tests compare it with protocol.ts and the header). */
  layout(): Record<'timespec' | 'lineEvent' | 'lineBulk', { size: number; offsets: Record<string, number> }>;
}

/** The libgpiod binding. Nothing is loaded until the first `openChip`. */
export function libgpiod(options: LibgpiodOptions = {}): LibgpiodBinding {
  let native: Native | undefined;
  const load = (): Native => (native ??= loadNative(options.library ?? LIBGPIOD_SONAME));
  return {
    get loaded() {
      return native !== undefined;
    },
    load: () => ({ version: load().version }),
    layout: () => {
      const { koffi, types } = load();
      const describe = (type: TypeObject) => ({
        size: type.size,
        offsets: Object.fromEntries(Object.keys(type.members ?? {}).map((member) => [member, koffi.offsetof(type, member)])),
      });
      return { timespec: describe(types.timespec), lineEvent: describe(types.lineEvent), lineBulk: describe(types.lineBulk) };
    },
    openChip: (chip) => LibgpiodChip.open(load(), chip),
  };
}

interface AsyncResult {
  result: number;
  errno: number;
}

type LineKind = 'output' | 'input' | 'events';

class LibgpiodChip implements GpioChip {
  readonly name: string;
  readonly label: string;
  readonly lineCount: number;
  readonly library: string;
  readonly #native: Native;
  #handle: Pointer | null;
  readonly #lines = new Set<LibgpiodLine>();
  /** Async calls running on this chip (any line). */
  #calls = 0;
  #closing: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Arguments of running async calls, referenced until they return. */
  readonly #retained = new Set<unknown[]>();

  static open(native: Native, chip: string): LibgpiodChip {
    const handle = native.fn.chipOpenLookup(chip) as Pointer | null;
    if (!handle) throw gpioErrnoError(`GPIO chip "${chip}"`, 'open', native.errnoName(native.koffi.errno()));
    return new LibgpiodChip(native, handle);
  }

  private constructor(native: Native, handle: Pointer) {
    this.#native = native;
    this.#handle = handle;
    this.name = String(native.fn.chipName(handle));
    this.label = String(native.fn.chipLabel(handle) ?? '');
    this.lineCount = native.fn.chipNumLines(handle) as number;
    this.library = `libgpiod ${native.version}`;
  }

  requestOutput(offset: number, request: OutputRequest): GpioLine {
    return this.request(offset, 'output', request, (line, consumer, flags) => this.#native.fn.requestOutput(line, consumer, flags, request.initial ? 1 : 0) as number);
  }

  requestInput(offset: number, request: LineRequest): GpioLine {
    return this.request(offset, 'input', request, (line, consumer, flags) => this.#native.fn.requestInput(line, consumer, flags) as number);
  }

  requestEvents(offset: number, request: LineRequest): GpioLine {
    return this.request(offset, 'events', request, (line, consumer, flags) => this.#native.fn.requestBothEdges(line, consumer, flags) as number);
  }

  async waitEvents(lines: readonly GpioLine[], timeoutMs: number): Promise<GpioEdgeEvent[]> {
    const mine = lines.map((line) => this.own(line, 'events', 'wait for events'));
    if (mine.length === 0 || mine.length > LINE_BULK_MAX_LINES) {
      throw new GpioError('ENOTSUP', `${this.name}: wait for events: ${mine.length} lines (1 to ${LINE_BULK_MAX_LINES})`);
    }
    const { koffi, types, fn } = this.#native;
    const bulk = Buffer.alloc(types.lineBulk.size);
    const pointers = mine.map((line) => line.pointer);
    koffi.encode(bulk, 0, types.lineBulk, { lines: [...pointers, ...new Array(LINE_BULK_MAX_LINES - pointers.length).fill(null)], num_lines: pointers.length });
    const ready = Buffer.alloc(types.lineBulk.size);
    const timeout = Buffer.alloc(types.timespec.size);
    koffi.encode(timeout, 0, types.timespec, timespecOf(timeoutMs));

    const waited = await this.callAsync(mine, fn.waitBulk, bulk, timeout, ready);
    if (waited.result < 0) {
      const errno = this.#native.errnoName(waited.errno);
      if (errno === 'EINTR') return [];
      throw gpioErrnoError(`${this.name} lines ${mine.map((line) => line.offset).join(',')}`, 'wait for events', errno);
    }
    if (waited.result === 0) return [];
    const flagged = koffi.decode(ready, 0, types.lineBulk) as { lines: Array<Pointer | null>; num_lines: number };
    const events: GpioEdgeEvent[] = [];
    for (const pointer of flagged.lines.slice(0, Math.min(flagged.num_lines, LINE_BULK_MAX_LINES))) {
      const line = mine.find((candidate) => candidate.pointer === pointer);
      if (!line) continue;
      // Released (and maybe freed with the chip) by a close while the wait ran: never touch it.
      if (!line.usable) break;
      events.push(...(await this.readEvents(line)));
    }
    return inTimeOrder(events);
  }

  close(): Promise<void> {
    if (!this.#closing) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#closing = { promise, resolve };
      for (const line of [...this.#lines]) line.release();
      this.settle();
    }
    return this.#closing.promise;
  }

  // ---- for LibgpiodLine ------------------------------------------------------------------

  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /** Runs one blocking libgpiod call on a pool thread, with `lines` (and the chip) marked in use. */
  callAsync(lines: readonly LibgpiodLine[], target: KoffiFunction, ...args: unknown[]): Promise<AsyncResult> {
    this.#calls += 1;
    for (const line of lines) line.calls += 1;
    return new Promise<AsyncResult>((resolve, reject) => {
      this.#retained.add(args);
      const done = () => {
        this.#retained.delete(args);
        this.#calls -= 1;
        for (const line of lines) {
          line.calls -= 1;
          line.settle();
        }
        this.settle();
      };
      try {
        target.async(...args, (error: unknown, result: number) => {
          const errno = this.#native.koffi.errno();
          done();
          if (error) reject(new GpioError('EIO', `${this.name}: ${firstLine(error)}`, undefined, { cause: error }));
          else resolve({ result, errno });
        });
      } catch (error) {
        done();
        reject(new GpioError('EIO', `${this.name}: ${firstLine(error)}`, undefined, { cause: error }));
      }
    });
  }

  forget(line: LibgpiodLine): void {
    this.#lines.delete(line);
    this.settle();
  }

  get native(): Native {
    return this.#native;
  }

  // ---- internals ---------------------------------------------------------------------------

  private request(offset: number, kind: LineKind, request: LineRequest, call: (line: Pointer, consumer: string, flags: number) => number): LibgpiodLine {
    const where = `${this.name} line ${offset}`;
    if (this.#closing || !this.#handle) throw new GpioError('ENODEV', `${where}: request: the chip handle is closed`);
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.lineCount) {
      throw new GpioError('ENOTSUP', `${where}: request: ${this.name} (${this.label}) has lines 0 to ${this.lineCount - 1}`);
    }
    const { fn, koffi, errnoName } = this.#native;
    const pointer = fn.chipGetLine(this.#handle, offset) as Pointer | null;
    if (!pointer) throw gpioErrnoError(where, 'get line', errnoName(koffi.errno()));
    const status = call(pointer, request.consumer, requestFlags(request));
    if (status < 0) {
      const errno = errnoName(koffi.errno());
      throw gpioErrnoError(where, `request as ${kind}`, errno, errno === 'EBUSY' ? this.holder(pointer) : undefined);
    }
    const line = new LibgpiodLine(this, pointer, offset, kind);
    this.#lines.add(line);
    return line;
  }

  /** Who holds a line, for the EBUSY message. */
  private holder(pointer: Pointer): string {
    const { fn } = this.#native;
    if ((fn.update(pointer) as number) < 0) return 'the line is in use';
    const consumer = fn.consumer(pointer) as string | null;
    return consumer ? `the line is in use by "${consumer}"` : 'the line is in use by another consumer';
  }

  private own(line: GpioLine, kind: LineKind, operation: string): LibgpiodLine {
    if (!(line instanceof LibgpiodLine) || line.chip !== this) {
      throw new GpioError('ENOTSUP', `${this.name}: ${operation}: line ${line.offset} was not requested through this chip handle`);
    }
    if (line.kind !== kind) throw new GpioError('ENOTSUP', `${this.name} line ${line.offset}: ${operation}: requested as ${line.kind}, not ${kind}`);
    line.assertUsable(operation);
    return line;
  }

  private async readEvents(line: LibgpiodLine): Promise<GpioEdgeEvent[]> {
    const { types, fn } = this.#native;
    const buffer = Buffer.alloc(types.lineEvent.size * KERNEL_EVENT_FIFO);
    const read = await this.callAsync([line], fn.readMultiple, line.pointer, buffer, KERNEL_EVENT_FIFO);
    if (read.result < 0) throw gpioErrnoError(`${this.name} line ${line.offset}`, 'read events', this.#native.errnoName(read.errno));
    const events: GpioEdgeEvent[] = [];
    for (let index = 0; index < Math.min(read.result, KERNEL_EVENT_FIFO); index += 1) {
      const raw = this.#native.koffi.decode(buffer, index * types.lineEvent.size, types.lineEvent) as Parameters<typeof edgeEvent>[1];
      try {
        events.push(edgeEvent(line.offset, raw));
      } catch (error) {
        if (error instanceof GpioProtocolError) throw new GpioError('EBADMSG', `${this.name}: ${error.message}`);
        throw error;
      }
    }
    return events;
  }

  /** Closes the chip once it is closing and nothing runs on it or holds a line. */
  private settle(): void {
    const closing = this.#closing;
    if (!closing) return;
    if (this.#handle && this.#calls === 0 && this.#lines.size === 0) {
      const handle = this.#handle;
      this.#handle = null;
      this.#native.fn.chipClose(handle);
    }
    if (!this.#handle) closing.resolve();
  }
}

class LibgpiodLine implements GpioLine {
  readonly chip: LibgpiodChip;
  readonly pointer: Pointer;
  readonly offset: number;
  readonly kind: LineKind;
  /** Async calls running on this line. */
  calls = 0;
  #state: 'requested' | 'releasing' | 'released' = 'requested';

  constructor(chip: LibgpiodChip, pointer: Pointer, offset: number, kind: LineKind) {
    this.chip = chip;
    this.pointer = pointer;
    this.offset = offset;
    this.kind = kind;
  }

  async read(): Promise<boolean> {
    this.assertUsable('read');
    const { fn, errnoName } = this.chip.native;
    const read = await this.chip.callAsync([this], fn.getValue, this.pointer);
    if (read.result < 0) throw gpioErrnoError(this.where, 'read', errnoName(read.errno));
    return read.result === 1;
  }

  write(active: boolean): void {
    this.assertUsable('write');
    if (this.kind !== 'output') throw new GpioError('ENOTSUP', `${this.where}: write: requested as ${this.kind}, not output`);
    const { fn, koffi, errnoName } = this.chip.native;
    if ((fn.setValue(this.pointer, active ? 1 : 0) as number) < 0) throw gpioErrnoError(this.where, 'write', errnoName(koffi.errno()));
  }

  release(): void {
    if (this.#state !== 'requested') return;
    this.#state = 'releasing';
    this.settle();
  }

  get usable(): boolean {
    return this.#state === 'requested' && !this.chip.closing;
  }

  assertUsable(operation: string): void {
    if (!this.usable) throw new GpioError('ENODEV', `${this.where}: ${operation}: the line was released`);
  }

  /** Releases for real once released and idle. */
  settle(): void {
    if (this.#state !== 'releasing' || this.calls > 0) return;
    this.#state = 'released';
    this.chip.native.fn.release(this.pointer);
    this.chip.forget(this);
  }

  private get where(): string {
    return `${this.chip.name} line ${this.offset}`;
  }
}
