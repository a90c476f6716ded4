/**
 * What boothd's capture service reports when it opens its outbox at start: a corrupt outbox
 * quarantined (log + audit) and package files no stored package names (wiped, or left with why).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { generateBoothKeyPair, generateCentralKeyPair, writeKeyPair } from '../../protocols/capture/keys.ts';
import { CaptureService } from '../../runtime/captures/capture-service.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { memoryLogger } from '../support/memory-logger.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A capture service on a fresh state dir; `prepare` lays out the outbox folder before it starts. */
async function startedService(prepare: (outboxDir: string) => void) {
  const stateDir = mkdtempSync(join(tmpdir(), 'capture-service-'));
  dirs.push(stateDir);
  const keys = join(stateDir, 'keys');
  writeKeyPair(keys, 'booth', generateBoothKeyPair());
  writeKeyPair(keys, 'central', generateCentralKeyPair());
  const { config } = parseConfig(
    `
booth: { id: start-01, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 } }
captures: { boothKeyFile: ${join(keys, 'booth.key')}, centralPublicKeyFile: ${join(keys, 'central.pub')} }
devices:
  - { id: door, compatible: "sim,door-lock" }
`,
    'start.yaml',
    { registry: builtinDrivers(), env: {} },
  );
  const outboxDir = join(stateDir, 'outbox');
  mkdirSync(join(outboxDir, 'data'), { recursive: true });
  prepare(outboxDir);
  const { logger, lines } = memoryLogger();
  const audited: Array<{ event: string; fields: unknown }> = [];
  const service = new CaptureService({ config, clock: new FakeClock(), audit: { record: (event, fields) => audited.push({ event, fields }) }, logger });
  // Nothing listens there: the upload thread only retries while the test looks at the start-up.
  service.start('mqtt://127.0.0.1:1');
  await service.stop();
  return { outboxDir, lines, audited };
}

describe('CaptureService start-up reports', () => {
  it('quarantines a corrupt outbox with an error line and an audit record naming where it went', async () => {
    const { lines, audited } = await startedService((outboxDir) => {
      writeFileSync(join(outboxDir, 'outbox.db'), Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(8192)]));
    });
    const quarantine = audited.find((record) => record.event === 'outbox.quarantined');
    assert.ok(quarantine, `no audit record: ${JSON.stringify(audited)}`);
    const line = lines.find((entry) => /corrupt outbox quarantined/.test(entry.msg));
    assert.equal(line?.level, 50, 'the quarantine is not logged as an error');
    assert.equal(existsSync((quarantine.fields as { to: string }).to), true, 'the quarantine folder named is not there');
  });

  it('says how many orphan package files it wiped, and which one it had to leave', async () => {
    const { outboxDir, lines } = await startedService((outboxDir) => {
      writeFileSync(join(outboxDir, 'data', '00000000-0000-4000-8000-000000000001.pkg'), randomBytes(2048));
      writeFileSync(join(outboxDir, 'data', '00000000-0000-4000-8000-000000000002.pkg'), randomBytes(2048));
      // A folder with a package file's name cannot be opened for writing: the wipe is refused.
      mkdirSync(join(outboxDir, 'data', '00000000-0000-4000-8000-000000000003.pkg'));
    });
    const wiped = lines.find((entry) => /wiped 2 package file\(s\) no stored package named/.test(entry.msg));
    assert.equal(wiped?.level, 30, `no info line for the two wiped files: ${lines.map((entry) => entry.msg).join(' | ')}`);
    const left = lines.find((entry) => /1 orphan package file\(s\) could not be wiped, left to the next start/.test(entry.msg));
    assert.equal(left?.level, 40, 'the file left is not a warning');
    assert.match(left!.msg, /00000000-0000-4000-8000-000000000003\.pkg/);
    assert.equal(existsSync(join(outboxDir, 'data', '00000000-0000-4000-8000-000000000001.pkg')), false);
  });

  it('says nothing about orphans when there are none', async () => {
    const { lines } = await startedService(() => {});
    assert.deepEqual(
      lines.filter((entry) => /orphan|no stored package named/.test(entry.msg)),
      [],
    );
  });
});
