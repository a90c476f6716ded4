/**
 * config/booth.example.yaml, the reference booth on its real drivers: boothctl validates it, every
 * device is a real driver except where no real driver of its class exists (and the file says so),
 * its commented PWM lighting alternative is valid too and has the DMX lights' channel and scene
 * names, and `make run-wire` has a twin for everything on it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMap, isSeq, parseDocument } from 'yaml';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';
import { planWireBooth } from '../../simulator/wire/wire-manifest.ts';
import { ROOT } from '../support/boothd-process.ts';
import { boothctl } from '../support/boothctl-process.ts';

const FILE = join(ROOT, 'config', 'booth.example.yaml');
const TEXT = readFileSync(FILE, 'utf8');
const registry = builtinDrivers();

/** The manifest with its commented PWM lighting block in place of the DMX `lights` device. */
function withPwmLighting(text: string): string {
  const lines = text.split('\n');
  const begin = lines.findIndex((line) => line.includes('# BEGIN PWM LIGHTING ALTERNATIVE'));
  const end = lines.findIndex((line) => line.includes('# END PWM LIGHTING ALTERNATIVE'));
  assert.ok(begin > 0 && end > begin, 'the PWM alternative is marked with BEGIN/END comments');
  const block = lines.slice(begin + 1, end).map((line) => line.replace(/^(\s*)# ?/, '$1'));
  const document = parseDocument(lines.filter((_, index) => index <= begin || index >= end).join('\n'));
  const devices = document.get('devices');
  assert.ok(isSeq(devices));
  const index = devices.items.findIndex((item) => isMap(item) && item.get('id') === 'lights');
  const pwm = parseDocument(block.join('\n')).toJS() as unknown[];
  devices.items[index] = document.createNode(pwm[0]);
  return document.toString();
}

describe('config/booth.example.yaml', () => {
  it('is valid for boothctl config validate', async () => {
    const result = await boothctl(['config', 'validate', FILE]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /valid \(booth booth-01, 8 devices/);
  });

  it('puts every device on a real driver, except classes no real driver serves yet, which say so', () => {
    const { devices } = parseConfig(TEXT, FILE, { registry });
    const realClasses = new Set(
      registry.compatibles.filter((compatible) => !compatible.startsWith('sim,')).map((compatible) => registry.get(compatible)!.deviceClass),
    );
    const classes = new Set(devices.map(({ driver }) => driver.deviceClass));
    for (const deviceClass of ['door-lock', 'sensors', 'lighting', 'fingerprint', 'camera', 'signature-pad'] as const) {
      assert.ok(classes.has(deviceClass), `the example booth has no ${deviceClass}`);
    }
    const document = parseDocument(TEXT);
    const items = (document.get('devices') as { items: Array<{ get(key: string): unknown; commentBefore?: string | null }> }).items;
    for (const { entry, driver } of devices) {
      if (!entry.compatible.startsWith('sim,')) {
        assert.notEqual(entry.bus.type, 'sim', `${entry.id} is a real driver on a sim bus`);
        continue;
      }
      assert.ok(!realClasses.has(driver.deviceClass), `${entry.id} is still ${entry.compatible}, but a real ${driver.deviceClass} driver exists now: wire it in`);
      const comment = items.find((item) => item.get('id') === entry.id)?.commentBefore ?? '';
      assert.match(comment, /no real .* driver exists yet/i, `${entry.id} (${entry.compatible}) must say in a comment why it stays simulated`);
    }
  });

  it('names its serial devices by the udev names and the SDK by the vendor install path', () => {
    const { devices } = parseConfig(TEXT, FILE, { registry });
    for (const { entry } of devices) {
      if (entry.bus.type === 'serial') assert.match(entry.bus.path, /^\/dev\/booth-[a-z]+$/, entry.id);
      if (entry.bus.type === 'sdk') assert.match(entry.bus.library, /^\/opt\/biosdk\/lib\//, entry.id);
    }
  });

  it('has a valid PWM lighting alternative with the DMX lights\' channel and scene names', () => {
    const dmx = parseConfig(TEXT, FILE, { registry }).devices.find(({ entry }) => entry.id === 'lights');
    const pwm = parseConfig(withPwmLighting(TEXT), FILE, { registry }).devices.find(({ entry }) => entry.id === 'lights');
    assert.equal(dmx?.entry.compatible, 'enttec,dmx-usb-pro');
    assert.equal(pwm?.entry.compatible, 'firmata,pwm-lighting');
    const names = (props: unknown) => {
      const { channels, scenes } = props as { channels: object; scenes: object };
      return { channels: Object.keys(channels).sort(), scenes: Object.keys(scenes).filter((scene) => scene !== 'off').sort() };
    };
    assert.deepEqual(names(pwm.props), names(dmx.props));
  });

  it('can be played by make run-wire: a twin for every serial line, the simulated SDK for the sdk bus', () => {
    const plan = planWireBooth(TEXT, FILE);
    assert.deepEqual(
      plan.lines.map((line) => [line.path, line.kind, line.devices.map((device) => device.id)]),
      [
        ['/dev/booth-io', 'firmata', ['door', 'sensors']],
        ['/dev/booth-dmx', 'dmx', ['lights']],
        ['/dev/booth-pad', 'signature-pad', ['pad']],
        ['/dev/booth-env', 'env-sensor', ['env']],
      ],
    );
  });
});
