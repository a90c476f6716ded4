/**
 * The GPIO suites on a REAL kernel chip: a gpio-sim device (Linux ≥ 5.17, CONFIG_GPIO_SIM,
 * configfs) driven through the real libgpiod binding. BOOTH_GPIO_SIM names the gpio-sim device's
 * configfs folder, set up as docs/drivers/gpio.md says (a bank with 32 lines and the label
 * "booth-gpio-sim"; the drivers open the chip by that label, which survives the re-registration
 * of `unplug`/`replug`).
 *
 * The test's hands on the pins are gpio-sim's sysfs files: an input line follows the `pull` the
 * test writes to `sim_gpio<N>/pull`, an output line's level is `sim_gpio<N>/value`. `unplug`
 * writes 0 to the device's `live` (the chip is unregistered under the open handles), `replug` 1.
 * The hang and fail hooks act at the binding boundary (a thin interposer around libgpiod): the
 * kernel offers no way to make one ioctl hang.
 *
 * Not exercised on the development machine (its kernel has no GPIO support at all); run it where
 * gpio-sim exists.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../hal/clock.ts';
import type { DeviceErrorCode } from '../../hal/errors.ts';
import type { GpioChip, GpioChipBinding, GpioEdgeEvent, GpioLine, LineRequest, OutputRequest } from '../../drivers/gpio/binding.ts';
import { GpioError } from '../../drivers/gpio/errors.ts';
import { libgpiod } from '../../drivers/gpio/libgpiod.ts';
import type { GpioPins } from './fake-gpio-chip.ts';

export interface GpioSimBench {
  binding: GpioChipBinding;
  chip: string;
  pins: GpioPins;
  common: {
    unplug(): void;
    replug(): void;
    hangNextCommand(): void;
    failNextCommand(code: DeviceErrorCode): void;
  };
  close(): Promise<void>;
}

export async function gpioSimBench(device: string): Promise<GpioSimBench> {
  const read = (path: string) => readFileSync(path, 'utf8').trim();
  if (!existsSync(join(device, 'live'))) throw new Error(`BOOTH_GPIO_SIM=${device} is not a gpio-sim configfs device (no "live" file); see docs/drivers/gpio.md`);
  const bank = readdirSync(device, { withFileTypes: true }).find((entry) => entry.isDirectory() && existsSync(join(device, entry.name, 'num_lines')));
  if (!bank) throw new Error(`${device} has no bank (a folder with num_lines)`);
  const bankPath = join(device, bank.name);
  const label = read(join(bankPath, 'label'));
  if (!label) throw new Error(`${bankPath}/label is empty: give the bank a label (docs/drivers/gpio.md), the chip is opened by it`);
  const lineCount = Number(read(join(bankPath, 'num_lines')));
  if (read(join(device, 'live')) !== '1') writeFileSync(join(device, 'live'), '1');
  await waitUntil(() => existsSync(`/dev/${read(join(bankPath, 'chip_name'))}`), 'the gpio-sim chip to appear');
  const lineDir = (offset: number) => `/sys/devices/platform/${read(join(device, 'dev_name'))}/${read(join(bankPath, 'chip_name'))}/sim_gpio${offset}`;
  const present = () => read(join(device, 'live')) === '1';

  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  const pins: GpioPins = {
    clock: systemClock,
    get present() {
      return present();
    },
    setLevel: (offset, high) => {
      if (offset < 0 || offset >= lineCount) throw new Error(`the gpio-sim bank has no line ${offset}`);
      if (present()) writeFileSync(join(lineDir(offset), 'pull'), high ? 'pull-up' : 'pull-down');
    },
    level: (offset) => read(join(lineDir(offset), 'value')) === '1',
    onOutputs: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const faults = new FaultHooks(libgpiod(), notify);
  return {
    binding: faults,
    chip: label,
    pins,
    common: {
      unplug: () => {
        writeFileSync(join(device, 'live'), '0');
        notify();
      },
      replug: () => {
        writeFileSync(join(device, 'live'), '1');
        notify();
      },
      hangNextCommand: () => faults.hangNextRead(),
      failNextCommand: (code) => faults.failNextRead(code),
    },
    close: async () => {
      faults.releaseHangs();
      listeners.clear();
    },
  };
}

/** A binding that passes everything to `inner`, except a read it was told to hang or fail; tells `onWrite` of every write. */
class FaultHooks implements GpioChipBinding {
  readonly #inner: GpioChipBinding;
  readonly #onWrite: () => void;
  #hangNext = 0;
  readonly #failNext: DeviceErrorCode[] = [];
  readonly #hung = new Set<() => void>();

  constructor(inner: GpioChipBinding, onWrite: () => void) {
    this.#inner = inner;
    this.#onWrite = onWrite;
  }

  hangNextRead(): void {
    this.#hangNext += 1;
  }

  failNextRead(code: DeviceErrorCode): void {
    this.#failNext.push(code);
  }

  releaseHangs(): void {
    for (const release of [...this.#hung]) release();
  }

  openChip(chip: string): GpioChip {
    const inner = this.#inner.openChip(chip);
    const wrap = (line: GpioLine): HookedLine => new HookedLine(line, this);
    return {
      name: inner.name,
      label: inner.label,
      lineCount: inner.lineCount,
      library: inner.library,
      requestOutput: (offset: number, request: OutputRequest) => {
        const line = wrap(inner.requestOutput(offset, request));
        this.#onWrite();
        return line;
      },
      requestInput: (offset: number, request: LineRequest) => wrap(inner.requestInput(offset, request)),
      requestEvents: (offset: number, request: LineRequest) => wrap(inner.requestEvents(offset, request)),
      waitEvents: (lines: readonly GpioLine[], timeoutMs: number): Promise<GpioEdgeEvent[]> =>
        inner.waitEvents(lines.map((line) => (line instanceof HookedLine ? line.inner : line)), timeoutMs),
      close: () => inner.close(),
    };
  }

  read(line: GpioLine): Promise<boolean> {
    if (this.#hangNext > 0) {
      this.#hangNext -= 1;
      return new Promise<boolean>((resolve) => {
        const release = () => {
          this.#hung.delete(release);
          resolve(line.read());
        };
        this.#hung.add(release);
      });
    }
    const failure = this.#failNext.shift();
    if (failure) return Promise.reject(new GpioError(failure, `line ${line.offset}: read: ${failure} (injected)`, failure));
    return line.read();
  }

  wrote(): void {
    this.#onWrite();
  }
}

class HookedLine implements GpioLine {
  readonly inner: GpioLine;
  readonly #hooks: FaultHooks;

  constructor(inner: GpioLine, hooks: FaultHooks) {
    this.inner = inner;
    this.#hooks = hooks;
  }

  get offset(): number {
    return this.inner.offset;
  }

  read(): Promise<boolean> {
    return this.#hooks.read(this.inner);
  }

  write(active: boolean): void {
    this.inner.write(active);
    this.#hooks.wrote();
  }

  release(): void {
    this.inner.release();
  }
}

async function waitUntil(condition: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
