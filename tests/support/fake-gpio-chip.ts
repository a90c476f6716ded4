/**
 * An in-process GPIO chip behind the drivers' binding interface (drivers/gpio/binding.ts), for
 * kernels without gpio-sim: the node-serialport MockBinding pattern at the libgpiod boundary.
 *
 * It behaves the way the kernel and libgpiod v1 do where the drivers can tell:
 * - every line has a PHYSICAL level; tests drive inputs (`setLevel`) and see outputs (`level`,
 *   `writes`); a request's `activeLow` inverts what the requester reads and writes, and the kind
 *   of its edge events (GPIOD_LINE_EVENT_RISING_EDGE = the line went active);
 * - an output takes its initial value when requested and keeps its level when released;
 * - a line is held by one consumer: a second request gets EBUSY naming the holder (including a
 *   foreign process, `holdLine`);
 * - edge events queue per line, 16 at most (more are dropped, counted in `dropped`), and are
 *   delivered by `waitEvents`, which waits on the injected clock up to its timeout;
 * - `unplug` makes the chip disappear: open handles die (calls fail with ENODEV, pending waits
 *   reject with ENODEV), opening it fails with ENOENT → ENODEV, its outputs lose power;
 *   `replug` brings a fresh chip with every line free;
 * - releasing a line (or closing the handle) while a call runs on it happens after the call
 *   returns, as the real binding does: a hung read keeps its line until `releaseHangs`.
 * Test hooks: `hangNextRead`, `failNextRead(code)`, `releaseHangs`, `holdLine`, `bounce`.
 */
import type { Clock } from '../../hal/clock.ts';
import { systemClock } from '../../hal/clock.ts';
import type { DeviceErrorCode } from '../../hal/errors.ts';
import type { GpioChip, GpioChipBinding, GpioEdgeEvent, GpioLine, LineRequest, OutputRequest } from '../../drivers/gpio/binding.ts';
import { GpioError } from '../../drivers/gpio/errors.ts';
import { KERNEL_EVENT_FIFO } from '../../drivers/gpio/protocol.ts';

type Kind = 'output' | 'input' | 'events';

interface Holder {
  consumer: string;
  kind: Kind;
  activeLow: boolean;
  line: FakeLine | undefined;
}

export interface FakeGpioChipOptions {
  name?: string;
  label?: string;
  lines?: number;
  clock?: Clock;
}

/** The test's hands on a chip's pins, shared by the fake and the gpio-sim harness. */
export interface GpioPins {
  readonly clock: Clock;
  /** The chip is there (powered). */
  readonly present: boolean;
  /** Drives an input line from outside (a contact, a sensor output). */
  setLevel(offset: number, high: boolean): void;
  /** The physical level of a line. */
  level(offset: number): boolean;
  /** Calls `listener` whenever an output may have changed (a write, a request, power). */
  onOutputs(listener: () => void): () => void;
}

export class FakeGpioChip implements GpioChipBinding, GpioPins {
  readonly name: string;
  readonly label: string;
  readonly lineCount: number;
  readonly clock: Clock;
  /** Every physical level an output was driven to, in order. */
  readonly writes: Array<{ offset: number; high: boolean; at: number }> = [];
  /** Edges dropped because a line's queue was full. */
  dropped = 0;
  /** `waitEvents` calls so far. */
  waits = 0;
  #present = true;
  readonly #levels: boolean[];
  readonly #holders = new Map<number, Holder>();
  readonly #handles = new Set<FakeChipHandle>();
  readonly #outputListeners = new Set<() => void>();
  #hangNext = 0;
  readonly #failNext: DeviceErrorCode[] = [];
  readonly #hung = new Set<{ line: FakeLine; resolve: () => void; reject: (error: Error) => void }>();
  #sequence = 0n;

  constructor(options: FakeGpioChipOptions = {}) {
    this.name = options.name ?? 'gpiochip0';
    this.label = options.label ?? 'fake-booth-gpio';
    this.lineCount = options.lines ?? 32;
    this.clock = options.clock ?? systemClock;
    this.#levels = new Array<boolean>(this.lineCount).fill(false);
  }

  // ---- GpioChipBinding ---------------------------------------------------------------------

