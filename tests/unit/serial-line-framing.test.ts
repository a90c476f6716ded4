/**
 * The line protocols' pure parts: CRC-8, framing and percent-encoding, the line-length guard,
 * the BSP/BES field parsers, the signature renderer — and every example line in the two
 * protocol documents, so the docs cannot drift from the code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { parseReading } from '../../drivers/booth-serial-env-sensor/protocol.ts';
import { parseHello, parsePen, promptFields } from '../../drivers/booth-serial-signature-pad/protocol.ts';
import { halCodeOf } from '../../drivers/line-protocol/errors.ts';
import {
  crc8,
  decodeLine,
  decodeText,
  encodeRequest,
  encodeText,
  frameLine,
  MAX_LINE_BYTES,
  parseProtocolVersion,
} from '../../drivers/line-protocol/framing.ts';
import { LineGuard } from '../../drivers/line-protocol/line-guard.ts';
import { renderSignature } from '../../protocols/imaging/signature-image.ts';

const ROOT = join(import.meta.dirname, '../..');

/** `$…*HH` at the start of a line, or after a transcript's `> ` / `< `. */
function exampleLines(doc: string): string[] {
  const text = readFileSync(join(ROOT, 'docs/protocols', doc), 'utf8');
  return [...text.matchAll(/^(?:[<>] )?(\$[^\s`]*(?: [^\s`]+)*\*[0-9A-F]{2})$/gm)].map((match) => match[1] as string);
}

const decodeOk = (line: string) => {
  const decoded = decodeLine(line);
  assert.ok('frame' in decoded, `${line}: ${'bad' in decoded ? decoded.bad : 'empty'}`);
  return decoded.frame;
};

const badReason = (line: string) => {
  const decoded = decodeLine(line);
  assert.ok('bad' in decoded, `${line} was accepted`);
  return decoded.bad;
};

