/**
 * The twin behaviours booth-rig's wire booth (`devices: wire`) plays, on real socat PTY pairs
 * with a raw serial port as the host: a line-protocol twin answering one request with garbage, a
 * Firmata board whose hung firmware is cured by powering up again, and WireBooth's faults on the
 * lines of config/booth.example.yaml (unplug, replug, hang, slow, garbage, what a StandardFirmata
 * board cannot do, the whole booth's power) with every socat gone after close.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { SerialPort } from 'serialport';
import { encodeRequest } from '../../drivers/line-protocol/framing.ts';
import { FirmataBoardTwin } from '../../simulator/wire/firmata-board-twin.ts';
import { PtyPair } from '../../simulator/wire/pty-pair.ts';
import { SignaturePadTwin } from '../../simulator/wire/signature-pad-twin.ts';
import { WireBooth } from '../../simulator/wire/wire-booth.ts';
import { wireFaultRefusal } from '../../simulator/wire/twin-faults.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'wire-twins-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function folder(name: string): string {
  mkdirSync(join(dir, name), { recursive: true });
  return join(dir, name);
}

/** A raw host on the driver end: what it wrote and everything it read back. */
async function host(path: string, baudRate: number) {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((done, fail) => port.open((error) => (error ? fail(error) : done())));
  let received = Buffer.alloc(0);
  port.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  port.on('error', () => undefined);
  return {
    write: (bytes: string | number[]) => port.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes)),
    received: () => received,
    clear: () => (received = Buffer.alloc(0)),
    /** Resolves once what was read satisfies `done`, or rejects after `limitMs`. */
    until: async (done: (bytes: Buffer) => boolean, what: string, limitMs = 3000) => {
      const deadline = Date.now() + limitMs;
      while (!done(received)) {
        if (Date.now() > deadline) throw new Error(`no ${what} within ${limitMs} ms; got ${JSON.stringify(received.toString('latin1'))}`);
        await new Promise((tick) => setTimeout(tick, 10));
      }
    },
    close: () => new Promise<void>((done) => (port.isOpen ? port.close(() => done()) : done())),
  };
}

const REPORT_VERSION = 0xf9;
const hasVersionReport = (bytes: Buffer) => bytes.includes(Buffer.from([REPORT_VERSION, 2, 5]));

describe('LineTwin.garbleNextAnswer', () => {
  it('answers the next request with bytes that are not the protocol, and the one after it properly', async () => {
    const pad = new SignaturePadTwin(await PtyPair.open(folder('pad')), { autoSign: false });
    await pad.attach();
    const line = await host(pad.pair.driverPath, 115_200);
    try {
      line.write(`${encodeRequest(1, 'HELLO', { proto: 'BSP/1.0' })}\r\n`);
      await line.until((bytes) => bytes.includes('$1 OK proto=BSP/1.0'), 'HELLO answer');
      line.clear();
      pad.garbleNextAnswer();
      line.write(`${encodeRequest(2, 'IDLE')}\r\n`);
      await line.until((bytes) => bytes.includes('\n'), 'a line in place of the IDLE answer');
      const garbled = line.received().toString('latin1');
      assert.equal(garbled.includes('$'), false, 'no frame start: the host can only discard it');
      assert.equal(garbled.includes('$2 '), false);
      line.clear();
      line.write(`${encodeRequest(3, 'IDLE')}\r\n`);
      await line.until((bytes) => bytes.includes('$3 OK'), 'the next answer');
    } finally {
      await line.close();
      await pad.close();
    }
  });
});

describe('FirmataBoardTwin power-up', () => {
  it('ends a hung firmware: silent until rebooted or replugged, then answering again', async () => {
    const twin = await FirmataBoardTwin.start(await PtyPair.open(folder('board')));
    let board = await host(twin.pair.driverPath, 57_600);
    try {
      board.write([REPORT_VERSION]);
      await board.until(hasVersionReport, 'the version report');
      board.clear();
      twin.goSilent(true);
      board.write([REPORT_VERSION]);
      await new Promise((tick) => setTimeout(tick, 200));
      assert.equal(board.received().length, 0, 'a hung board answers nothing');
      twin.reboot();
      await board.until(hasVersionReport, 'the announcement after the reboot');
      board.clear();
      board.write([REPORT_VERSION]);
      await board.until(hasVersionReport, 'an answer after the reboot');

      twin.goSilent(true);
      await board.close();
      await twin.unplug();
      await twin.replug();
      board = await host(twin.pair.driverPath, 57_600);
      board.write([REPORT_VERSION]);
      await board.until(hasVersionReport, 'an answer after a replug');
    } finally {
      await board.close();
      await twin.close();
      await twin.pair.close();
    }
  });
});

