/**
 * The real libgpiod binding as far as a machine without GPIO chips allows: the library loads
 * (lazily) and is a v1 one, a chip that does not exist is a clear ENODEV naming it (never a
 * crash), a GPIO device on the real binding fails its open cleanly, koffi lays the structs out as
 * protocol.ts says, and — when gcc and the libgpiod-dev header are installed — every constant,
 * struct layout and bound function signature is checked against `gpiod.h` itself by compiling a
 * small C program (a wrong signature is a compile error there, not a crash on a booth).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../hal/clock.ts';
import { isDeviceError } from '../../hal/errors.ts';
import { GpioDoorLock, gpioDoorLockProps } from '../../drivers/gpio-door-lock/index.ts';
import { GpioSensors, gpioSensorsProps } from '../../drivers/gpio-sensors/index.ts';
import { GpioError, isGpioError } from '../../drivers/gpio/errors.ts';
import { libgpiod } from '../../drivers/gpio/libgpiod.ts';
import { EventType, Layout, LIBGPIOD_FUNCTIONS, LIBGPIOD_SONAME, LINE_BULK_MAX_LINES, RequestFlag, RequestType } from '../../drivers/gpio/protocol.ts';

/** Why the real library cannot be tested here, or undefined when it can. */
function libraryMissing(): string | undefined {
  try {
    libgpiod().load();
    return undefined;
  } catch (error) {
    if (isGpioError(error, 'ENOTSUP')) return `${error.message} — install it with \`make debs\` (gpiod, libgpiod2)`;
    throw error;
  }
}

const missing = libraryMissing();
const HEADER = '/usr/include/gpiod.h';
const hasCompiler = spawnSync('gcc', ['--version']).status === 0;

/** A chip name no machine has. */
const ABSENT = ['gpiochip999', '/dev/gpiochip999', 'booth-no-such-chip-label'];

describe('libgpiod v1 through koffi (the real library)', { skip: missing }, () => {
  it('loads nothing until asked, then libgpiod 1.x from libgpiod.so.2', () => {
    const binding = libgpiod();
    assert.equal(binding.loaded, false);
    const { version } = binding.load();
    assert.match(version, /^1\.\d+/);
    assert.equal(binding.loaded, true);
  });

  it('answers a chip that does not exist with ENODEV naming the chip and the errno', () => {
    const binding = libgpiod();
    for (const chip of ABSENT) {
      assert.throws(
        () => binding.openChip(chip),
        (error: unknown) => {
          assert.ok(error instanceof GpioError, String(error));
          assert.equal(error.code, 'ENODEV');
          assert.equal(error.errno, 'ENOENT');
          assert.ok(error.message.includes(`"${chip}"`), error.message);
          assert.match(error.message, /no such GPIO chip/);
          return true;
        },
      );
    }
  });

  it('answers a path that is not a GPIO chip with ENODEV (ENOTTY)', () => {
    assert.throws(
      () => libgpiod().openChip('/dev/null'),
      (error: unknown) => isGpioError(error, 'ENODEV') && error.errno === 'ENOTTY' && /not a GPIO character device/.test(error.message),
    );
  });

  it('lets a GPIO device on the real binding fail its open cleanly, and again, without a crash', async () => {
    const gpio = libgpiod();
    const context = (id: string, compatible: string) => ({ id, compatible, clock: systemClock });
    const door = new GpioDoorLock(context('door', 'gpio,door-lock'), gpioDoorLockProps.parse({ relay: { line: 17 } }), { gpio, chip: 'gpiochip999' });
    const sensors = new GpioSensors(context('sensors', 'gpio,sensors'), gpioSensorsProps.parse({ inputs: { 'exit-button': { line: 23, activeLow: true } } }), { gpio, chip: 'gpiochip999' });
    for (const device of [door, sensors]) {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        await assert.rejects(device.open({ timeoutMs: 2000 }), (error: unknown) => {
          assert.ok(isDeviceError(error, 'ENODEV'), String(error));
          assert.equal(error.deviceId, device.id);
          assert.match(error.message, /GPIO chip "gpiochip999": open: ENOENT \(no such GPIO chip\)/);
          return true;
        });
        assert.equal(device.state, 'closed');
        const health = await device.health();
        assert.equal(health.ok, false);
        assert.equal(health.lastError?.code, 'ENODEV');
      }
    }
    await assert.rejects(door.unlock(), (error: unknown) => isDeviceError(error, 'ENODEV'));
  });

  it('gets errno inside an async call\'s completion, as the binding\'s pool-thread calls rely on (koffi ≥ 3.2)', async () => {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const lookup = koffi.load(LIBGPIOD_SONAME).func(LIBGPIOD_FUNCTIONS.chipOpenLookup.name, 'void *', ['const char *']);
    let completed = false;
    const outcome = new Promise<{ result: unknown; errno: number }>((resolve, reject) => {
      lookup.async(ABSENT[0], (error: unknown, result: unknown) => {
        completed = true;
        if (error) reject(error);
        else resolve({ result, errno: koffi.errno() });
      });
    });
    assert.equal(completed, false, 'the call completes on a later turn, not inside the call');
    koffi.errno(0);
    const { result, errno } = await outcome;
    assert.equal(result, null);
    assert.equal(errno, koffi.os.errno.ENOENT);
  });

  it('lays the structs out as protocol.ts says (LP64)', () => {
    const layout = libgpiod().layout();
    assert.deepEqual(layout.timespec, { size: Layout.timespec.size, offsets: { tv_sec: Layout.timespec.tv_sec, tv_nsec: Layout.timespec.tv_nsec } });
    assert.deepEqual(layout.lineEvent, { size: Layout.lineEvent.size, offsets: { ts: Layout.lineEvent.ts, event_type: Layout.lineEvent.event_type } });
    assert.deepEqual(layout.lineBulk, { size: Layout.lineBulk.size, offsets: { lines: Layout.lineBulk.lines, num_lines: Layout.lineBulk.num_lines } });
  });
});

