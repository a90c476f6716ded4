/** `biosdk,fingerprint` and `biosdk,camera` in the driver table: sdk bus only, the library from the bus, props checked. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../hal/clock.ts';
import type { Camera, FingerprintScanner } from '../../hal/index.ts';
import { ConfigError } from '../../runtime/config/errors.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';
import { simBioSdkLibraryPath } from '../../simulator/sdk/controls.ts';
import { resetBioSdk } from '../support/bio-sdk-harness.ts';

const registry = builtinDrivers();
const manifest = (devices: string) => `
booth: { id: booth-7 }
stateDir: state
devices:
${devices}
`;

function problems(text: string): string[] {
  try {
    parseConfig(text, 'booth.yaml', { registry, env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  assert.fail('accepted');
}

describe('biosdk,* in the manifest', () => {
  it('builds both devices from the bus library, touching nothing until open, and they capture through it', async () => {
    resetBioSdk();
    const library = simBioSdkLibraryPath();
    const loaded = parseConfig(
      manifest(`  - id: scanner
    compatible: biosdk,fingerprint
    bus: { type: sdk, library: ${library} }
    props: { captureTimeoutMs: 20000, capabilities: [slap, flat, preview] }
  - id: camera
    compatible: biosdk,camera
    bus: { type: sdk, library: ${library} }`),
      'booth.yaml',
      { registry, env: {} },
    );
    const [scannerEntry, cameraEntry] = loaded.devices;
    assert.ok(scannerEntry && cameraEntry);
    const create = (resolved: typeof scannerEntry) =>
      resolved.driver.create({ id: resolved.entry.id, compatible: resolved.entry.compatible, bus: resolved.entry.bus, clock: systemClock, stateDir: '/tmp' }, resolved.props);
    const scanner = create(scannerEntry) as FingerprintScanner;
    const camera = create(cameraEntry) as Camera;
    assert.equal(scanner.state, 'closed');
    assert.deepEqual([...scanner.capabilities].sort(), ['flat', 'preview', 'slap']);
    try {
      await Promise.all([scanner.open({ timeoutMs: 5000 }), camera.open({ timeoutMs: 5000 })]);
      assert.deepEqual([...scanner.capabilities].sort(), ['flat', 'preview', 'slap'], 'declared capabilities are kept when the scanner has them');
      await assert.rejects(scanner.capturePalm('right-full'), (error: unknown) => (error as { code?: string }).code === 'ENOTSUP');
      assert.equal((await scanner.captureFlat(3, { timeoutMs: 5000 })).fingers[0]?.position, 3);
      assert.equal((await camera.capture({ timeoutMs: 5000 })).width, 1200);
    } finally {
      await scanner.close();
      await camera.close();
    }
  });

  it('is refused on another bus, and bad props are named by their path', () => {
    assert.match(problems(manifest(`  - id: scanner
    compatible: biosdk,fingerprint`)).join('\n'), /cannot sit on a "sim" bus; expected sdk/);
    assert.match(problems(manifest(`  - id: camera
    compatible: biosdk,camera
    bus: { type: sdk, library: /opt/vendor/libbiosdk.so }
    props: { previewIntervalMs: 5 }`)).join('\n'), /devices\[0\]\.props\.previewIntervalMs/);
    assert.match(problems(manifest(`  - id: scanner
    compatible: biosdk,fingerprint
    bus: { type: sdk, library: /opt/vendor/libbiosdk.so }
    props: { capabilities: [teleport] }`)).join('\n'), /devices\[0\]\.props\.capabilities/);
  });
});
