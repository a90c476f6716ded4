/**
 * The infrastructure steps that need setting up at scenario start: boothd's wall clock moved
 * under libfaketime while it runs, the state disk (its own tmpfs) filled and freed, the broker
 * frozen; and the building's fire alarm. The tmpfs is gone afterwards.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { isAlive, RigSandbox, startedPids } from './runner-cli.ts';

describe('booth-rig run: clock, disk, network and fire alarm', () => {
  const sandbox = new RigSandbox();
  after(() => sandbox.cleanup());

  it('plays each infra step on the running booth and takes it all down again', async () => {
    const scenario = sandbox.file(
      'infra.yaml',
      `name: infrastructure
steps:
  - expect: { session: idle }
  - infra: { clock-jump: { seconds: 7200 } }
  - infra: { clock-jump: { seconds: -3600 } }
  - infra: { disk-full: true }
  - infra: { disk-full: false }
  - infra: { network-stall: { seconds: 1 } }
  - infra: fire-alarm-on
  - expect: { session: fire-alarm }
  - expect: { sparkplug: { metric: Session/State, value: fire-alarm }, within: 10000 }
  - infra: fire-alarm-off
  - expect: { session: idle }
  - expect: { log: /fire alarm/i }
`,
    );
    const run = await sandbox.run(['--keep', scenario]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const [only] = run.result!.scenarios;
    const detail = (step: number) => only!.timeline.find((entry) => entry.step === step)?.detail ?? '';
    assert.equal(detail(2), "boothd's clock is now +7200 s off true time");
    assert.equal(detail(3), "boothd's clock is now +3600 s off true time");
    assert.match(detail(4), /^\d+ KiB of filler; the state disk is full$/);
    assert.equal(detail(5), 'filler removed');
    const texts = only!.timeline.map((entry) => entry.text);
    assert.ok(texts.includes('state dir on its own tmpfs (the scenario fills the disk)'));
    assert.ok(texts.includes('network stall over (mosquitto continued)'));
    // Kept (--keep), but no longer a mount point.
    assert.doesNotMatch(readFileSync('/proc/mounts', 'utf8'), new RegExp(sandbox.dir));
    assert.deepEqual(startedPids(run.result!).filter(isAlive), []);
  });
});