  openChip(chip: string): GpioChip {
    const known = [this.name, `/dev/${this.name}`, this.label, this.name.replace(/^gpiochip/, '')];
    if (!this.#present || !known.includes(chip)) {
      throw new GpioError('ENODEV', `GPIO chip "${chip}": open: ENOENT (no such GPIO chip)`, 'ENOENT');
    }
    const handle = new FakeChipHandle(this);
    this.#handles.add(handle);
    return handle;
  }

  // ---- test side ---------------------------------------------------------------------------

  get present(): boolean {
    return this.#present;
  }

  setLevel(offset: number, high: boolean): void {
    this.checkOffset(offset);
    const holder = this.#holders.get(offset);
    if (holder?.kind === 'output') throw new Error(`line ${offset} is an output driven by ${holder.consumer}; a test cannot drive it`);
    this.changeLevel(offset, high);
  }

  level(offset: number): boolean {
    this.checkOffset(offset);
    return this.#levels[offset]!;
  }

  /** Who holds a line and how, as `gpioinfo` would show it. */
  holder(offset: number): { consumer: string; kind: Kind; activeLow: boolean } | undefined {
    const holder = this.#holders.get(offset);
    return holder && { consumer: holder.consumer, kind: holder.kind, activeLow: holder.activeLow };
  }

  onOutputs(listener: () => void): () => void {
    this.#outputListeners.add(listener);
    return () => this.#outputListeners.delete(listener);
  }

