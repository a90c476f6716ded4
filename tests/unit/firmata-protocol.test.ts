/**
 * The pure parts of the Firmata drivers: frames as protocol.md 2.5 spells them, decoders of the
 * answers, the stream splitter and its garbage, and each compatible's level mapping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeAnalogMapping,
  decodeCapabilities,
  decodeFirmware,
  decodePinState,
  digitalPortLevels,
  encodeAnalogWrite,
  encodePinStateQuery,
  encodeReportAnalog,
  encodeReportDigital,
  encodeSamplingInterval,
  encodeSetDigitalPinValue,
  encodeSetPinMode,
  FrameSplitter,
  MAX_SYSEX_BYTES,
  PinMode,
  type StreamItem,
} from '../../drivers/firmata/protocol.ts';
import { doorStatus, relayEnergised, relayLevel } from '../../drivers/firmata-door-lock/protocol.ts';
import { dutyFor, levelForDuty } from '../../drivers/firmata-pwm-lighting/protocol.ts';
import { analogValue, rawForValue } from '../../drivers/firmata-sensors/protocol.ts';

const bytes = (buffer: Buffer) => [...buffer];
const frames = (items: StreamItem[]) => items.filter((item) => item.kind === 'frame').map((item) => (item.kind === 'frame' ? [...item.frame] : []));
const garbage = (items: StreamItem[]) => items.reduce((sum, item) => sum + (item.kind === 'garbage' ? item.bytes : 0), 0);

describe('Firmata frames the host sends', () => {
  it('encodes single-pin writes, modes, reporting and queries as protocol.md shows them', () => {
    assert.deepEqual(bytes(encodeSetDigitalPinValue(7, true)), [0xf5, 7, 1]);
    assert.deepEqual(bytes(encodeSetDigitalPinValue(7, false)), [0xf5, 7, 0]);
    assert.deepEqual(bytes(encodeSetPinMode(2, PinMode.PULLUP)), [0xf4, 2, 0x0b]);
    assert.deepEqual(bytes(encodeReportDigital(1, true)), [0xd1, 1]);
    assert.deepEqual(bytes(encodeReportAnalog(4, false)), [0xc4, 0]);
    assert.deepEqual(bytes(encodePinStateQuery(13)), [0xf0, 0x6d, 13, 0xf7]);
    assert.deepEqual(bytes(encodeSamplingInterval(100)), [0xf0, 0x7a, 100, 0, 0xf7]);
    assert.deepEqual(bytes(encodeSamplingInterval(1000)), [0xf0, 0x7a, 1000 & 0x7f, 1000 >> 7, 0xf7]);
  });

  it('writes PWM with the short analog message up to pin 15 and EXTENDED_ANALOG above', () => {
    assert.deepEqual(bytes(encodeAnalogWrite(9, 200)), [0xe9, 200 & 0x7f, 200 >> 7]);
    assert.deepEqual(bytes(encodeAnalogWrite(44, 255)), [0xf0, 0x6f, 44, 0x7f, 0x01, 0xf7]);
  });

  it('refuses pins and values the protocol cannot carry', () => {
    assert.throws(() => encodeSetDigitalPinValue(128, true), RangeError);
    assert.throws(() => encodeReportDigital(16, true), RangeError);
    assert.throws(() => encodeAnalogWrite(3, 0x4000), RangeError);
  });
});

describe('Firmata answers the driver checks', () => {
  it('decodes a pin state of one, two and three bytes, and a board without the pin', () => {
    assert.deepEqual(decodePinState(Uint8Array.from([0xf0, 0x6e, 7, 1, 1, 0xf7])), { pin: 7, mode: 1, state: 1 });
    assert.deepEqual(decodePinState(Uint8Array.from([0xf0, 0x6e, 9, 3, 0x7f, 0x01, 0xf7])), { pin: 9, mode: 3, state: 255 });
    assert.deepEqual(decodePinState(Uint8Array.from([0xf0, 0x6e, 9, 3, 0, 0, 1, 0xf7])), { pin: 9, mode: 3, state: 1 << 14 });
    assert.deepEqual(decodePinState(Uint8Array.from([0xf0, 0x6e, 99, 0xf7])), { pin: 99, mode: -1, state: 0 });
    assert.equal(decodePinState(Uint8Array.from([0xf0, 0x6e, 9, 3, 0xf7])), undefined);
  });

  it('decodes the firmware name from 7-bit pairs', () => {
    const name = [...'StandardFirmata'].flatMap((char) => [char.charCodeAt(0) & 0x7f, char.charCodeAt(0) >> 7]);
    assert.deepEqual(decodeFirmware(Uint8Array.from([0xf0, 0x79, 2, 5, ...name, 0xf7])), { major: 2, minor: 5, name: 'StandardFirmata' });
    assert.equal(decodeFirmware(Uint8Array.from([0xf0, 0x79, 0xf7])), undefined);
  });

  it('decodes capabilities per pin and the analog mapping', () => {
    const pins = decodeCapabilities(Uint8Array.from([0xf0, 0x6c, 0x7f, 0, 1, 1, 1, 3, 8, 0x7f, 0xf7]));
    assert.equal(pins?.length, 2);
    assert.equal(pins?.[0]?.modes.size, 0);
    assert.deepEqual([...(pins?.[1]?.modes ?? [])], [[0, 1], [1, 1], [3, 8]]);
    assert.equal(decodeCapabilities(Uint8Array.from([0xf0, 0x6c, 0, 1, 0xf7])), undefined, 'a pin not closed by 0x7F');
    assert.deepEqual(decodeAnalogMapping(Uint8Array.from([0xf0, 0x6a, 127, 127, 0, 1, 0xf7])), [127, 127, 0, 1]);
    assert.deepEqual(digitalPortLevels(Uint8Array.from([0x91, 0x7f, 0x01])), { port: 1, bits: 0xff });
  });
});

describe('FrameSplitter', () => {
  it('keeps a message cut across chunks and passes whole ones', () => {
    const splitter = new FrameSplitter();
    assert.deepEqual(splitter.push(Uint8Array.from([0xf9, 2])), []);
    const items = splitter.push(Uint8Array.from([5, 0x90, 0x04, 0x00, 0xf0, 0x6e, 7, 1]));
    assert.deepEqual(frames(items), [[0xf9, 2, 5], [0x90, 4, 0]]);
    assert.deepEqual(frames(splitter.push(Uint8Array.from([1, 0xf7]))), [[0xf0, 0x6e, 7, 1, 1, 0xf7]]);
  });

  it('names garbage: stray data, commands a board never sends, messages and sysex cut short', () => {
    const splitter = new FrameSplitter();
    const noise = [0x12, 0x34, 0xa5, 0x90, 0x01, 0xf0, 0x6e, 0x05, 0x91, 0x00, 0xf7, 0xc3, 0x01];
    const items = splitter.push(Uint8Array.from(noise));
    assert.deepEqual(frames(items), []);
    assert.equal(garbage(items), noise.length);
    // And it is in step again right after.
    assert.deepEqual(frames(splitter.push(Uint8Array.from([0xf9, 2, 5]))), [[0xf9, 2, 5]]);
  });

  it('drops a sysex longer than any answer', () => {
    const splitter = new FrameSplitter();
    const items = splitter.push(Uint8Array.from([0xf0, ...Array.from({ length: MAX_SYSEX_BYTES + 10 }, () => 1), 0xf7, 0xf9, 2, 5]));
    assert.deepEqual(frames(items), [[0xf9, 2, 5]]);
    assert.ok(garbage(items) > MAX_SYSEX_BYTES);
  });
});

describe('levels of each compatible', () => {
  it('door lock: energised = locked, inverted for an active-low relay; the bolt sensor wins over the relay', () => {
    assert.equal(relayLevel(true, false), true);
    assert.equal(relayLevel(true, true), false);
    assert.equal(relayEnergised(0, true), true);
    assert.deepEqual(doorStatus({ relayEnergised: true, boltEngaged: false, doorOpen: true }), { bolt: 'unlocked', contact: 'open' });
    assert.deepEqual(doorStatus({ relayEnergised: true, boltEngaged: undefined, doorOpen: undefined }), { bolt: 'locked', contact: 'closed' });
  });

  it('lighting: every whole percent survives an 8-bit PWM round trip, either polarity', () => {
    for (let level = 0; level <= 100; level += 1) {
      assert.equal(Math.round(levelForDuty(dutyFor(level, 255, false), 255, false)), level);
      assert.equal(Math.round(levelForDuty(dutyFor(level, 255, true), 255, true)), level);
    }
    assert.equal(dutyFor(100, 255, true), 0);
  });

  it('sensors: a 10-bit ADC over 100 units gives back any reading on the 0.1 grid', () => {
    for (let tenth = -400; tenth <= 600; tenth += 7) {
      const value = tenth / 10;
      assert.equal(analogValue(rawForValue(value, 1023, -40, 60), 1023, -40, 60), value);
    }
  });
});