describe('WireBooth', () => {
  it('plays the faults of booth-rig on the lines of the example booth, and its power', async () => {
    const text = readFileSync(join(ROOT, 'config', 'booth.example.yaml'), 'utf8');
    const socats: number[] = [];
    const booth = WireBooth.fromManifest(text, 'booth.example.yaml', { ptyDir: join(dir, 'booth'), onSocat: (socat) => socats.push(socat.pid!) });
    await booth.start();
    const io = booth.lineOf('door')!;
    const padLine = booth.lineOf('pad')!;
    try {
      assert.deepEqual(booth.plan.lines.map((line) => line.kind).sort(), ['dmx', 'env-sensor', 'firmata', 'signature-pad']);
      assert.equal(booth.lineOf('sensors'), io, 'the lock and the sensors share the I/O board');
      assert.equal(booth.doorBoard?.line, io);

      // What a StandardFirmata board cannot play, and what it can.
      assert.match(wireFaultRefusal('firmata', 'fail-next', 'EIO') ?? '', /no error answers/);
      assert.equal(wireFaultRefusal('firmata', 'fail-next', 'EBADMSG'), undefined);
      assert.equal(wireFaultRefusal('signature-pad', 'fail-next', 'EIO'), undefined);
      await assert.rejects(booth.fault(io.path, 'fail-next', { code: 'EIO' }), /no error answers/);

      // The board: garbage, a hung firmware cured by the replug (a power cycle).
      const board = await host(booth.driverEnd(io.path), 57_600);
      board.write([REPORT_VERSION]);
      await board.until(hasVersionReport, 'the version report');
      board.clear();
      assert.match(await booth.fault(io.path, 'fail-next', { code: 'EBADMSG' }), /garbage/);
      await board.until((bytes) => bytes.length >= 13, 'the garbage');
      await booth.fault(io.path, 'hang');
      board.clear();
      board.write([REPORT_VERSION]);
      await new Promise((tick) => setTimeout(tick, 200));
      assert.equal(board.received().length, 0, 'the hung board answers nothing');
      await board.close();
      await booth.fault(io.path, 'replug');
      const again = await host(booth.driverEnd(io.path), 57_600);
      again.write([REPORT_VERSION]);
      await again.until(hasVersionReport, 'an answer after the replug');
      await again.close();

      // The pad: slow, then unplugged and back.
      const pad = await host(booth.driverEnd(padLine.path), 115_200);
      await booth.fault(padLine.path, 'slow', { latencyMs: 300 });
      const sent = Date.now();
      pad.write(`${encodeRequest(1, 'HELLO', { proto: 'BSP/1.0' })}\r\n`);
      await pad.until((bytes) => bytes.includes('$1 OK'), 'the slow HELLO answer');
      assert.ok(Date.now() - sent >= 250, `answered after ${Date.now() - sent} ms`);
      await pad.close();
      await booth.fault(padLine.path, 'unplug');
      assert.equal(booth.pairs.get(padLine.path)!.connected, false);
      assert.equal(booth.pads[0]!.twin.attached, false);
      await booth.fault(padLine.path, 'replug');
      assert.equal(booth.pads[0]!.twin.attached, true);

      // The booth's power: every line goes, the relay (and so the bolt) drops; then every line is back.
      await booth.powerOff();
      assert.deepEqual([...booth.pairs.values()].map((pair) => pair.connected), [false, false, false, false]);
      assert.equal(booth.doorBoard!.twin.powered, false);
      assert.equal(booth.doorBoard!.rig.physicalBolt, 'unlocked');
      await booth.powerOn();
      assert.deepEqual([...booth.pairs.values()].map((pair) => pair.connected), [true, true, true, true]);
      assert.equal(booth.doorBoard!.twin.powered, true);
    } finally {
      await booth.close();
    }
    await new Promise((tick) => setTimeout(tick, 100));
    const alive = socats.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, [], 'every socat is gone');
  });
});