describe('CRC-8/SMBUS and framing', () => {
  it('has the catalogue check value and frames lines as $body*HH CR LF', () => {
    assert.equal(crc8('123456789'), 0xf4);
    assert.equal(crc8(''), 0);
    assert.equal(frameLine('2 PING'), '$2 PING*8C\r\n');
    assert.equal(encodeRequest(3, 'PROMPT', { text: 'Sign here' }), '$3 PROMPT text=Sign%20here*2A\r\n');
  });

  for (const doc of ['signature-pad-serial.md', 'env-sensor-serial.md']) {
    it(`every example line in ${doc} carries a correct checksum, and the device's lines decode`, () => {
      const lines = exampleLines(doc);
      assert.ok(lines.length >= 10, `only ${lines.length} example lines found`);
      for (const line of lines) {
        const star = line.lastIndexOf('*');
        assert.equal(line.slice(star + 1), crc8(line.slice(1, star)).toString(16).toUpperCase().padStart(2, '0'), line);
        const isRequest = /^\$\d+ (?!OK|ERR)[A-Z]/.test(line);
        if (!isRequest) decodeOk(line);
      }
    });
  }

  it('decodes answers, ERR answers and numbered events with percent-decoded UTF-8 values', () => {
    assert.deepEqual(decodeOk('$1 OK proto=BSP/1.0 model=BoothPad%20SP-8 serial=SP8-000123 fw=2.4.1 width=800 height=480 pmax=1023*54'), {
      kind: 'response',
      seq: 1,
      ok: true,
      fields: { proto: 'BSP/1.0', model: 'BoothPad SP-8', serial: 'SP8-000123', fw: '2.4.1', width: '800', height: '480', pmax: '1023' },
    });
    assert.deepEqual(decodeOk('$5 ERR code=BUSY msg=screen%20refresh*9C'), { kind: 'response', seq: 5, ok: false, fields: { code: 'BUSY', msg: 'screen refresh' } });
    assert.deepEqual(decodeOk('$! 1 PEN x=121 y=238 p=412 t=5*F6'), { kind: 'event', eseq: 1, name: 'PEN', fields: { x: '121', y: '238', p: '412', t: '5' } });
    assert.deepEqual(decodeLine('$2 OK*a8\r'), { frame: { kind: 'response', seq: 2, ok: true, fields: {} }, noise: false }, 'lower-case hex and CR');
    assert.deepEqual(decodeLine(''), { empty: true });
    assert.deepEqual(decodeLine('\r'), { empty: true });
  });

  it('keeps the line after its last "$" and flags the noise in front (a partial line glued to it)', () => {
    const decoded = decodeLine('$17 OK t=2$2 OK*A8');
    assert.ok('frame' in decoded);
    assert.equal(decoded.noise, true);
    assert.equal(decoded.frame.kind === 'response' && decoded.frame.seq, 2);
  });

  it('names what is wrong with a bad line, without quoting it', () => {
    const cases: Array<[string, RegExp]> = [
      ['2 OK*A8', /no "\$"/],
      ['$2 OK\u00ff*A8', /printable ASCII/],
      ['$2 OK', /no "\*"/],
      ['$2 OK*G1', /two hex digits/],
      ['$2 OK*A8 ', /two hex digits/],
      ['$2 OK*A9', /checksum mismatch/],
      [frameLine('2  OK').trim(), /empty field/],
      [frameLine('0 OK').trim(), /sequence id/],
      [frameLine('02 OK').trim(), /sequence id/],
      [frameLine('65536 OK').trim(), /sequence id/],
      [frameLine('2 PING').trim(), /neither OK nor ERR/],
      [frameLine('2 OK t').trim(), /key=value/],
      [frameLine('2 OK T=1').trim(), /key=value/],
      [frameLine('2 OK t=1 t=2').trim(), /duplicate key/],
      [frameLine('2 OK t=%4').trim(), /percent-encoded/],
      [frameLine('2 OK t=%FF').trim(), /percent-encoded/],
      [frameLine('2 ERR msg=x').trim(), /ERR without code/],
      [frameLine('! 65536 PEN').trim(), /event number/],
      [frameLine('! 1 pen').trim(), /event name/],
      [`$${'A'.repeat(MAX_LINE_BYTES)}*00`, /longer than 1024/],
    ];
    for (const [line, reason] of cases) {
      const bad = badReason(line);
      assert.match(bad, reason, line);
      assert.ok(!bad.includes(line.slice(1, 6)), 'the reason quotes the line');
    }
  });

  it('percent-encodes UTF-8 text and refuses broken escapes and non-UTF-8 bytes', () => {
    for (const text of ['Подпишите здесь', '50% * $ ä', 'line\nbreak\t', '', '签名']) {
      const encoded = encodeText(text);
      assert.match(encoded, /^[\x21-\x7e]*$/);
      assert.ok(!/[$*]/.test(encoded));
      assert.equal(decodeText(encoded), text);
    }
    assert.equal(encodeText('50% * $'), '50%25%20%2A%20%24');
    assert.throws(() => decodeText('%ZZ'));
    assert.throws(() => decodeText('%C3'));
  });

  it('parses NAME/MAJOR.MINOR protocol versions and maps device codes to HAL codes', () => {
    assert.deepEqual(parseProtocolVersion('BSP/1.12'), { name: 'BSP', major: 1, minor: 12 });
    for (const bad of ['BSP/1', 'bsp/1.0', 'BSP/01.0', 'BSP/1.0 ', '', undefined]) assert.equal(parseProtocolVersion(bad), undefined, String(bad));
    assert.equal(halCodeOf('HW'), 'EIO');
    assert.equal(halCodeOf('BADARG'), 'EBADMSG');
    assert.equal(halCodeOf('VERSION'), 'ENOTSUP');
    assert.equal(halCodeOf('WHATEVER'), 'EIO');
    assert.equal(halCodeOf(undefined), 'EIO');
  });
});

describe('line guard', () => {
  async function through(chunks: Buffer[], max: number): Promise<{ out: string; overlong: number }> {
    let overlong = 0;
    const guard = new LineGuard(max, () => (overlong += 1));
    const parts: Buffer[] = [];
    guard.on('data', (chunk: Buffer) => parts.push(chunk));
    await new Promise<void>((resolve, reject) => Readable.from(chunks).pipe(guard).on('finish', resolve).on('error', reject));
    return { out: Buffer.concat(parts).toString('latin1'), overlong };
  }

  it('cuts a line at the limit, drops its rest up to the newline, and passes the next line whole', async () => {
    const result = await through([Buffer.from('abc\n0123456'), Buffer.from('789xyz'), Buffer.from('more\nok\n')], 8);
    assert.deepEqual(result, { out: 'abc\n01234567\nok\n', overlong: 1 });
  });

  it('leaves lines within the limit alone however the reads split them', async () => {
    const text = '$1 OK*D1\r\n$2 OK*A8\r\n';
    const chunks = [...Buffer.from(text)].map((byte) => Buffer.of(byte));
    assert.deepEqual(await through(chunks, 10), { out: text, overlong: 0 });
  });
});

