/**
 * The session's slaps and palms are PNG-encoded on boothd's encoder thread: a completed session
 * commits them (on the thread, started when first needed), an encoding that fails escalates the
 * session at commit with the reason and commits nothing, and the booth's shutdown ends the thread.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { sessionFixture, type SessionFixture } from '../support/session-fixture.ts';

async function withBooth(test: (fixture: SessionFixture) => Promise<void>): Promise<void> {
  const fixture = await sessionFixture();
  try {
    await test(fixture);
  } finally {
    await fixture.cleanup();
  }
}

describe('session PNG encoding on a worker thread', () => {
  it('a completed session commits its slaps and palms as PNG; the thread starts when needed and ends with the booth', async () => {
    const fixture = await sessionFixture();
    let exited: Promise<unknown> | undefined;
    try {
      const encoder = fixture.booth.pngEncoder!;
      assert.equal(encoder.threadForTests(), undefined, 'not started before a capture needs it');
      fixture.person({ name: 'complete', language: 'en' }).enter();
      await fixture.untilEnded(1);
      assert.equal(fixture.summaries[0]!.outcome, 'completed');
      const [pkg] = fixture.outboxPackages();
      const images = pkg!.captures.filter((capture) => capture.kind === 'SLAP' || capture.kind === 'PALM');
      assert.ok(images.length >= 4);
      for (const capture of images) assert.deepEqual([...capture.image.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const thread = encoder.threadForTests();
      assert.ok(thread, 'the encoder thread ran the session');
      exited = once(thread, 'exit');
    } finally {
      await fixture.cleanup();
    }
    await exited;
    assert.equal(fixture.booth.pngEncoder!.threadForTests(), undefined, 'no thread after shutdown');
  });

  it('an encoding that fails escalates the session at commit with the reason; nothing is committed', () =>
    withBooth(async (fixture) => {
      const encoder = fixture.booth.pngEncoder!;
      encoder.encode = () => Promise.reject(new Error('png encoder thread exited with code 1'));
      fixture.person({ name: 'unlucky', language: 'en' }).enter();
      await fixture.untilState('escalated');
      assert.match(fixture.session.snapshot().reason ?? '', /^capture images not encoded: PNG encoding of capture .*\(SLAP-13\) failed: png encoder thread exited with code 1 \(and \d+ more\)$/);
      assert.equal(fixture.booth.door.state, 'released');
      assert.deepEqual(fixture.outboxPackages(), []);
      fixture.session.officer('discard', 'officer-1');
      await fixture.untilState('idle');
      assert.deepEqual(fixture.outboxPackages(), []);
    }));
});
