/**
 * A whole session through the kiosk API, as the touchscreen drives it: a Tajik-speaking person's
 * answers arrive as booth-kiosk/1 messages over the loopback WebSocket; the screen gets the
 * prompts rendered in Tajik with their voice recording (Russian: espeak-ng has no Tajik voice),
 * live previews, per-finger quality, and refusals for what it must not do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageCatalogue } from '../../runtime/i18n/catalogue.ts';
import type { SimSensors } from '../../simulator/devices/sim-sensors.ts';
import { KioskTestClient, type KioskMessage } from '../support/kiosk-test-client.ts';
import { sessionFixture } from '../support/session-fixture.ts';

describe('a session through the kiosk API', () => {
  it('runs end to end from the screen, in Tajik, with previews, quality and voice', async () => {
    const fixture = await sessionFixture();
    const catalogue = MessageCatalogue.load();
    const base = fixture.booth.person!.url!;
    const client = await KioskTestClient.connect(`${base.replace('http', 'ws')}/kiosk/v1`);
    const pump = async (condition: () => boolean, what: string) => {
      for (let step = 0; !condition(); step += 1) {
        if (step > 20_000) throw new Error(`${what} did not happen; states: ${fixture.states().join(' → ')}`);
        await fixture.clock.advance(20);
      }
    };
    const seen = (predicate: (message: KioskMessage) => boolean) => client.received.some(predicate);
    const stateIs = (state: string) => (message: KioskMessage) => message.type === 'state' && (message.snapshot as { state: string }).state === state;
    let nextId = 0;
    const act = async (action: Record<string, unknown>) => client.request({ type: 'action', id: `a${++nextId}`, ...action });
    try {
      const hello = await client.next('hello');
      assert.equal(hello.protocol, 'booth-kiosk/1');
      assert.deepEqual((hello.languages as Array<{ code: string }>).map((language) => language.code), ['ru', 'uk', 'tg', 'uz', 'ro', 'en', 'fr', 'de', 'ky', 'kk', 'zh', 'tr', 'ka']);
      assert.equal((hello.languages as Array<{ code: string; name: string }>)[2]!.name, 'Тоҷикӣ');

      fixture.sim<SimSensors>('sensors').setOccupied(true);
      await pump(() => seen(stateIs('language')), 'the language screen');
      const early = await act({ action: 'confirm' });
      assert.equal(early.type, 'error');
      assert.equal(early.code, 'EORDER');
      assert.match(String(early.message), /state "language"; allowed: choose-language/);
      assert.equal((await act({ action: 'choose-language', language: 'tg' })).type, 'ack');

      await pump(() => seen(stateIs('consent')), 'the consent screen');
      const consent = client.received.find((message) => message.type === 'prompt' && message.key === 'consent.text')!;
      assert.equal(consent.language, 'tg');
      assert.equal(consent.text, catalogue.text('tg', 'consent.text'));
      assert.match(String(consent.audio), /^\/voice\/ru\/consent\.text\.wav$/, 'Tajik prompts are spoken in Russian');
      const recording = await fetch(`${base}${String(consent.audio)}`);
      assert.equal(recording.status, 200);
      assert.equal(Buffer.from(await recording.arrayBuffer()).subarray(0, 4).toString('latin1'), 'RIFF');

      assert.equal((await act({ action: 'accept-consent' })).type, 'ack');
      await pump(() => seen(stateIs('missing-fingers')), 'the missing-fingers screen');
      assert.equal((await act({ action: 'declare-missing', fingers: [] })).type, 'ack');
      await pump(() => seen(stateIs('review')), 'the review screen');
      assert.equal((await act({ action: 'confirm' })).type, 'ack');
      await pump(() => fixture.summaries.length === 1, 'the end of the session');

      const previews = client.received.filter((message) => message.type === 'preview');
      assert.ok(previews.some((preview) => preview.source === 'fingerprint' && preview.mime === 'image/png'));
      assert.ok(previews.some((preview) => preview.source === 'camera' && preview.mime === 'image/jpeg'));
      const png = Buffer.from(String(previews.find((preview) => preview.mime === 'image/png')!.data), 'base64');
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      const slapVerdicts = client.received.filter((message) => message.type === 'quality' && (message.target as { kind: string }).kind === 'slap');
      assert.equal(slapVerdicts.length, 3);
      assert.ok(slapVerdicts.every((verdict) => verdict.accepted === true));
      assert.equal(fixture.summaries[0]!.outcome, 'completed');
      assert.equal(fixture.outboxPackages()[0]!.language, 'tg');
      await pump(() => seen((message) => message.type === 'ended'), 'the ended message');
      assert.equal(client.received.find((message) => message.type === 'ended')!.outcome, 'completed');
    } finally {
      client.socket.close();
      await fixture.cleanup();
    }
  });
});