describe('BSP and BES fields', () => {
  const pad = { width: 800, height: 480, pmax: 2047 };

  it('reads a pen sample in range and scales its pressure to the HAL 0…1023', () => {
    assert.deepEqual(parsePen({ x: '800', y: '0', p: '2047', t: '15' }, pad), { x: 800, y: 0, pressure: 1023, t: 15 });
    assert.deepEqual(parsePen({ x: '10', y: '10', p: '1024', t: '0' }, pad)?.pressure, 512);
    const bad: Array<Record<string, string>> = [{ x: '801', y: '0', p: '1', t: '0' }, { x: '1', y: '-1', p: '1', t: '0' }, { x: '1', y: '1', p: '2048', t: '0' }, { x: '1', y: '1', p: '1' }, { x: '1.5', y: '1', p: '1', t: '0' }];
    for (const fields of bad) {
      assert.equal(parsePen(fields, pad), undefined, JSON.stringify(fields));
    }
  });

  it('checks the pad HELLO answer and the prompt length', () => {
    assert.equal(typeof parseHello({ proto: 'BSP/1.0', model: 'M', serial: 'S', fw: '1' }), 'string');
    assert.equal(typeof parseHello({ model: 'M', serial: 'S', fw: '1', width: '99', height: '480', pmax: '1023' }), 'string');
    assert.deepEqual(parseHello({ model: 'M', serial: 'S', fw: '1', width: '640', height: '480', pmax: '255' }), {
      info: { model: 'M', serial: 'S', firmware: '1' },
      width: 640,
      height: 480,
      pmax: 255,
    });
    assert.deepEqual(promptFields('Sign'), { text: 'Sign' });
    assert.equal(promptFields('я'.repeat(151)), undefined, '302 UTF-8 bytes');
    assert.ok(promptFields('я'.repeat(150)), '300 UTF-8 bytes fit');
    const longest = encodeRequest(65_535, 'PROMPT', { text: '\u0800'.repeat(100) });
    assert.ok(longest.length - 2 <= MAX_LINE_BYTES, `a 300-byte prompt makes a ${longest.length}-byte line`);
  });

  it('reads the sensor within its range only', () => {
    assert.deepEqual(parseReading({ t: '-3.5', rh: '71.2', battery: '1' }), { temperatureC: -3.5, humidityPct: 71.2, upsOnBattery: true });
    const bad: Array<Record<string, string>> = [{ t: '86', rh: '1', battery: '0' }, { t: '20', rh: '100.5', battery: '0' }, { t: '20', rh: '1', battery: '2' }, { t: '020', rh: '1', battery: '0' }, { t: '20', rh: '1' }];
    for (const fields of bad) {
      assert.equal(parseReading(fields), undefined, JSON.stringify(fields));
    }
  });
});

describe('signature renderer', () => {
  const size = { width: 200, height: 100 };
  const inflate = (png: Uint8Array) => {
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    assert.equal(view.getUint32(16), size.width);
    assert.equal(view.getUint32(20), size.height);
    return png;
  };

  it('renders a PNG of the pad size; a lifted pen leaves no ink; wild coordinates are clamped, not looped over', () => {
    const ink = renderSignature([{ x: 10, y: 50, pressure: 600, t: 0 }, { x: 190, y: 50, pressure: 600, t: 10 }], size);
    const lifted = renderSignature([{ x: 10, y: 50, pressure: 0, t: 0 }, { x: 190, y: 50, pressure: 600, t: 10 }], size);
    const blank = renderSignature([], size);
    inflate(ink);
    assert.deepEqual(lifted, blank, 'a lifted segment drew ink');
    assert.ok(ink.length > blank.length, 'a stroke drew no ink');
    const started = performance.now();
    inflate(renderSignature([{ x: -1e9, y: 1e9, pressure: 500, t: 0 }, { x: 1e9, y: -1e9, pressure: 500, t: 1 }], size));
    assert.ok(performance.now() - started < 1000, 'a wild coordinate took too long');
  });
});
