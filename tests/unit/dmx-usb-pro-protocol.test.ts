/** The DMX USB Pro framing, channel patching and props schema: pure functions, no port. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dmxUsbProProps } from '../../drivers/enttec-dmx-usb-pro/config.ts';
import {
  decodeParameters,
  decodeSerial,
  encodeGetParameters,
  encodeGetSerial,
  encodeMessage,
  encodeSendDmx,
  encodeSerial,
  UsbProDecodeError,
  UsbProDecoder,
} from '../../drivers/enttec-dmx-usb-pro/protocol.ts';
import { ChannelMap, interpolate, percentTo16Bit, percentTo8Bit } from '../../drivers/enttec-dmx-usb-pro/universe.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('USB Pro framing: encode', () => {
  it('frames a message as 7E label len-LSB len-MSB data E7', () => {
    assert.equal(hex(encodeMessage(0x0a)), '7e0a0000e7');
    assert.equal(hex(encodeGetSerial()), '7e0a0000e7');
    assert.equal(hex(encodeGetParameters()), '7e0302000000e7');
    const long = encodeMessage(6, new Uint8Array(300).fill(0x11));
    assert.equal(long.length, 305);
    assert.deepEqual([...long.subarray(0, 4)], [0x7e, 6, 300 & 0xff, 300 >> 8]);
    assert.equal(long[304], 0xe7);
    assert.throws(() => encodeMessage(6, new Uint8Array(601)), RangeError);
  });

  it('sends a full universe as label 6 with the null start code first', () => {
    const slots = new Uint8Array(512);
    slots[0] = 255;
    slots[511] = 7;
    const frame = encodeSendDmx(slots);
    assert.equal(frame.length, 5 + 513);
    assert.deepEqual([...frame.subarray(0, 6)], [0x7e, 6, 513 & 0xff, 513 >> 8, 0, 255]);
    assert.equal(frame[frame.length - 2], 7);
    assert.throws(() => encodeSendDmx(new Uint8Array(23)), RangeError, 'DMX needs at least 24 slots');
  });
});

describe('USB Pro framing: decode', () => {
  const serialReply = encodeMessage(10, Uint8Array.of(0x78, 0x56, 0x34, 0x12));
  const paramsReply = encodeMessage(3, Uint8Array.of(44, 1, 9, 1, 40));

  it('decodes messages split across chunks at every byte boundary', () => {
    const stream = Buffer.concat([serialReply, paramsReply]);
    for (let cut = 1; cut < stream.length; cut += 1) {
      const decoder = new UsbProDecoder();
      const first = decoder.push(stream.subarray(0, cut));
      const second = decoder.push(stream.subarray(cut));
      const messages = [...first.messages, ...second.messages];
      assert.deepEqual(messages.map((m) => m.label), [10, 3], `cut at ${cut}`);
      assert.equal(first.garbageBytes + second.garbageBytes, 0);
      assert.equal(decoder.pendingBytes, 0);
    }
  });

  it('skips garbage and resyncs on the next start byte, counting what it dropped', () => {
    const decoder = new UsbProDecoder();
    const result = decoder.push(Buffer.concat([Buffer.from([0x00, 0x41, 0xe7, 0xff]), serialReply, Buffer.from([0x13, 0x37]), paramsReply]));
    assert.deepEqual(result.messages.map((m) => m.label), [10, 3]);
    assert.equal(decodeSerial(result.messages[0]!.data), '12345678');
    assert.equal(result.garbageBytes, 6);
    assert.deepEqual(result.badFrames, []);
  });

  it('rejects an impossible length and finds the real frame that follows', () => {
    const decoder = new UsbProDecoder();
    const result = decoder.push(Buffer.concat([Buffer.from([0x7e, 0x06, 0xff, 0xff]), serialReply]));
    assert.equal(result.badFrames.length, 1);
    assert.match(result.badFrames[0]!, /65535 exceeds 600/);
    assert.deepEqual(result.messages.map((m) => m.label), [10]);
  });

  it('rejects a frame whose length is wrong (no end byte where the length says) and recovers the next frame', () => {
    // Declares 6 data bytes but carries 4: the byte where E7 should be is the next frame's start.
    const lying = Buffer.from([0x7e, 0x03, 0x06, 0x00, 1, 2, 3, 4, 0xe7]);
    const decoder = new UsbProDecoder();
    const result = decoder.push(Buffer.concat([lying, serialReply, serialReply]));
    assert.ok(result.badFrames.some((reason) => /no end-of-message byte after 6/.test(reason)), result.badFrames.join('; '));
    assert.deepEqual(result.messages.map((m) => m.label), [10, 10], 'both real frames decoded after the bad one');
    // A frame that says 2 bytes but carries 4: the stray tail is garbage, the next frame still decodes.
    const short = new UsbProDecoder().push(Buffer.concat([Buffer.from([0x7e, 0x0a, 0x02, 0x00, 9, 9, 9, 9, 0xe7]), serialReply]));
    assert.equal(short.badFrames.length, 1);
    assert.deepEqual(short.messages.map((m) => m.label), [10]);
  });

  it('holds an incomplete frame, and abandonPartial frees a real frame swallowed by a lying header', () => {
    const decoder = new UsbProDecoder();
    // 7E 0A 58 02: a header claiming 600 bytes, followed by a real reply and then silence.
    const held = decoder.push(Buffer.concat([Buffer.from([0x7e, 0x0a, 0x58, 0x02]), serialReply]));
    assert.deepEqual(held.messages, []);
    assert.equal(decoder.pendingBytes, 4 + serialReply.length);
    const freed = decoder.abandonPartial();
    assert.equal(freed.badFrames.length, 1);
    assert.match(freed.badFrames[0]!, /declared 600 data bytes/);
    assert.deepEqual(freed.messages.map((m) => m.label), [10]);
    assert.equal(decoder.pendingBytes, 0);
  });

  it('never grows without bound on endless garbage', () => {
    const decoder = new UsbProDecoder();
    let garbage = 0;
    for (let i = 0; i < 200; i += 1) {
      const chunk = Buffer.alloc(997, i % 2 ? 0x7e : 0x55);
      const result = decoder.push(chunk);
      garbage += result.garbageBytes;
      assert.ok(decoder.pendingBytes <= 605, `held ${decoder.pendingBytes} bytes`);
    }
    assert.ok(garbage > 0);
  });
});

describe('USB Pro replies', () => {
  it('reads the serial number as little-endian BCD and rejects non-decimal digits', () => {
    assert.equal(decodeSerial(Buffer.from([0x78, 0x56, 0x34, 0x12])), '12345678');
    assert.equal(hex(encodeSerial('00420815')), '15084200');
    assert.throws(() => decodeSerial(Buffer.from([0x7a, 0x56, 0x34, 0x12])), (e) => e instanceof UsbProDecodeError && e.code === 'EBADMSG');
    assert.throws(() => decodeSerial(Buffer.from([1, 2, 3])), (e) => e instanceof UsbProDecodeError && e.code === 'EBADMSG');
    assert.throws(() => decodeSerial(Buffer.alloc(0)), (e) => e instanceof UsbProDecodeError && e.code === 'EIO');
  });

  it('reads widget parameters: firmware, break and MAB times, output rate', () => {
    const parameters = decodeParameters(Buffer.from([44, 1, 9, 1, 40, 0xaa]));
    assert.deepEqual(parameters.firmware, { major: 1, minor: 44 });
    assert.equal(parameters.breakTimeUs, 96);
    assert.equal(parameters.markAfterBreakUs, 11);
    assert.equal(parameters.outputRate, 40);
    assert.deepEqual([...parameters.userConfig], [0xaa]);
    assert.throws(() => decodeParameters(Buffer.from([1, 2])), (e) => e instanceof UsbProDecodeError && e.code === 'EBADMSG');
    assert.throws(() => decodeParameters(Buffer.alloc(0)), (e) => e instanceof UsbProDecodeError && e.code === 'EIO');
  });
});

describe('channel patch', () => {
  it('renders 8-bit and 16-bit coarse/fine channels into their slots', () => {
    const map = new ChannelMap({ key: { slot: 10, fineSlot: 11 }, ambient: { slot: 1 }, far: { slot: 512 } });
    const slots = map.render(new Map([['key', 50], ['ambient', 100], ['far', 40]]));
    assert.equal(slots.length, 512);
    const key = percentTo16Bit(50);
    assert.equal(key, 32_768);
    assert.equal(slots[9], key >> 8);
    assert.equal(slots[10], key & 0xff);
    assert.equal(slots[0], 255);
    assert.equal(slots[511], percentTo8Bit(40));
    assert.equal(percentTo8Bit(40), 102);
    assert.equal(slots.filter((value) => value !== 0).length, 3, 'key coarse, ambient and far; key fine is 0 at 50 %');
  });

  it('refuses overlapping or out-of-range slots', () => {
    assert.throws(() => new ChannelMap({ a: { slot: 1, fineSlot: 2 }, b: { slot: 2 } }), /slot 2 is already used by "a"/);
    assert.throws(() => new ChannelMap({ a: { slot: 513 } }), /outside 1–512/);
  });

  it('interpolates linearly and lands exactly on the target', () => {
    assert.equal(interpolate(0, 100, 0.25), 25);
    assert.equal(interpolate(80, 20, 0.5), 50);
    assert.equal(interpolate(33.3, 66.7, 1.4), 66.7);
  });
});

describe('props schema', () => {
  it('defaults to the channel and scene names of sim,lighting', () => {
    const props = dmxUsbProProps.parse({});
    assert.deepEqual(Object.keys(props.channels), ['key', 'fill', 'ambient', 'scanner']);
    assert.deepEqual(Object.keys(props.scenes), ['off', 'idle', 'welcome', 'fingerprint', 'portrait']);
    assert.equal(props.refreshMs, 1000);
    assert.equal(props.fadeFrameMs, 25);
  });

  it('accepts slot shorthand and 16-bit pairs, and names what is wrong', () => {
    const props = dmxUsbProProps.parse({ channels: { key: 7, fill: { slot: 8, fineSlot: 9 } }, scenes: { off: { key: 0 } } });
    assert.deepEqual(props.channels.key, { slot: 7 });
    const overlap = dmxUsbProProps.safeParse({ channels: { key: { slot: 1, fineSlot: 2 }, fill: 2 }, scenes: {} });
    assert.ok(!overlap.success && /slot 2 is already used by channel "key"/.test(overlap.error.issues[0]?.message ?? ''));
    const unknown = dmxUsbProProps.safeParse({ channels: { key: 1 }, scenes: { portrait: { spot: 50 } } });
    assert.ok(!unknown.success && /unknown channel "spot"/.test(unknown.error.issues[0]?.message ?? ''));
    assert.ok(!dmxUsbProProps.safeParse({ fadeFrameMs: 10 }).success, 'frames faster than a DMX packet are refused');
    assert.ok(!dmxUsbProProps.safeParse({ channels: { key: 0 } }).success);
    assert.ok(!dmxUsbProProps.safeParse({ latencyMs: 5 }).success, 'unknown props are refused');
  });
});
