import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_LEVEL, withoutBinary } from '../../runtime/logging/logger.ts';
import { memoryLogger } from '../support/memory-logger.ts';

describe('logger', () => {
  it('never writes image bytes, whatever object is logged', () => {
    const { logger, raw, lines } = memoryLogger();
    const pixels = new Uint8Array(1600 * 1500).fill(0x41);
    const capture = { kind: 'slap', image: { width: 1600, height: 1500, pixels }, fingers: [{ position: 2, quality: 80 }] };
    logger.info({ capture, jpeg: Buffer.from('ffd8ffe0', 'hex'), nested: [{ png: new Uint8Array([1, 2, 3]) }] }, 'captured');
    assert.equal(raw.length, 1);
    assert.ok(raw[0]!.length < 1000, `log line is ${raw[0]!.length} bytes`);
    assert.ok(!raw[0]!.includes('AAAA') && !raw[0]!.includes('65,65'), 'pixel data leaked into the log');
    const line = lines[0] as unknown as { capture: { image: { pixels: string } }; jpeg: string; nested: Array<{ png: string }> };
    assert.equal(line.capture.image.pixels, '[2400000 bytes withheld]');
    assert.equal(line.jpeg, '[4 bytes withheld]');
    assert.equal(line.nested[0]?.png, '[3 bytes withheld]');
  });

  it('has an audit level between info and warn', () => {
    const { logger, lines } = memoryLogger('audit');
    logger.info('dropped at audit level');
    logger.audit({ event: 'door.released' }, 'door.released');
    assert.deepEqual(lines.map((line) => [line.level, line.msg]), [[AUDIT_LEVEL, 'door.released']]);
  });

  it("keeps a line's own level, time and message when the logged object has fields of those names", () => {
    const { logger, lines, raw } = memoryLogger();
    logger.debug({ device: 'lights', level: 40, time: 'dusk', msg: 'dim' }, 'lights ambient = 40%');
    assert.equal(lines[0]?.level, 20, `a debug line read as level ${lines[0]?.level}: ${raw[0]}`);
    assert.equal(lines[0]?.msg, 'lights ambient = 40%');
    assert.match(String(lines[0]?.time), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual([lines[0]?.levelField, lines[0]?.timeField, lines[0]?.msgField], [40, 'dusk', 'dim']);
    assert.equal(raw[0]!.match(/"level":/g)?.length, 1, 'two level keys in one line');
  });

  it('leaves ordinary values alone and stops at a depth limit', () => {
    assert.deepEqual(withoutBinary({ a: 1, b: 'x', c: [true, null] }), { a: 1, b: 'x', c: [true, null] });
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10; i += 1) deep = { deep };
    assert.match(JSON.stringify(withoutBinary(deep)), /nested too deep/);
  });
});
