/**
 * The simulated SDK's `sim.sdk-*` control commands (simulator/sdk/control-commands.ts) that
 * booth-rig's wire booth drives: offered only for the simulated library, each one validating its
 * arguments before it reaches the C controls, and an unknown serial refused by the library.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sdkSimCommands } from '../../simulator/sdk/control-commands.ts';
import { SIM_BIO_CAMERA_SERIAL, SIM_BIO_SCANNER_SERIAL, SimBioSdkControls, simBioSdkLibraryPath } from '../../simulator/sdk/controls.ts';

describe('sim.sdk-* control commands', () => {
  it('are offered for the simulated SDK library only', () => {
    assert.deepEqual(sdkSimCommands(['/opt/biosdk/lib/libbio_sdk.so']), []);
    const names = sdkSimCommands([simBioSdkLibraryPath()]).map((command) => command.command);
    assert.deepEqual(names, [
      'sim.sdk-unplug',
      'sim.sdk-replug',
      'sim.sdk-quality',
      'sim.sdk-person',
      'sim.sdk-fingers-missing',
      'sim.sdk-subject',
      'sim.sdk-hang',
      'sim.sdk-fail-next',
      'sim.sdk-corrupt-next',
      'sim.sdk-timing',
    ]);
  });

  it('check their arguments and pass good ones to the C controls', () => {
    const commands = new Map(sdkSimCommands([simBioSdkLibraryPath()]).map((command) => [command.command, command.handler]));
    const run = (name: string, args: Record<string, unknown>) => commands.get(name)!(args);
    new SimBioSdkControls().resetAll();
    try {
      assert.throws(() => run('sim.sdk-quality', { serial: SIM_BIO_SCANNER_SERIAL, quality: 101 }), /args\.quality must be an integer 0\.\.100/);
      assert.throws(() => run('sim.sdk-quality', { serial: SIM_BIO_SCANNER_SERIAL, quality: 50, position: 11 }), /args\.position/);
      assert.throws(() => run('sim.sdk-person', { wrongHand: 'yes' }), /args\.wrongHand must be true or false/);
      assert.throws(() => run('sim.sdk-fingers-missing', { fingers: [0] }), /finger positions 1\.\.10/);
      assert.throws(() => run('sim.sdk-subject', { subject: 'smiling' }), /args\.subject must be one of ok, present, absent/);
      assert.throws(() => run('sim.sdk-fail-next', { status: 'EIO' }), /args\.status must be one of BIO_E_NO_DEVICE/);
      assert.throws(() => run('sim.sdk-hang', { mode: 'forever' }), /args\.mode must be one of until-cancel, wedged/);
      assert.throws(() => run('sim.sdk-timing', { opMs: -1 }), /args\.opMs/);
      assert.throws(() => run('sim.sdk-quality', { serial: 'NO-SUCH-1', quality: 5 }), /failed with status -3/);

      run('sim.sdk-quality', { serial: SIM_BIO_SCANNER_SERIAL, quality: 5 });
      run('sim.sdk-person', { serial: SIM_BIO_SCANNER_SERIAL, wrongHand: true });
      run('sim.sdk-fingers-missing', { serial: SIM_BIO_SCANNER_SERIAL, fingers: [2, 7] });
      run('sim.sdk-subject', { serial: SIM_BIO_CAMERA_SERIAL, subject: 'eyes-closed' });
      run('sim.sdk-fail-next', { serial: SIM_BIO_SCANNER_SERIAL, status: 'BIO_E_HARDWARE' });
      run('sim.sdk-corrupt-next', { serial: SIM_BIO_CAMERA_SERIAL });
      run('sim.sdk-hang', { serial: SIM_BIO_SCANNER_SERIAL });
      run('sim.sdk-timing', { serial: SIM_BIO_SCANNER_SERIAL, opMs: 300 });
    } finally {
      new SimBioSdkControls().resetAll();
    }
  });
});
