/** The BioSDK struct decoders on crafted bytes: what a well-behaved SDK writes, and garbage. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBaselineJpeg, decodePortraitResult, PORTRAIT_RESULT_BYTES } from '../../drivers/biosdk-camera/protocol.ts';
import { decodeFingerResult, decodePalmResult, FINGER_RESULT_BYTES, PALM_RESULT_BYTES } from '../../drivers/biosdk-fingerprint/protocol.ts';
import { halCodeForStatus, statusName } from '../../drivers/biosdk/errors.ts';
import { BioSdkProtocolError, decodeDeviceList, DEVICE_INFO_BYTES, formatVersion, majorOf } from '../../drivers/biosdk/protocol.ts';
import { sdkTimeoutFor } from '../../drivers/biosdk/sdk-device.ts';

function struct(size: number, fields: Array<[offset: number, value: number]>): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, size, true);
  for (const [offset, value] of fields) view.setInt32(offset, value, true);
  return bytes;
}

function deviceInfo(kind: number, serial: string): Uint8Array {
  const bytes = struct(DEVICE_INFO_BYTES, [[4, kind], [8, 0x7f], [12, 2000], [16, 2400], [20, 500]]);
  bytes.set(Buffer.from(serial), 24);
  bytes.set(Buffer.from('BioScan 442P'), 56);
  bytes.set(Buffer.from('4.2.17'), 104);
  return bytes;
}

const garbage = (pattern: RegExp) => (error: unknown) => error instanceof BioSdkProtocolError && pattern.test(error.message);

describe('BioSDK protocol', () => {
  it('decodes the device list and refuses unknown kinds and unterminated strings', () => {
    const list = new Uint8Array(DEVICE_INFO_BYTES * 2);
    list.set(deviceInfo(1, 'BSF-1'), 0);
    list.set(deviceInfo(2, 'BSC-1'), DEVICE_INFO_BYTES);
    const devices = decodeDeviceList(list, 2);
    assert.deepEqual(devices.map((device) => [device.kind, device.serial, device.model, device.firmware]), [
      ['scanner', 'BSF-1', 'BioScan 442P', '4.2.17'],
      ['camera', 'BSC-1', 'BioScan 442P', '4.2.17'],
    ]);
    assert.equal(decodeDeviceList(list, 5).length, 2, 'more devices than fit: only the written ones');
    assert.throws(() => decodeDeviceList(deviceInfo(9, 'X'), 1), garbage(/unknown device kind 9/));
    const unterminated = deviceInfo(1, 'X');
    unterminated.fill(0x41, 24, 56);
    assert.throws(() => decodeDeviceList(unterminated, 1), garbage(/serial is not NUL-terminated/));
  });

  it('decodes a slap result and checks it against the buffer it was given', () => {
    const fields: Array<[number, number]> = [[4, 1600], [8, 1500], [12, 500], [16, 1600 * 1500], [20, 1], [24, 1], [28, 96], [32, 2]];
    const segment = (at: number, values: number[]) => values.map((value, index): [number, number] => [at + index * 4, value]);
    const good = struct(FINGER_RESULT_BYTES, [...fields, ...segment(40, [2, 90, 10, 20, 300, 400]), ...segment(64, [3, 60, 400, 20, 300, 400])]);
    const result = decodeFingerResult(good, 2000 * 2400);
    assert.equal(result.hand, 'right');
    assert.deepEqual(result.segments.map((s) => [s.position, s.quality]), [[2, 90], [3, 60]]);
    assert.throws(() => decodeFingerResult(good, 1000), garbage(/does not fit the 1000-byte buffer/));
    const outside = struct(FINGER_RESULT_BYTES, [...fields, ...segment(40, [2, 90, 1500, 20, 300, 400])]);
    assert.throws(() => decodeFingerResult(outside, 4_000_000), garbage(/outside the 1600x1500 image/));
    const badPosition = struct(FINGER_RESULT_BYTES, [...fields, ...segment(40, [11, 90, 10, 20, 300, 400])]);
    assert.throws(() => decodeFingerResult(badPosition, 4_000_000), garbage(/not an FGP code/));
    const badHand = struct(FINGER_RESULT_BYTES, [...fields, [20, 7], [32, 0]]);
    assert.throws(() => decodeFingerResult(badHand, 4_000_000), garbage(/unknown hand code 7/));
    const shortStruct = good.slice();
    new DataView(shortStruct.buffer).setUint32(0, 272, true);
    assert.throws(() => decodeFingerResult(shortStruct, 4_000_000), garbage(/struct_size is 272, expected 280/));
  });

  it('decodes a palm result and refuses a live flag that is not 0 or 1', () => {
    const palm = struct(PALM_RESULT_BYTES, [[4, 2000], [8, 2400], [12, 500], [16, 2000 * 2400], [20, 1], [24, 90]]);
    assert.deepEqual(decodePalmResult(palm, 2000 * 2400), { width: 2000, height: 2400, ppi: 500, live: true, livenessScore: 90 });
    const odd = struct(PALM_RESULT_BYTES, [[4, 2000], [8, 2400], [12, 500], [16, 2000 * 2400], [20, 3], [24, 90]]);
    assert.throws(() => decodePalmResult(odd, 2000 * 2400), garbage(/live is 3/));
  });

  it('decodes portrait checks, with -1 meaning "not checked"', () => {
    const base: Array<[number, number]> = [[4, 1200], [8, 1600], [12, 5000]];
    const face = decodePortraitResult(struct(PORTRAIT_RESULT_BYTES, [...base, [16, 1], [20, 1], [24, 0], [28, 1], [32, 260]]), 8192);
    assert.deepEqual(face.checks, { faceFound: true, eyesOpen: true, frontalPose: false, exposureOk: true, eyeDistancePx: 260 });
    const none = decodePortraitResult(struct(PORTRAIT_RESULT_BYTES, [...base, [16, 0], [20, -1], [24, -1], [28, -1], [32, -1]]), 8192);
    assert.deepEqual(none.checks, { faceFound: false });
    assert.throws(() => decodePortraitResult(struct(PORTRAIT_RESULT_BYTES, [...base, [16, 1]]), 4096), garbage(/jpeg_bytes 5000 outside/));
  });

  it('accepts a baseline JPEG and refuses a truncated or progressive one', () => {
    const sof = [0xff, 0xc0, 0, 11, 8, 0, 16, 0, 12, 1, 1, 0x11, 0];
    const jpeg = Uint8Array.from([0xff, 0xd8, ...sof, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0x34, 0xff, 0xd9]);
    assert.deepEqual(checkBaselineJpeg(jpeg, 12, 16), { width: 12, height: 16 });
    assert.throws(() => checkBaselineJpeg(jpeg.subarray(0, -2)), garbage(/no EOI/));
    assert.throws(() => checkBaselineJpeg(jpeg, 13, 16), garbage(/camera reported 13x16/));
    const progressive = jpeg.slice();
    progressive[3] = 0xc2;
    assert.throws(() => checkBaselineJpeg(progressive), garbage(/not baseline/));
  });

  it('maps statuses to HAL codes, and an undefined status to EBADMSG', () => {
    assert.equal(halCodeForStatus(-3), 'ENODEV');
    assert.equal(halCodeForStatus(-5), 'ETIMEDOUT');
    assert.equal(halCodeForStatus(-10), 'EIO');
    assert.equal(halCodeForStatus(-2), 'ENOTSUP');
    assert.equal(halCodeForStatus(-99), 'EBADMSG');
    assert.equal(statusName(-99), 'status -99');
    assert.equal(formatVersion(0x020401), '2.4.1');
    assert.equal(majorOf(0x030000), 3);
  });

  it('gives the SDK a slightly shorter timeout than the HAL deadline', () => {
    assert.equal(sdkTimeoutFor(30_000), 29_000);
    assert.equal(sdkTimeoutFor(1000), 800);
    assert.equal(sdkTimeoutFor(100), 80);
    assert.equal(sdkTimeoutFor(10), 1);
  });
});
