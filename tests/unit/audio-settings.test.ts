/**
 * The manifest's `audio` section: defaults (no sound, aplay, the runtime's own build/voice), an
 * explicit voiceDir relative to the manifest, bad values refused with their key path, and the
 * AudioOutput each setting makes.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { BUILT_VOICE_DIR, createAudioOutput, resolveVoiceDir } from '../../runtime/audio/audio-settings.ts';
import { CommandAudioOutput } from '../../runtime/audio/command-audio-output.ts';
import { NullAudioOutput } from '../../runtime/audio/null-audio-output.ts';
import { ConfigError } from '../../runtime/config/errors.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';

const registry = builtinDrivers();
const DEVICES = 'devices:\n  - id: door\n    compatible: sim,door-lock\n';

function load(audio: string) {
  return parseConfig(`booth: { id: booth-1 }\n${audio}${DEVICES}`, '/etc/boothd/booth.yaml', { registry, env: {} });
}

describe('audio settings', () => {
  it('default to no sound, aplay, and the voice files built next to the runtime', () => {
    const { config } = load('');
    assert.deepEqual(config.audio, { output: 'null', command: ['aplay', '-q'] });
    assert.equal(resolveVoiceDir(config.audio, '/etc/boothd/booth.yaml'), BUILT_VOICE_DIR);
    assert.equal(BUILT_VOICE_DIR, fileURLToPath(new URL('../../build/voice', import.meta.url)));
    assert.ok(createAudioOutput(config.audio) instanceof NullAudioOutput);
  });

  it('take a player command and a voiceDir relative to the manifest folder', () => {
    const { config } = load('audio:\n  output: command\n  command: [pw-play, --volume, "0.8"]\n  voiceDir: voice\n');
    assert.deepEqual(config.audio.command, ['pw-play', '--volume', '0.8']);
    assert.equal(resolveVoiceDir(config.audio, '/etc/boothd/booth.yaml'), '/etc/boothd/voice');
    assert.equal(resolveVoiceDir({ ...config.audio, voiceDir: '/srv/voice' }, '/etc/boothd/booth.yaml'), '/srv/voice');
    assert.ok(createAudioOutput(config.audio) instanceof CommandAudioOutput);
  });

  it('refuse an unknown output, an empty command and unknown keys, naming the key', () => {
    try {
      load('audio:\n  output: speaker\n  command: []\n  volume: 3\n');
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const problems = error.problems.join('\n');
      assert.match(problems, /audio\.output: Invalid option: expected one of "null"\|"command"/);
      assert.match(problems, /audio\.command: expected the player program and its arguments/);
      assert.match(problems, /audio: Unrecognized key: "volume"/);
    }
  });
});
