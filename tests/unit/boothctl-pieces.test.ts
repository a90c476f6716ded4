/**
 * The smaller pieces boothctl is built from: "did you mean", name=value arguments, terminal
 * output rules, the daemon's recent-log buffer (alone and fed by the real logger), and the
 * device actions run against real simulator devices on a fake clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { crc32, inflateSync } from 'node:zlib';
import type { DeviceClass } from '../../hal/index.ts';
import { UsageError } from '../../runtime/boothctl/command.ts';
import { parsePairs } from '../../runtime/boothctl/commands/device.ts';
import { formatBytes, formatDuration, Terminal, visibleLength, wantsColour, type Output } from '../../runtime/boothctl/terminal.ts';
import { editDistance, nearestName } from '../../runtime/control/nearest-name.ts';
import { actionsOf, runDeviceAction } from '../../runtime/devices/device-actions.ts';
import { AUDIT_LEVEL, createLogger } from '../../runtime/logging/logger.ts';
import { RecentLogs } from '../../runtime/logging/recent-logs.ts';
import { SimDoorLock } from '../../simulator/devices/sim-door-lock.ts';
import { SimFingerprintScanner, simFingerprintProps } from '../../simulator/devices/sim-fingerprint.ts';
import { SimLighting, simLightingProps } from '../../simulator/devices/sim-lighting.ts';
import { FakeClock } from '../support/fake-clock.ts';

class FakeOutput implements Output {
  text = '';
  writes: string[] = [];
  readonly isTTY: boolean;
  constructor(isTTY: boolean) {
    this.isTTY = isTTY;
  }
  write(text: string): void {
    this.writes.push(text);
    this.text += text;
  }
}

const strip = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

describe('nearestName', () => {
  const commands = ['status', 'doctor', 'device', 'outbox', 'tail', 'logs', 'config', 'bundle', 'keys', 'door', 'sim', 'call', 'completion'];

  it('finds the name a typo was meant to be', () => {
    assert.equal(nearestName('stauts', commands), 'status');
    assert.equal(nearestName('devcie', commands), 'device');
    assert.equal(nearestName('outbx', commands), 'outbox');
    assert.equal(nearestName('STATUS', commands), 'status', 'case does not count');
    assert.equal(nearestName('scaner', ['door', 'lights', 'scanner', 'camera']), 'scanner');
  });

  it('offers nothing for a word unlike every name', () => {
    for (const word of ['frobnicate', 'banana', 'xyzzy', 'reboot-everything']) assert.equal(nearestName(word, commands), undefined, word);
    assert.equal(nearestName('status', []), undefined);
    assert.equal(nearestName('fi', ['door', 'fingerprint', 'lights']), undefined, 'two letters are too few for a prefix match');
  });

  it('falls back to a prefix of at least three letters when the edit distance is too large', () => {
    assert.equal(nearestName('finger', ['door', 'fingerprint', 'lights']), 'fingerprint');
    assert.equal(nearestName('compl', commands), 'completion');
  });

  it('editDistance is the Levenshtein distance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('stauts', 'status'), 2);
  });
});

describe('parsePairs', () => {
  it('turns name=value words into numbers, booleans and strings', () => {
    assert.deepEqual(parsePairs(['level=40', 'channel=key', 'on=true', 'off=false', 'offset=-1.5', 'note=', 'expr=a=b', 'slap=left-four']), {
      level: 40,
      channel: 'key',
      on: true,
      off: false,
      offset: -1.5,
      note: '',
      expr: 'a=b',
      slap: 'left-four',
    });
    assert.deepEqual(parsePairs([]), {});
    assert.equal(parsePairs(['level=Infinity']).level, 'Infinity', 'a non-finite number stays text');
    assert.equal(parsePairs(['reason=007']).reason, '007', 'leading zeros stay text (a reason, a code)');
    assert.equal(parsePairs(['level=0x10']).level, '0x10');
    assert.equal(parsePairs(['level= ']).level, ' ');
  });

  it('rejects a word that is not name=value with a usage error naming it', () => {
    for (const bad of ['level', '=40', '']) {
      assert.throws(
        () => parsePairs(['channel=key', bad]),
        (error: unknown) => error instanceof UsageError && error.message === `expected name=value, got "${bad}"`,
        bad,
      );
    }
  });
});

describe('terminal', () => {
  it('wantsColour: a terminal gets colour unless NO_COLOR is set or TERM is dumb; --color wins', () => {
    const tty = new FakeOutput(true);
    const pipe = new FakeOutput(false);
    assert.equal(wantsColour(tty, {}, undefined), true);
    assert.equal(wantsColour(tty, {}, 'auto'), true);
    assert.equal(wantsColour(pipe, {}, undefined), false);
    assert.equal(wantsColour({ write: () => undefined }, {}, undefined), false, 'no isTTY at all is not a terminal');
    assert.equal(wantsColour(tty, { NO_COLOR: '1' }, undefined), false);
    assert.equal(wantsColour(tty, { NO_COLOR: '' }, undefined), true, 'an empty NO_COLOR does not count (no-color.org)');
    assert.equal(wantsColour(tty, { TERM: 'dumb' }, undefined), false);
    assert.equal(wantsColour(tty, { TERM: 'xterm-256color' }, undefined), true);
    assert.equal(wantsColour(pipe, { NO_COLOR: '1', TERM: 'dumb' }, 'always'), true);
    assert.equal(wantsColour(tty, {}, 'never'), false);
  });

  it('paint wraps text in ANSI codes only when colour is on', () => {
    assert.equal(new Terminal(new FakeOutput(true), new FakeOutput(true), true).paint('red', 'FAIL'), '\u001b[31mFAIL\u001b[39m');
    assert.equal(new Terminal(new FakeOutput(true), new FakeOutput(true), false).paint('red', 'FAIL'), 'FAIL');
  });

  it('table pads columns to the widest visible cell, ignoring colour codes, and does not pad the last column', () => {
    const out = new FakeOutput(true);
    const term = new Terminal(out, new FakeOutput(true), true);
    const red = term.paint('red', 'ab');
    assert.equal(visibleLength(red), 2);
    term.table(
      [
        [red, term.paint('bold', 'x'), 'end'],
        ['abcd', 'yy', 'z'],
        ['a', '', ''],
      ],
      '  ',
    );
    const lines = out.text.split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map(strip), ['  ab    x   end', '  abcd  yy  z', '  a']);
    // The padding sits outside the colour codes, so colour does not bleed into the gap.
    assert.ok(lines[0]!.startsWith(`  ${red}  `), JSON.stringify(lines[0]));
  });

  it('progress rewrites one line on a terminal and writes nothing when piped; progressDone always leaves the final line', () => {
    const tty = new FakeOutput(true);
    const onTty = new Terminal(tty, new FakeOutput(true), false);
    onTty.progress('opening scanner');
    onTty.progress('capturing');
    onTty.progressDone('scanner ok');
    assert.deepEqual(tty.writes, ['\r\u001b[2K… opening scanner', '\r\u001b[2K… capturing', '\r\u001b[2K', 'scanner ok\n']);

    const pipe = new FakeOutput(false);
    const piped = new Terminal(pipe, new FakeOutput(false), false);
    piped.progress('opening scanner');
    piped.progressDone('scanner ok');
    assert.equal(pipe.text, 'scanner ok\n');
  });

  it('formatDuration picks the two largest useful units', () => {
    assert.equal(formatDuration(0), '0 s');
    assert.equal(formatDuration(59_999), '59 s');
    assert.equal(formatDuration(60_000), '1 min 0 s');
    assert.equal(formatDuration(3_599_000), '59 min 59 s');
    assert.equal(formatDuration(3_661_000), '1 h 1 min');
    assert.equal(formatDuration(47 * 3_600_000 + 59 * 60_000), '47 h 59 min');
    assert.equal(formatDuration(48 * 3_600_000), '2 d 0 h');
    assert.equal(formatDuration(10 * 86_400_000 + 5 * 3_600_000), '10 d 5 h');
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(formatDuration(bad), '?');
  });

  it('formatBytes uses binary units with one decimal above bytes', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1.0 KiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
    assert.equal(formatBytes(1024 ** 5), '1024.0 TiB', 'TiB is the largest unit');
    assert.equal(formatBytes(Number.NaN), '?');
  });
});

describe('recent logs', () => {
  const line = (level: number, msg: string, component?: string) => `${JSON.stringify({ level, time: '2026-11-27T09:00:00.000Z', msg, ...(component ? { component } : {}) })}\n`;

  function filled(): RecentLogs {
    const logs = new RecentLogs();
    logs.write(line(20, 'debug detail', 'devices'));
    logs.write(line(30, 'door opened', 'door'));
    logs.write(line(AUDIT_LEVEL, 'door.locked', 'door'));
    logs.write(line(40, 'broker slow', 'sparkplug'));
    logs.write(line(50, 'camera lost', 'devices'));
    logs.write('not json at all');
    logs.write(line(60, 'out of disk'));
    return logs;
  }

  it('filters by level and above, audit sitting between info and warn', () => {
    const logs = filled();
    const messages = (query: Parameters<RecentLogs['query']>[0]) => logs.query(query).map((entry) => entry.msg);
    assert.deepEqual(messages({}), ['debug detail', 'door opened', 'door.locked', 'broker slow', 'camera lost', 'out of disk']);
    assert.deepEqual(messages({ level: 'info' }), ['door opened', 'door.locked', 'broker slow', 'camera lost', 'out of disk']);
    assert.deepEqual(messages({ level: 'audit' }), ['door.locked', 'broker slow', 'camera lost', 'out of disk']);
    assert.deepEqual(messages({ level: 'warn' }), ['broker slow', 'camera lost', 'out of disk']);
    assert.deepEqual(messages({ level: 'fatal' }), ['out of disk']);
  });

  it('filters by component, and keeps the newest lines up to the limit', () => {
    const logs = filled();
    assert.deepEqual(logs.query({ component: 'door' }).map((entry) => entry.msg), ['door opened', 'door.locked']);
    assert.deepEqual(logs.query({ component: 'devices', level: 'warn' }).map((entry) => entry.msg), ['camera lost']);
    assert.deepEqual(logs.query({ component: 'nobody' }), []);
    assert.deepEqual(logs.query({ limit: 2 }).map((entry) => entry.msg), ['camera lost', 'out of disk']);
    assert.deepEqual(logs.query({ component: 'door', limit: 1 }).map((entry) => entry.msg), ['door.locked']);
  });

  it('an unknown level is a RangeError listing the levels', () => {
    assert.throws(() => filled().query({ level: 'loud' }), (error: unknown) => error instanceof RangeError && /unknown level "loud"; levels: trace, debug, info, audit, warn, error, fatal/.test(error.message));
  });

  it('keeps at most its capacity, dropping the oldest lines first', () => {
    const logs = new RecentLogs(10);
    for (let i = 0; i < 137; i += 1) logs.write(line(30, `line ${i}`));
    const kept = logs.query({ limit: 1000 }).map((entry) => entry.msg);
    assert.deepEqual(kept, Array.from({ length: 10 }, (_, i) => `line ${127 + i}`));
    // The default limit is 200 of the newest lines.
    const big = new RecentLogs(500);
    for (let i = 0; i < 300; i += 1) big.write(line(30, `n${i}`));
    const defaults = big.query();
    assert.equal(defaults.length, 200);
    assert.equal(defaults[0]?.msg, 'n100');
  });

  it('is fed by the real logger through its tee: every emitted line, the level already applied, binary withheld', () => {
    const recent = new RecentLogs();
    const main: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        main.push(...chunk.toString('utf8').split('\n').filter((text) => text !== ''));
        callback();
      },
    });
    const logger = createLogger({ level: 'info', pretty: false, destination, tee: recent });
    logger.debug('below the logger level');
    logger.child({ component: 'door' }).audit({ event: 'door.locked', reason: 'session' }, 'door.locked');
    logger.child({ component: 'captures' }).info({ png: new Uint8Array(4096).fill(0x41), nested: { jpeg: Buffer.alloc(10) } }, 'test capture');
    logger.warn('broker slow');

    const all = recent.query();
    assert.deepEqual(all.map((entry) => entry.msg), ['door.locked', 'test capture', 'broker slow']);
    assert.equal(all.length, main.length, 'the tee got a different number of lines than the main destination');
    const door = recent.query({ component: 'door' });
    assert.equal(door.length, 1);
    assert.equal(door[0]?.level, AUDIT_LEVEL);
    assert.equal(door[0]?.reason, 'session');
    assert.equal(typeof door[0]?.time, 'string');
    const capture = recent.query({ component: 'captures' })[0]!;
    assert.equal(capture.png, '[4096 bytes withheld]');
    assert.deepEqual(capture.nested, { jpeg: '[10 bytes withheld]' });
    assert.ok(!JSON.stringify(all).includes('AAAA'), 'image bytes reached the recent-log buffer');
    assert.deepEqual(recent.query({ level: 'audit' }).map((entry) => entry.msg), ['door.locked', 'broker slow']);
  });

  it('gets JSON lines even when the terminal gets pretty ones', () => {
    const recent = new RecentLogs();
    let pretty = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        pretty += chunk.toString('utf8');
        callback();
      },
    });
    const logger = createLogger({ level: 'info', pretty: true, destination, tee: recent });
    logger.child({ component: 'door' }).audit({ event: 'door.released' }, 'door released');
    assert.deepEqual(recent.query().map((entry) => [entry.level, entry.component, entry.msg]), [[AUDIT_LEVEL, 'door', 'door released']]);
    assert.match(strip(pretty), /\[door\] door released/);
  });
});

describe('device actions on simulator devices', () => {
  const clock = new FakeClock();
  let dir: string;
  let door: SimDoorLock;
  let lights: SimLighting;
  let scanner: SimFingerprintScanner;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'device-actions-'));
    door = new SimDoorLock({ id: 'door', compatible: 'sim,door-lock', clock }, { stateFile: join(dir, 'door.json'), latencyMs: 2, serial: 'T-LOCK' });
    lights = new SimLighting({ id: 'lights', compatible: 'sim,lighting', clock }, simLightingProps.parse({ latencyMs: 1 }));
    scanner = new SimFingerprintScanner({ id: 'scanner', compatible: 'sim,fingerprint', clock }, simFingerprintProps.parse({ latencyMs: 2, placeDelayMs: 20, previewFrames: 1 }));
    for (const device of [door, lights, scanner]) await clock.drive(device.open({ timeoutMs: 5000 }));
  });

  after(async () => {
    for (const device of [door, lights, scanner]) await clock.drive(device.close());
    rmSync(dir, { recursive: true, force: true });
  });

  describe('lighting', () => {
    it('refuses a level outside 0–100, naming the range, and changes nothing', async () => {
      const before = await clock.drive(lights.levels());
      for (const level of [150, -1, 'bright', undefined]) {
        await assert.rejects(
          clock.drive(runDeviceAction(lights, 'light', level === undefined ? {} : { level })),
          (error: unknown) => error instanceof RangeError && error.message.includes('0–100') && error.message.includes(JSON.stringify(level) ?? 'undefined'),
          String(level),
        );
      }
      assert.deepEqual(await clock.drive(lights.levels()), before);
    });

    it('refuses an unknown channel, listing the channels', async () => {
      await assert.rejects(
        clock.drive(runDeviceAction(lights, 'light', { level: 40, channel: 'disco' })),
        (error: unknown) => error instanceof RangeError && error.message === 'no channel "disco" on lights; channels: key, fill, ambient, scanner',
      );
    });

    it('sets one channel, or all, and levels shows the result', async () => {
      const set = await clock.drive(runDeviceAction(lights, 'light', parsePairs(['level=40', 'channel=key'])));
      assert.deepEqual(set.data, { levels: { key: 40, fill: 0, ambient: 0, scanner: 0 } });
      const shown = await clock.drive(runDeviceAction(lights, 'levels', {}));
      assert.equal(shown.summary, 'key=40% fill=0% ambient=0% scanner=0%');
      assert.deepEqual(shown.data, { levels: { key: 40, fill: 0, ambient: 0, scanner: 0 } });

      await clock.drive(runDeviceAction(lights, 'light', { level: 15 }));
      assert.deepEqual(await clock.drive(lights.levels()), { key: 15, fill: 15, ambient: 15, scanner: 15 });
      // Text, blank or true is not a level, even where Number() would make one of it.
      for (const level of ['15', '', ' ', true]) {
        await assert.rejects(clock.drive(runDeviceAction(lights, 'light', { level })), /level must be a number 0–100/, JSON.stringify(level));
      }
      assert.deepEqual(await clock.drive(lights.levels()), { key: 15, fill: 15, ambient: 15, scanner: 15 });
      const scene = await clock.drive(runDeviceAction(lights, 'scene', { name: 'portrait' }));
      assert.equal(scene.summary, 'key=90% fill=70% ambient=50% scanner=0%');
      await assert.rejects(clock.drive(runDeviceAction(lights, 'scene', { name: 'party' })), /no scene "party" on lights; scenes: off, idle, welcome, fingerprint, portrait/);
    });
  });

  describe('door lock', () => {
    it('without a door guard locks, holds for the injected sleep, then releases', async () => {
      const slept: number[] = [];
      const boltDuringHold: string[] = [];
      const result = await clock.drive(
        runDeviceAction(door, 'lock', {}, {
          holdMs: 2500,
          sleep: async (ms) => {
            slept.push(ms);
            boltDuringHold.push(door.physicalBolt);
          },
        }),
      );
      assert.deepEqual(slept, [2500]);
      assert.deepEqual(boltDuringHold, ['locked']);
      assert.equal(door.physicalBolt, 'unlocked');
      assert.equal(result.summary, 'bolt locked for 2.5 s, then released');
      assert.deepEqual(result.data, { bolt: 'locked', contact: 'closed', heldMs: 2500 });
    });

    it('releases the door even when the hold is cut short', async () => {
      await assert.rejects(
        clock.drive(
          runDeviceAction(door, 'lock', {}, {
            holdMs: 60_000,
            sleep: async () => {
              assert.equal(door.physicalBolt, 'locked');
              throw new Error('interrupted');
            },
          }),
        ),
        /interrupted/,
      );
      assert.equal(door.physicalBolt, 'unlocked');
    });

    it('with a door guard goes through the guard (and its audit), not straight to the bolt', async () => {
      const calls: string[] = [];
      const guard = {
        lock: async (reason: string) => void calls.push(`lock: ${reason}`),
        release: async (reason: string) => void calls.push(`release: ${reason}`),
      };
      const locked = await clock.drive(runDeviceAction(door, 'lock', { reason: 'cable check' }, { door: guard, sleep: async () => assert.fail('must not hold') }));
      const released = await clock.drive(runDeviceAction(door, 'unlock', {}, { door: guard }));
      assert.deepEqual(calls, ['lock: cable check', 'release: technician (boothctl)']);
      assert.equal(locked.summary, 'bolt unlocked, door closed', 'the guard is a fake here, so the bolt never moved');
      assert.equal(released.summary, 'bolt unlocked, door closed');
    });

    it('names every object has ("constructor", "toString") are unknown actions too, not crashes', async () => {
      for (const action of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        await assert.rejects(runDeviceAction(door, action, {}), /unknown action .* actions: status, lock, unlock, info, reset/, action);
      }
    });

    it('an unknown action is an error listing the actions of the class', async () => {
      await assert.rejects(
        clock.drive(runDeviceAction(door, 'light', { level: 40 })),
        (error: unknown) => error instanceof RangeError && error.message === 'unknown action "light" for door (door-lock); actions: status, lock, unlock, info, reset',
      );
    });

    it('status, info and reset answer from the device', async () => {
      assert.equal((await clock.drive(runDeviceAction(door, 'status', {}))).summary, 'bolt unlocked, door closed');
      const info = await clock.drive(runDeviceAction(door, 'info', {}));
      assert.match(info.summary, /^ready, healthy/);
      const reset = await clock.drive(runDeviceAction(door, 'reset', {}));
      assert.match(reset.summary, /^re-opened: SimLock FS-1 \(fail-safe\), serial T-LOCK, firmware /);
      assert.equal(door.state, 'ready');
      let reopened = 0;
      const viaManager = await clock.drive(
        runDeviceAction(door, 'reset', {}, {
          reopen: async () => {
            reopened += 1;
            return { model: 'M', serial: 'S', firmware: 'F' };
          },
        }),
      );
      assert.equal(reopened, 1);
      assert.equal(viaManager.summary, 're-opened: M, serial S, firmware F');
    });
  });

  describe('fingerprint', () => {
    it('capture-test returns a PNG of the slap and the quality of each finger', async () => {
      scanner.setAllFingersQuality(70);
      scanner.setFingerQuality(7, 92);
      scanner.setFingerQuality(10, 15);
      const result = await clock.drive(runDeviceAction(scanner, 'capture-test', parsePairs(['slap=left-four'])));
      const data = result.data as { fingers: Array<{ position: number; quality: number }>; width: number; height: number; ppi: number; live: boolean };
      assert.deepEqual(
        [...data.fingers].sort((a, b) => a.position - b.position),
        [
          { position: 7, quality: 92 },
          { position: 8, quality: 70 },
          { position: 9, quality: 70 },
          { position: 10, quality: 15 },
        ],
      );
      assert.equal(data.ppi, 500);
      assert.equal(data.live, true);
      assert.match(result.summary, /^left .*finger 7 quality 92.*finger 10 quality 15.*; live=true$/);

      assert.equal(result.file?.format, 'png');
      const png = Buffer.from(result.file!.bytes);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const chunks = readPngChunks(png);
      assert.deepEqual(chunks.map((chunk) => chunk.type), ['IHDR', 'IDAT', 'IEND']);
      const ihdr = chunks[0]!.data;
      assert.equal(ihdr.readUInt32BE(0), data.width);
      assert.equal(ihdr.readUInt32BE(4), data.height);
      assert.equal(ihdr[8], 8, 'bit depth');
      assert.equal(ihdr[9], 0, 'grayscale');
      const raw = inflateSync(Buffer.concat(chunks.filter((chunk) => chunk.type === 'IDAT').map((chunk) => chunk.data)));
      assert.equal(raw.length, data.height * (data.width + 1));
    });

    it('capture-test refuses a slap that does not exist', async () => {
      await assert.rejects(clock.drive(runDeviceAction(scanner, 'capture-test', { slap: 'left-five' })), /slap must be one of right-four, left-four, two-thumbs; got "left-five"/);
    });
  });

  it('actionsOf lists each class\'s own actions plus info and reset, each described', () => {
    const door = actionsOf('door-lock');
    for (const name of ['lock', 'unlock', 'status', 'info', 'reset']) assert.ok(name in door, name);
    assert.deepEqual(Object.keys(door), ['status', 'lock', 'unlock', 'info', 'reset']);
    assert.deepEqual(Object.keys(actionsOf('lighting')), ['levels', 'light', 'scene', 'info', 'reset']);
    assert.ok(!('lock' in actionsOf('lighting')));
    const classes: DeviceClass[] = ['door-lock', 'lighting', 'fingerprint', 'camera', 'signature-pad', 'sensors', 'document-reader'];
    for (const deviceClass of classes) {
      for (const [name, describe] of Object.entries(actionsOf(deviceClass))) assert.ok(describe.length > 10, `${deviceClass} ${name} has no description`);
    }
  });
});

/** The chunks of a PNG, each CRC-checked. */
function readPngChunks(png: Buffer): Array<{ type: string; data: Buffer }> {
  const chunks: Array<{ type: string; data: Buffer }> = [];
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    assert.equal(png.readUInt32BE(offset + 8 + length), crc32(png.subarray(offset + 4, offset + 8 + length)) >>> 0, `${type} CRC`);
    chunks.push({ type, data });
    offset += 12 + length;
  }
  assert.equal(offset, png.length, 'trailing bytes after IEND');
  return chunks;
}