  /** Another process holds `offset` (as `gpioset`, or a second boothd, would). Returns the release. */
  holdLine(offset: number, consumer: string): () => void {
    this.checkOffset(offset);
    if (this.#holders.has(offset)) throw new Error(`line ${offset} is already held`);
    const holder: Holder = { consumer, kind: 'input', activeLow: false, line: undefined };
    this.#holders.set(offset, holder);
    return () => {
      if (this.#holders.get(offset) === holder) this.#holders.delete(offset);
    };
  }

  /** The next line read gets no answer (a wedged I2C expander) until `releaseHangs` or `unplug`. */
  hangNextRead(): void {
    this.#hangNext += 1;
  }

  /** The next line read fails with `code` (EIO: the kernel reported an I/O error). */
  failNextRead(code: DeviceErrorCode): void {
    this.#failNext.push(code);
  }

  /** Hung reads answer now (late: their caller may have given up long ago). */
  releaseHangs(): void {
    for (const hung of [...this.#hung]) hung.resolve();
  }

  /** Drives `levels` one after the other on `offset`, `stepMs` of clock time apart (contact bounce). */
  async bounce(offset: number, levels: boolean[], stepMs: number): Promise<void> {
    for (const [index, high] of levels.entries()) {
      if (index > 0) await new Promise<void>((resolve) => this.clock.setTimeout(resolve, stepMs));
      this.setLevel(offset, high);
    }
  }

  /** The chip disappears (USB expander unplugged, driver unbound): see the module comment. */
  unplug(): void {
    if (!this.#present) return;
    this.#present = false;
    const gone = () => new GpioError('ENODEV', `${this.name}: ENODEV (the GPIO chip went away)`, 'ENODEV');
    for (const hung of [...this.#hung]) hung.reject(gone());
    for (const handle of [...this.#handles]) handle.die(gone());
    this.#handles.clear();
    this.#holders.clear();
    this.notifyOutputs();
  }

  /** A fresh chip under the same name: every line free, inputs at the levels the wiring holds. */
  replug(): void {
    if (this.#present) return;
    this.#present = true;
    this.notifyOutputs();
  }

  // ---- for the handles and lines -----------------------------------------------------------

  request(handle: FakeChipHandle, offset: number, kind: Kind, request: LineRequest, initial?: boolean): FakeLine {
    const where = `${this.name} line ${offset}`;
    if (!this.#present || !handle.alive) throw new GpioError('ENODEV', `${where}: request as ${kind}: ENODEV (the GPIO chip went away)`, 'ENODEV');
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.lineCount) {
      throw new GpioError('ENOTSUP', `${where}: request: ${this.name} (${this.label}) has lines 0 to ${this.lineCount - 1}`);
    }
    const holder = this.#holders.get(offset);
    if (holder) throw new GpioError('EBUSY', `${where}: request as ${kind}: EBUSY (the line is in use by "${holder.consumer}")`, 'EBUSY');
    const line = new FakeLine(this, handle, offset, kind, request.activeLow);
    this.#holders.set(offset, { consumer: request.consumer, kind, activeLow: request.activeLow, line });
    if (kind === 'output') this.drive(offset, (initial ?? false) !== request.activeLow);
    return line;
  }

  read(line: FakeLine): Promise<boolean> {
    if (!this.#present || !line.usable) return Promise.reject(line.goneError('read'));
    if (this.#hangNext > 0) {
      this.#hangNext -= 1;
      return new Promise<boolean>((resolve, reject) => {
        line.calls += 1;
        const hung = {
          line,
          resolve: () => finish(() => resolve(this.#levels[line.offset]! !== line.activeLow)),
          reject: (error: Error) => finish(() => reject(error)),
        };
        const finish = (settle: () => void) => {
          this.#hung.delete(hung);
          line.calls -= 1;
          settle();
          line.settle();
        };
        this.#hung.add(hung);
      });
    }
    const failure = this.#failNext.shift();
    if (failure) return Promise.reject(new GpioError(failure, `${this.name} line ${line.offset}: read: ${failure} (injected)`, failure));
    const value = this.#levels[line.offset]! !== line.activeLow;
    return new Promise((resolve) => setImmediate(() => resolve(value)));
  }

  drive(offset: number, high: boolean): void {
    this.#levels[offset] = high;
    this.writes.push({ offset, high, at: this.clock.now() });
    this.notifyOutputs();
  }

  freed(line: FakeLine): void {
    if (this.#holders.get(line.offset)?.line === line) this.#holders.delete(line.offset);
  }

  forgetHandle(handle: FakeChipHandle): void {
    this.#handles.delete(handle);
  }

  private changeLevel(offset: number, high: boolean): void {
    if (this.#levels[offset] === high) return;
    this.#levels[offset] = high;
    const holder = this.#holders.get(offset);
    if (holder?.kind !== 'events' || !holder.line) return;
    this.#sequence += 1n;
    holder.line.queue({ offset, active: high !== holder.activeLow, timestampNs: BigInt(this.clock.now()) * 1_000_000n + this.#sequence });
  }

  private notifyOutputs(): void {
    for (const listener of [...this.#outputListeners]) listener();
  }

  private checkOffset(offset: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.lineCount) throw new Error(`${this.name} has no line ${offset}`);
  }
}

interface Waiter {
  lines: readonly FakeLine[];
  wake: () => void;
  fail: (error: Error) => void;
}

class FakeChipHandle implements GpioChip {
  readonly name: string;
  readonly label: string;
  readonly lineCount: number;
  readonly library = 'fake libgpiod 1.6 (tests/support/fake-gpio-chip.ts)';
  readonly chip: FakeGpioChip;
  #alive = true;
  #closing: Promise<void> | undefined;
  #closed: (() => void) | undefined;
  readonly #lines = new Set<FakeLine>();
  readonly #waiters = new Set<Waiter>();

  constructor(chip: FakeGpioChip) {
    this.chip = chip;
    this.name = chip.name;
    this.label = chip.label;
    this.lineCount = chip.lineCount;
  }

  get alive(): boolean {
    return this.#alive && this.#closing === undefined;
  }

  requestOutput(offset: number, request: OutputRequest): GpioLine {
    return this.track(this.chip.request(this, offset, 'output', request, request.initial));
  }

  requestInput(offset: number, request: LineRequest): GpioLine {
    return this.track(this.chip.request(this, offset, 'input', request));
  }

  requestEvents(offset: number, request: LineRequest): GpioLine {
    return this.track(this.chip.request(this, offset, 'events', request));
  }

  waitEvents(lines: readonly GpioLine[], timeoutMs: number): Promise<GpioEdgeEvent[]> {
    this.chip.waits += 1;
    const mine = lines.map((line) => {
      if (!(line instanceof FakeLine) || line.handle !== this) throw new GpioError('ENOTSUP', `line ${line.offset} was not requested through this handle`);
      if (line.kind !== 'events') throw new GpioError('ENOTSUP', `line ${line.offset} was requested as ${line.kind}, not events`);
      return line;
    });
    const dead = mine.find((line) => !line.usable);
    if (!this.chip.present || !this.#alive || dead) return Promise.reject((dead ?? mine[0])?.goneError('wait for events') ?? new GpioError('ENODEV', 'no lines'));
    for (const line of mine) line.calls += 1;
    return new Promise<GpioEdgeEvent[]>((resolve, reject) => {
      const done = () => {
        timer.cancel();
        this.#waiters.delete(waiter);
        for (const line of mine) line.calls -= 1;
      };
      const waiter: Waiter = {
        lines: mine,
        wake: () => {
          done();
          const events = mine.flatMap((line) => line.drain()).sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : 1));
          // Like a pool thread's completion: on a later turn of the event loop.
          setImmediate(() => {
            resolve(events);
            for (const line of mine) line.settle();
          });
        },
        fail: (error) => {
          done();
          reject(error);
          for (const line of mine) line.settle();
        },
      };
      const timer = this.chip.clock.setTimeout(() => waiter.wake(), timeoutMs);
      this.#waiters.add(waiter);
      if (mine.some((line) => line.queued > 0)) waiter.wake();
    });
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = new Promise<void>((resolve) => (this.#closed = resolve));
      for (const line of [...this.#lines]) line.release();
      this.settle();
    }
    return this.#closing;
  }

  // ---- for the chip and lines --------------------------------------------------------------

  /** An edge was queued on `line`: wake a wait on it. */
  edge(line: FakeLine): void {
    for (const waiter of [...this.#waiters]) if (waiter.lines.includes(line)) waiter.wake();
  }

  die(error: GpioError): void {
    this.#alive = false;
    for (const waiter of [...this.#waiters]) waiter.fail(error);
    for (const line of this.#lines) line.dead = true;
    this.#lines.clear();
    this.#closed?.();
  }

  released(line: FakeLine): void {
    this.#lines.delete(line);
    this.settle();
  }

  private track(line: FakeLine): FakeLine {
    this.#lines.add(line);
    return line;
  }

  private settle(): void {
    if (this.#closing && this.#lines.size === 0) {
      this.chip.forgetHandle(this);
      this.#closed?.();
    }
  }
}

class FakeLine implements GpioLine {
  readonly chip: FakeGpioChip;
  readonly handle: FakeChipHandle;
  readonly offset: number;
  readonly kind: Kind;
  readonly activeLow: boolean;
  calls = 0;
  dead = false;
  #state: 'requested' | 'releasing' | 'released' = 'requested';
  #queue: GpioEdgeEvent[] = [];

  constructor(chip: FakeGpioChip, handle: FakeChipHandle, offset: number, kind: Kind, activeLow: boolean) {
    this.chip = chip;
    this.handle = handle;
    this.offset = offset;
    this.kind = kind;
    this.activeLow = activeLow;
  }

  get usable(): boolean {
    return !this.dead && this.#state === 'requested' && this.handle.alive;
  }

  get queued(): number {
    return this.#queue.length;
  }

  read(): Promise<boolean> {
    return this.chip.read(this);
  }

  write(active: boolean): void {
    if (!this.chip.present || !this.usable) throw this.goneError('write');
    if (this.kind !== 'output') throw new GpioError('ENOTSUP', `${this.chip.name} line ${this.offset}: write: requested as ${this.kind}, not output`);
    this.chip.drive(this.offset, active !== this.activeLow);
  }

  release(): void {
    if (this.#state !== 'requested') return;
    this.#state = 'releasing';
    this.settle();
  }

  queue(event: GpioEdgeEvent): void {
    if (this.#queue.length >= KERNEL_EVENT_FIFO) {
      this.chip.dropped += 1;
      return;
    }
    this.#queue.push(event);
    this.handle.edge(this);
  }

  drain(): GpioEdgeEvent[] {
    return this.#queue.splice(0, KERNEL_EVENT_FIFO);
  }

  settle(): void {
    if (this.#state !== 'releasing' || this.calls > 0) return;
    this.#state = 'released';
    if (!this.dead) this.chip.freed(this);
    this.handle.released(this);
  }

  goneError(operation: string): GpioError {
    if (this.dead || !this.chip.present) return new GpioError('ENODEV', `${this.chip.name} line ${this.offset}: ${operation}: ENODEV (the GPIO chip went away)`, 'ENODEV');
    return new GpioError('ENODEV', `${this.chip.name} line ${this.offset}: ${operation}: the line was released`);
  }
}
