/** A disk without room for a session refuses the session up front, whatever the quota says. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Outbox } from '../../runtime/outbox/outbox.ts';
import { FakeClock } from '../support/fake-clock.ts';

describe('outbox admission and free disk space', () => {
  it('refuses a session that would not fit on the disk, naming the free space', () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'outbox-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mountPoint]);
    const outbox = new Outbox(join(mountPoint, 'outbox'), new FakeClock(), { maxBytes: 2 * 1024 ** 3, maxAgeMs: 3_600_000 });
    try {
      outbox.open();
      assert.deepEqual(outbox.admission(1024 * 1024), { ok: true }, '1 MiB fits on 8 MiB');
      const refused = outbox.admission(16 * 1024 * 1024);
      assert.equal(refused.ok, false);
      assert.match((refused as { reason: string }).reason, /^disk full: \d MiB free where the outbox lives, a session needs 32 MiB$/);
    } finally {
      outbox.close();
      execFileSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});