describe('gpiod.h against protocol.ts (compiled)', { skip: missing ?? (!hasCompiler ? 'no gcc' : !existsSync(HEADER) ? `no ${HEADER} (libgpiod-dev)` : undefined) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpiod-header-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Compiles (and links) `source`; returns the compiler's complaint, or undefined when it built. */
  const compile = (name: string, source: string): { error?: string; binary: string } => {
    const file = join(dir, `${name}.c`);
    const binary = join(dir, name);
    writeFileSync(file, source);
    const result = spawnSync('gcc', ['-std=c11', '-Werror', '-Wincompatible-pointer-types', '-o', binary, file, '-lgpiod'], { encoding: 'utf8' });
    return result.status === 0 ? { binary } : { error: result.stderr, binary };
  };

  /** A function pointer of exactly the signature the binding binds, initialised with the real function. */
  const pointers = Object.entries(LIBGPIOD_FUNCTIONS)
    .map(([key, { name, result, args }]) => `${result} (*const p_${key})(${args.length ? args.join(', ') : 'void'}) = ${name};`)
    .join('\n');

  it('declares every bound function with the signature the binding uses', () => {
    const built = compile('signatures', `#include <gpiod.h>\n${pointers}\nint main(void) { return p_getValue == 0; }\n`);
    assert.equal(built.error, undefined, built.error);
  });

  it('would notice a wrong signature (the check above can fail)', () => {
    const built = compile('wrong', `#include <gpiod.h>\nint (*const p)(struct gpiod_line *, int) = gpiod_line_get_value;\nint main(void) { return p == 0; }\n`);
    assert.ok(built.error, 'a wrong signature compiled');
  });

  it('has the constants and struct layouts of protocol.ts', () => {
    const fields: Array<[string, string]> = [
      ['DIRECTION_AS_IS', 'GPIOD_LINE_REQUEST_DIRECTION_AS_IS'],
      ['DIRECTION_INPUT', 'GPIOD_LINE_REQUEST_DIRECTION_INPUT'],
      ['DIRECTION_OUTPUT', 'GPIOD_LINE_REQUEST_DIRECTION_OUTPUT'],
      ['EVENT_FALLING_EDGE', 'GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE'],
      ['EVENT_RISING_EDGE', 'GPIOD_LINE_REQUEST_EVENT_RISING_EDGE'],
      ['EVENT_BOTH_EDGES', 'GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES'],
      ['OPEN_DRAIN', 'GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN'],
      ['OPEN_SOURCE', 'GPIOD_LINE_REQUEST_FLAG_OPEN_SOURCE'],
      ['ACTIVE_LOW', 'GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW'],
      ['BIAS_DISABLE', 'GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE'],
      ['BIAS_PULL_DOWN', 'GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN'],
      ['BIAS_PULL_UP', 'GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP'],
      ['RISING_EDGE', 'GPIOD_LINE_EVENT_RISING_EDGE'],
      ['FALLING_EDGE', 'GPIOD_LINE_EVENT_FALLING_EDGE'],
      ['BULK_MAX', 'GPIOD_LINE_BULK_MAX_LINES'],
      ['timespec_size', 'sizeof(struct timespec)'],
      ['timespec_tv_sec', 'offsetof(struct timespec, tv_sec)'],
      ['timespec_tv_nsec', 'offsetof(struct timespec, tv_nsec)'],
      ['event_size', 'sizeof(struct gpiod_line_event)'],
      ['event_ts', 'offsetof(struct gpiod_line_event, ts)'],
      ['event_type', 'offsetof(struct gpiod_line_event, event_type)'],
      ['bulk_size', 'sizeof(struct gpiod_line_bulk)'],
      ['bulk_lines', 'offsetof(struct gpiod_line_bulk, lines)'],
      ['bulk_num_lines', 'offsetof(struct gpiod_line_bulk, num_lines)'],
    ];
    const prints = fields.map(([key, expression], index) => `printf("%s\\"${key}\\":%ld", "${index ? ',' : '{'}", (long)(${expression}));`).join('\n  ');
    const built = compile('constants', `#include <gpiod.h>\n#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n  ${prints}\n  printf("}\\n");\n  return 0;\n}\n`);
    assert.equal(built.error, undefined, built.error);
    const header = JSON.parse(execFileSync(built.binary, { encoding: 'utf8' })) as Record<string, number>;
    assert.deepEqual(
      {
        DIRECTION_AS_IS: header.DIRECTION_AS_IS,
        DIRECTION_INPUT: header.DIRECTION_INPUT,
        DIRECTION_OUTPUT: header.DIRECTION_OUTPUT,
        EVENT_FALLING_EDGE: header.EVENT_FALLING_EDGE,
        EVENT_RISING_EDGE: header.EVENT_RISING_EDGE,
        EVENT_BOTH_EDGES: header.EVENT_BOTH_EDGES,
      },
      RequestType,
    );
    assert.deepEqual(
      {
        OPEN_DRAIN: header.OPEN_DRAIN,
        OPEN_SOURCE: header.OPEN_SOURCE,
        ACTIVE_LOW: header.ACTIVE_LOW,
        BIAS_DISABLE: header.BIAS_DISABLE,
        BIAS_PULL_DOWN: header.BIAS_PULL_DOWN,
        BIAS_PULL_UP: header.BIAS_PULL_UP,
      },
      RequestFlag,
    );
    assert.deepEqual({ RISING_EDGE: header.RISING_EDGE, FALLING_EDGE: header.FALLING_EDGE }, EventType);
    assert.equal(header.BULK_MAX, LINE_BULK_MAX_LINES);
    assert.deepEqual(
      {
        timespec: { size: header.timespec_size, tv_sec: header.timespec_tv_sec, tv_nsec: header.timespec_tv_nsec },
        lineEvent: { size: header.event_size, ts: header.event_ts, event_type: header.event_type },
        lineBulk: { size: header.bulk_size, lines: header.bulk_lines, num_lines: header.bulk_num_lines },
      },
      Layout,
    );
  });
});
