/**
 * The reference kiosk UI (kiosk/ui) in headless Chromium against a scripted fake kiosk server:
 * every session state's screen, the actions its buttons send, previews, per-finger quality,
 * only-allowed buttons, translations and <html lang>, reconnecting, and the layout at
 * 1080x1920 and 768x1024 (with a screenshot of each screen in test-artifacts/kiosk-ui/).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PersonActionName, QualityFeedback, SessionSnapshot } from '../../protocols/kiosk/session-contract.ts';
import { chromiumPath, launchBrowser, type LaunchedBrowser } from '../support/browser.ts';
import { KioskPage, PORTRAIT, TABLET, type Viewport } from '../support/kiosk-page.ts';
import { waitFor } from '../support/wait.ts';
import { FakeKioskServer, I18N_DIR, NATIVE_NAMES, SLAP_TARGETS, snapshotFor, type FakeKioskServerOptions } from './fake-kiosk-server.ts';
import { cameraPreview, palmPreview, slapPreview } from './preview-frames.ts';

const catalogue = (code: string): Record<string, string> => JSON.parse(readFileSync(join(I18N_DIR, `${code}.json`), 'utf8'));
const en = catalogue('en');
const ru = catalogue('ru');

/** The button each action has on screen (choose-language and declare-missing have their own). */
const BUTTON_OF: Partial<Record<PersonActionName, string>> = {
  start: 'action-start',
  'accept-consent': 'action-accept-consent',
  'decline-consent': 'action-decline-consent',
  'skip-document': 'action-skip-document',
  retry: 'action-retry',
  'clear-signature': 'action-clear-signature',
  confirm: 'action-confirm',
  help: 'action-help',
  cancel: 'action-cancel',
};

function without(snapshot: SessionSnapshot, ...actions: PersonActionName[]): SessionSnapshot {
  return { ...snapshot, allowedActions: snapshot.allowedActions.filter((action) => !actions.includes(action)) };
}

/** A screenshot file is a PNG of the whole screen. */
function assertScreenshot(file: string, viewport: Viewport): void {
  const png = readFileSync(file);
  assert.ok(png.length > 1000, `${file} is only ${png.length} bytes`);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is not a PNG`);
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [viewport.width, viewport.height], `${file} size`);
}

interface Kiosk {
  server: FakeKioskServer;
  page: KioskPage;
  /** Sends a snapshot and waits for its screen; checks buttons and layout; screenshots it as `name`. */
  show(snapshot: SessionSnapshot, name?: string): Promise<void>;
  /**
   * Checks the buttons (the allowed ones; "try again" only with `failed`, after a failed attempt)
   * and the layout of the screen shown now, and screenshots it as `name`.
   */
  check(name?: string, failed?: boolean): Promise<void>;
}

describe('kiosk UI', { skip: chromiumPath() ? false : 'Chromium is not installed (make debs)' }, () => {
  let launched: LaunchedBrowser | undefined;
  before(async () => {
    launched = await launchBrowser();
  });
  after(async () => {
    await launched?.close();
  });

  /** A fresh fake server and page for one test; both are closed however the test ends. */
  async function withKiosk(options: FakeKioskServerOptions & { viewport?: Viewport; query?: string }, body: (kiosk: Kiosk) => Promise<void>): Promise<void> {
    const viewport = options.viewport ?? PORTRAIT;
    const server = await FakeKioskServer.start(options);
    let page: KioskPage | undefined;
    try {
      page = await KioskPage.open(launched!.browser, server.url + (options.query ?? ''), viewport);
      const kiosk: Kiosk = {
        server,
        page,
        async check(name, failed = false) {
          const snapshot = server.snapshot;
          const expected = snapshot.allowedActions
            .filter((action) => action !== 'retry' || failed)
            .map((action) => BUTTON_OF[action])
            .filter((id): id is string => Boolean(id));
          assert.deepEqual((await page!.visibleTestIds('action-')).sort(), expected.sort(), `buttons on the ${snapshot.state} screen`);
          assert.deepEqual(await page!.layoutProblems(), [], `layout of the ${snapshot.state} screen at ${viewport.width}x${viewport.height}`);
          if (name) assertScreenshot(await page!.screenshot(name), viewport);
        },
        async show(snapshot, name) {
          server.setState(snapshot);
          const target = snapshot.target && 'slap' in snapshot.target ? `slap:${snapshot.target.slap}` : snapshot.target && 'palm' in snapshot.target ? `palm:${snapshot.target.palm}` : undefined;
          await page!.waitForState(snapshot.state, target ? { target } : {});
          await kiosk.check(name);
        },
      };
      await body(kiosk);
      assert.deepEqual(page.errors, [], 'errors in the page');
      assert.deepEqual(server.refusedActions(), [], 'actions the page sent although the snapshot did not allow them');
    } finally {
      await page?.close();
      await server.close();
    }
  }

  it('walks through a whole session: each screen, the actions its buttons send, previews and quality', async () => {
    // ?voice=browser: this kiosk plays the prompts itself (boothd's speaker is the default).
    await withKiosk({ snapshot: snapshotFor('idle'), query: '?voice=browser' }, async ({ server, page, show, check }) => {
      // Before anyone chooses, the screen is in the booth's first language, with the welcome in the others.
      await page.waitForState('idle');
      await check('01-idle');
      assert.equal(await page.htmlLang(), 'ru');
      assert.equal(await page.text('action-start'), ru['idle.start']);
      assert.equal(await page.text('instruction'), ru['idle.welcome']);
      assert.ok((await page.text('other-languages')).includes(en['idle.welcome']!));
      assert.equal(await page.visible('progress'), false, 'no progress bar before the session');
      await page.tap('action-start');
      assert.equal((await server.waitForAction('start')).action, 'start');

      await show(snapshotFor('precheck'), '02-precheck');
      assert.ok(await page.visible('spinner'));

      await show(snapshotFor('language'), '03-language');
      for (const [code, name] of Object.entries(NATIVE_NAMES)) {
        assert.equal(await page.text(`lang-${code}`), name);
        assert.equal(await page.attribute(`lang-${code}`, 'lang'), code, `lang-${code} is marked as ${code}`);
      }
      assert.equal(await page.attribute('progress', 'data-current'), '1');
      await page.tap('lang-en');
      assert.deepEqual(pick(await server.waitForAction('choose-language'), 'action', 'language'), { action: 'choose-language', language: 'en' });

      await show(snapshotFor('consent'), '04-consent');
      await page.waitForLang('en');
      assert.equal(await page.text('instruction'), en['consent.title']);
      assert.ok((await page.text('consent-text')).startsWith(en['consent.text']!.slice(0, 40)));
      assert.equal(await page.text('progress-label'), 'Step 2 of 9');
      assert.equal(await page.text('progress-name'), en['step.consent']);
      await page.tap('action-accept-consent');
      await server.waitForAction('accept-consent');

      await show(snapshotFor('document'), '05-document');
      assert.equal(await page.text('instruction'), en['document.mrz']);
      await page.tap('action-skip-document');
      await server.waitForAction('skip-document');
      // A booth that does not allow going on without a document offers no skip button.
      server.setState(without(snapshotFor('document'), 'skip-document'));
      await page.waitForGone('action-skip-document');
      await check();

      await show(snapshotFor('missing-fingers'), '06-missing-fingers');
      assert.equal(await page.text('instruction'), en['missing.title']);
      await page.tap('missing-none');
      assert.deepEqual((await server.waitForAction('declare-missing')).fingers, []);

      // Right four: fingers 2-5 are the target; no "try again" before a failed attempt.
      await show(snapshotFor('fingerprints', { target: SLAP_TARGETS['right-four'] }));
      for (let position = 1; position <= 10; position++) {
        const isTarget = [2, 3, 4, 5].includes(position);
        assert.equal((await page.classes(`finger-${position}`)).includes('target'), isTarget, `finger ${position} highlighted: ${isTarget}`);
      }
      server.prompt('fingers.hold', {}, { audio: '/voice/en/fingers.hold.wav' });
      await page.waitForText('instruction', en['fingers.hold']!);
      await waitFor(() => server.requests.includes('/voice/en/fingers.hold.wav'), 'the page to fetch the prompt recording');
      assert.equal(server.requests.filter((request) => request.startsWith('/voice/')).length, 1, 'one prompt, one recording');
      const fingers = [
        { position: 2, quality: 82 },
        { position: 3, quality: 74 },
        { position: 4, quality: 8 },
        { position: 5, quality: 61 },
      ];
      server.preview(slapPreview('right-four', fingers));
      await page.waitForAttribute('preview', 'data-source', 'fingerprint');
      assert.match((await page.attribute('preview', 'src')) ?? '', /^blob:/);
      await page.waitForImage('preview');
      await page.waitForClass('finger-3', 'seen');
      const verdict: QualityFeedback = {
        target: SLAP_TARGETS['right-four'],
        attempt: 1,
        maxAttempts: 3,
        accepted: false,
        problems: ['low-quality'],
        fingers: [
          { position: 2, quality: 82, minimum: 30, ok: true },
          { position: 3, quality: 74, minimum: 20, ok: true },
          { position: 4, quality: 8, minimum: 10, ok: false },
          { position: 5, quality: 61, minimum: 10, ok: true },
        ],
      };
      server.quality(verdict);
      await page.waitForTestId('quality-4');
      assert.equal(await page.attribute('quality-4', 'data-ok'), 'false');
      assert.equal(await page.attribute('quality-2', 'data-ok'), 'true');
      assert.equal(await page.text('quality-4'), en['finger.4']);
      assert.ok((await page.classes('finger-4')).includes('bad'));
      assert.ok((await page.classes('finger-5')).includes('ok'));
      assert.equal(await page.text('attempt'), 'Attempt 1 of 3');
      assert.equal(await page.text('problem-low-quality'), en['problem.low-quality']);
      await page.waitForTestId('action-retry');
      // A new snapshot: its own prompt takes over from "hold still"; the verdict stays.
      server.setState(snapshotFor('fingerprints', { target: SLAP_TARGETS['right-four'], timeoutSeconds: 45 }));
      await page.waitForText('instruction', en['fingers.right-four']!);
      await check('07-fingerprints-right-four', true);
      // A booth that does not allow retrying here shows no "try again", failed attempt or not.
      server.setState(without(snapshotFor('fingerprints', { target: SLAP_TARGETS['right-four'] }), 'retry'));
      await page.waitForGone('action-retry');
      server.setState(snapshotFor('fingerprints', { target: SLAP_TARGETS['right-four'] }));
      await page.tap('action-retry');
      await server.waitForAction('retry');

      // Left four with the ring finger declared missing: crossed out, not asked for.
      await show(snapshotFor('fingerprints', { target: SLAP_TARGETS['left-four'], missingFingers: [9] }));
      assert.ok((await page.classes('finger-9')).includes('missing'));
      assert.ok((await page.classes('finger-7')).includes('target'));
      server.preview(slapPreview('left-four', [{ position: 7, quality: 70 }, { position: 8, quality: 66 }, { position: 10, quality: 52 }], 4));
      server.quality({
        target: SLAP_TARGETS['left-four'],
        attempt: 1,
        maxAttempts: 3,
        accepted: true,
        problems: [],
        fingers: [
          { position: 7, quality: 70, minimum: 30, ok: true },
          { position: 8, quality: 66, minimum: 20, ok: true },
          { position: 10, quality: 52, minimum: 10, ok: true },
        ],
      });
      await page.waitForTestId('quality-10');
      assert.deepEqual(await page.visibleTestIds('quality-'), ['quality-7', 'quality-8', 'quality-10']);
      assert.equal(await page.visible('problems'), false);
      await check('08-fingerprints-left-four-missing-9');

      // Two thumbs, one not seen: the guidance counts the fingers asked for.
      await show(snapshotFor('fingerprints', { target: SLAP_TARGETS['two-thumbs'], missingFingers: [9] }));
      assert.ok((await page.classes('finger-1')).includes('target'));
      assert.ok((await page.classes('finger-6')).includes('target'));
      assert.ok(!(await page.classes('finger-2')).includes('target'));
      server.preview(slapPreview('two-thumbs', [{ position: 1, quality: 64 }], 5));
      server.quality({
        target: SLAP_TARGETS['two-thumbs'],
        attempt: 2,
        maxAttempts: 3,
        accepted: false,
        problems: ['finger-missing'],
        fingers: [
          { position: 1, quality: 64, minimum: 30, ok: true },
          { position: 6, quality: 0, minimum: 30, ok: false },
        ],
      });
      await page.waitForTestId('problem-finger-missing');
      assert.equal(await page.text('problem-finger-missing'), en['problem.finger-missing']!.replace('{count}', '2'));
      assert.equal(await page.text('attempt'), 'Attempt 2 of 3');
      await check('09-fingerprints-two-thumbs', true);

      await show(snapshotFor('palms', { target: { kind: 'palm', palm: 'right-full' }, missingFingers: [9] }));
      assert.ok((await page.classes('palm-right')).includes('target'));
      assert.ok(!(await page.classes('palm-left')).includes('target'));
      server.preview(palmPreview(72));
      await page.waitForAttribute('preview', 'data-source', 'fingerprint');
      server.quality({ target: { kind: 'palm', palm: 'right-full' }, attempt: 1, maxAttempts: 3, accepted: true, problems: [], fingers: [{ position: 0, quality: 72, minimum: 40, ok: true }] });
      await page.waitForTestId('quality-0');
      assert.equal(await page.attribute('quality-0', 'data-ok'), 'true');
      assert.ok((await page.classes('palm-right')).includes('ok'));
      await check('10-palms-right-full');

      await show(snapshotFor('palms', { target: { kind: 'palm', palm: 'left-writer' } }), '11-palms-left-writer');
      assert.ok(await page.visible('palm-edge-left'));
      assert.equal(await page.visible('quality-0'), false, 'the right palm verdict is not shown for the left writer palm');

      await show(snapshotFor('face'));
      server.preview(cameraPreview());
      await page.waitForAttribute('preview', 'data-source', 'camera');
      // A fingerprint frame arriving late is not shown on the face screen.
      server.preview(slapPreview('right-four', fingers));
      server.quality({ target: { kind: 'face' }, attempt: 1, maxAttempts: 3, accepted: false, problems: ['eyes-closed', 'pose'], fingers: [{ position: 0, quality: 35, minimum: 50, ok: false }] });
      await page.waitForTestId('problem-eyes-closed');
      assert.equal(await page.attribute('preview', 'data-source'), 'camera');
      assert.equal(await page.text('problem-pose'), en['problem.pose']);
      await check('12-face', true);
      await page.tap('action-retry');
      await server.waitForAction('retry', 2);

      await show(snapshotFor('signature'), '13-signature');
      await page.tap('action-clear-signature');
      await server.waitForAction('clear-signature');

      await show(snapshotFor('review', { missingFingers: [9] }), '14-review');
      assert.equal(await page.text('review-fingerprints'), 'Fingerprints: 9 of 10');
      assert.equal(await page.attribute('progress', 'data-current'), '9');
      await page.tap('action-confirm');
      await server.waitForAction('confirm');

      await show(snapshotFor('committing'), '15-committing');
      assert.equal(await page.visible('progress'), false);
      assert.deepEqual(await page.visibleTestIds('action-'), []);
      await show(snapshotFor('goodbye'), '16-goodbye');
      server.broadcast({ type: 'ended', outcome: 'completed' });
      await show(snapshotFor('idle'));
      assert.equal(await page.visible('preview'), false, 'nothing of the last person is left on screen');

      assert.deepEqual(
        server.actions().map((action) => action.action),
        ['start', 'choose-language', 'accept-consent', 'skip-document', 'declare-missing', 'retry', 'retry', 'clear-signature', 'confirm'],
      );
      assert.ok(server.actions().every((action) => typeof action.id === 'string' && action.id.length > 0));
      assert.equal(new Set(server.actions().map((action) => action.id)).size, server.actions().length, 'action ids are unique');
    });
  });

  it('declares missing fingers: tap a finger, pick a reason, continue', async () => {
    await withKiosk({ snapshot: snapshotFor('missing-fingers') }, async ({ server, page, check }) => {
      await page.waitForState('missing-fingers');
      await page.tap('missing-some');
      await page.waitForTestId('missing-confirm');
      await page.tap('finger-1');
      await page.waitForTestId('reason-panel');
      assert.equal(await page.visible('missing-confirm'), false, 'one question at a time: no continue while a reason is asked');
      await check('20-missing-fingers-reason');
      await page.tap('reason-amputated');
      await page.tap('finger-9');
      await page.tap('reason-bandaged');
      // A finger tapped by mistake: tapping it again withdraws the question.
      await page.tap('finger-4');
      await page.waitForTestId('reason-panel');
      await page.tap('finger-4');
      await page.waitForGone('reason-panel');
      // A finger marked by mistake: tapping it again unmarks it.
      await page.tap('finger-7');
      await page.tap('reason-unable-to-print');
      await page.waitForTestId('marked-7');
      await page.tap('finger-7');
      await page.waitForGone('marked-7');
      assert.deepEqual(await page.visibleTestIds('marked-'), ['marked-1', 'marked-9']);
      assert.ok((await page.classes('finger-1')).includes('missing'));
      assert.ok((await page.classes('finger-9')).includes('missing'));
      assert.equal(await page.attribute('finger-1', 'aria-pressed'), 'true');
      const marked9 = await page.text('marked-9');
      assert.ok(marked9.includes(en['finger.9']!) && marked9.includes(en['missing.reason.bandaged']!), marked9);
      await check('21-missing-fingers-marked');
      await page.tap('missing-confirm');
      const declared = await server.waitForAction('declare-missing');
      assert.deepEqual(declared.fingers, [
        { position: 1, reason: 'amputated' },
        { position: 9, reason: 'bandaged' },
      ]);
    });
  });

  it('shows each language from its catalogue, marks <html lang>, and falls back to English per key', async () => {
    const partialGerman = { 'language.native': 'Deutsch', 'consent.accept': 'Ich stimme zu', 'cancel.button': 'Abbrechen' };
    await withKiosk({ snapshot: snapshotFor('consent', { language: 'de' }), catalogues: { de: partialGerman } }, async ({ server, page }) => {
      await page.waitForState('consent');
      await page.waitForLang('de');
      assert.equal(await page.text('action-accept-consent'), 'Ich stimme zu');
      assert.equal(await page.attribute('action-accept-consent', 'lang'), null, 'German text needs no lang of its own');
      assert.equal(await page.text('action-cancel'), 'Abbrechen');
      // Not translated: English text, marked as English for screen readers and fonts.
      assert.equal(await page.text('action-decline-consent'), en['consent.decline']);
      assert.equal(await page.attribute('action-decline-consent', 'lang'), 'en');
      assert.equal(await page.attribute('instruction', 'lang'), 'en');

      server.setState(snapshotFor('consent', { language: 'ru' }));
      await page.waitForLang('ru');
      await page.waitForText('action-cancel', ru['cancel.button']!);
      assert.equal(await page.text('action-accept-consent'), ru['consent.accept']);
      assert.equal(await page.text('instruction'), ru['consent.title']);
      assert.equal(await page.attribute('instruction', 'lang'), null);
      assert.equal(await page.text('progress-label'), ru['progress.step']!.replace('{current}', '2').replace('{total}', '9'));
      assertScreenshot(await page.screenshot('30-consent-ru'), PORTRAIT);
      // A prompt the server could not render arrives with its key as text: the page's catalogue says it.
      server.setState(snapshotFor('document', { language: 'ru' }));
      await page.waitForState('document');
      server.prompt('document.unreadable', {}, { text: 'document.unreadable', language: 'ru' });
      await page.waitForText('instruction', ru['document.unreadable']!);
    });
  });

  it('offers only the actions the snapshot allows, and sends help and cancel', async () => {
    await withKiosk({ snapshot: snapshotFor('consent') }, async ({ server, page, show }) => {
      await page.waitForState('consent');
      // A booth that has switched help off for this state: no help button.
      await show(without(snapshotFor('consent'), 'help', 'decline-consent'));
      assert.equal(await page.visible('action-help'), false);
      await show(snapshotFor('consent'));
      await page.tap('action-help');
      await server.waitForAction('help');
      await show(snapshotFor('escalated'), '40-escalated');
      await show(snapshotFor('signature'));
      await page.tap('action-cancel');
      await server.waitForAction('cancel');
      // Every state with no person actions shows no buttons at all.
      for (const state of ['precheck', 'committing', 'goodbye', 'refused', 'escalated', 'fire-alarm', 'out-of-service'] as const) {
        await show(snapshotFor(state));
        assert.deepEqual(await page.visibleTestIds('action-'), [], `${state} has no buttons`);
      }
    });
  });

  it('shows out of service, refused and fire alarm without leaking the fault, in every language before a choice', async () => {
    await withKiosk({ snapshot: snapshotFor('out-of-service', { reason: 'fingerprint scanner ENODEV on /dev/bio0' }) }, async ({ server, page, show }) => {
      await page.waitForState('out-of-service');
      await page.waitForTestId('other-languages');
      const html = await page.page.content();
      assert.ok(!html.includes('ENODEV') && !html.includes('/dev/bio0'), 'the technical reason is not on the page');
      assert.equal(await page.text('instruction'), ru['outOfService.title']);
      assert.ok((await page.text('other-languages')).includes(en['outOfService.body']!));
      assert.deepEqual(await page.visibleTestIds('action-'), []);
      await page.screenshot('50-out-of-service');

      await show(snapshotFor('refused'), '51-refused');
      assert.equal(await page.text('instruction'), en['refused.goodbye']);

      await show(snapshotFor('fire-alarm', { language: 'en' }), '52-fire-alarm');
      assert.equal(await page.text('instruction'), en['fireAlarm.leave']);
      assert.equal(await page.computedStyle('body', 'backgroundColor'), 'rgb(179, 38, 30)');
      // No prompt ever replaces the evacuation message.
      server.prompt('fingers.hold');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(await page.text('instruction'), en['fireAlarm.leave']);
      await show(snapshotFor('fire-alarm'), '53-fire-alarm-no-language');
      assert.ok((await page.text('other-languages')).includes(en['fireAlarm.leave']!));
    });
  });

  it('reconnects with a "connecting" overlay when the socket drops, and redraws from the new snapshot', async () => {
    await withKiosk({ snapshot: snapshotFor('consent') }, async ({ server, page, check }) => {
      await page.waitForState('consent');
      assert.equal(await page.visible('connecting'), false);
      server.refusing = true;
      server.dropClients();
      await page.waitForTestId('connecting');
      assert.ok(await page.visible('state-consent'), 'the last screen stays under the overlay, not a blank page');
      assertScreenshot(await page.screenshot('60-connecting'), PORTRAIT);
      // The booth moved on while the screen was away.
      server.snapshot = snapshotFor('document');
      await new Promise((resolve) => setTimeout(resolve, 800));
      assert.ok(await page.visible('connecting'), 'still connecting while the booth refuses');
      assert.equal(server.connections, 1);
      server.refusing = false;
      await page.waitForState('document', { limitMs: 15_000 });
      await page.waitForGone('connecting');
      assert.equal(server.connections, 2);
      await check();
      await page.tap('action-skip-document');
      assert.equal((await server.waitForAction('skip-document')).action, 'skip-document');
    });
  });

  it('sends one touch per burst of taps, and clears "are you still there?" on a tap', async () => {
    await withKiosk({ snapshot: snapshotFor('consent') }, async ({ server, page }) => {
      await page.waitForState('consent');
      for (let i = 0; i < 4; i++) await page.tapAt(540, 700);
      await server.waitForAction('touch');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(server.actions('touch').length, 1, 'taps within 5 s send one touch');
      server.prompt('inactivity.still-there');
      await page.waitForTestId('still-there');
      assert.equal(await page.text('still-there'), en['inactivity.still-there']);
      assertScreenshot(await page.screenshot('61-still-there'), PORTRAIT);
      await page.tapAt(540, 700);
      await page.waitForGone('still-there');
      // The answer to "still there?" is sent at once, although the last touch was under 5 s ago.
      await server.waitForAction('touch', 2);
    });
  });

  it('revokes the blob URL of each preview frame once a newer one is shown', async () => {
    await withKiosk({ snapshot: snapshotFor('face') }, async ({ server, page }) => {
      await page.waitForState('face');
      const sources: string[] = [];
      for (let frame = 1; frame <= 4; frame++) {
        server.preview(cameraPreview({ seed: frame }));
        await page.waitForAttribute('preview', 'data-frames', String(frame));
        await page.waitForImage('preview');
        sources.push((await page.attribute('preview', 'src'))!);
      }
      assert.equal(new Set(sources).size, 4);
      // A revoked blob: URL no longer loads (the page's CSP allows blob: images, not blob: fetches).
      const readable = await page.imagesLoad(sources);
      assert.deepEqual(readable, [false, false, false, true], 'only the frame on screen is still a live blob');
      // The probe's own failed loads of the revoked URLs are not errors of the page.
      const probeErrors = page.errors.filter((error) => error.includes('net::ERR_FILE_NOT_FOUND'));
      assert.equal(probeErrors.length, 3);
      page.errors.splice(0, page.errors.length, ...page.errors.filter((error) => !probeErrors.includes(error)));
    });
  });

  it('fits a 768x1024 screen: every state without overflow, covered or small buttons', async () => {
    await withKiosk({ snapshot: snapshotFor('idle'), viewport: TABLET }, async ({ server, page, show, check }) => {
      await page.waitForState('idle');
      await check('01-idle');
      await show(snapshotFor('precheck'), '02-precheck');
      await show(snapshotFor('out-of-service'), '03-out-of-service');
      await show(snapshotFor('language'), '04-language');
      await show(snapshotFor('consent'), '05-consent');
      await show(snapshotFor('document'), '06-document');
      await show(snapshotFor('missing-fingers'), '07-missing-fingers');
      await page.tap('missing-some');
      await page.tap('finger-6');
      await page.waitForTestId('reason-panel');
      await check('08-missing-fingers-reason');
      await page.tap('reason-bandaged');
      await page.tap('finger-10');
      await page.tap('reason-amputated');
      await page.waitForTestId('marked-10');
      await check('09-missing-fingers-marked');
      await show(snapshotFor('fingerprints', { target: SLAP_TARGETS['right-four'] }));
      server.preview(slapPreview('right-four', [{ position: 2, quality: 82 }, { position: 3, quality: 74 }, { position: 4, quality: 8 }, { position: 5, quality: 61 }]));
      server.quality({
        target: SLAP_TARGETS['right-four'],
        attempt: 2,
        maxAttempts: 3,
        accepted: false,
        problems: ['low-quality', 'same-finger-twice'],
        fingers: [
          { position: 2, quality: 82, minimum: 30, ok: true },
          { position: 3, quality: 74, minimum: 20, ok: true },
          { position: 4, quality: 8, minimum: 10, ok: false },
          { position: 5, quality: 61, minimum: 10, ok: true },
        ],
      });
      await page.waitForTestId('quality-5');
      await page.waitForAttribute('preview', 'data-source', 'fingerprint');
      await check('10-fingerprints', true);
      await show(snapshotFor('palms', { target: { kind: 'palm', palm: 'left-full' } }));
      server.preview(palmPreview(40, 2));
      server.quality({ target: { kind: 'palm', palm: 'left-full' }, attempt: 1, maxAttempts: 3, accepted: false, problems: ['low-quality'], fingers: [{ position: 0, quality: 22, minimum: 40, ok: false }] });
      await page.waitForTestId('quality-0');
      await check('11-palms', true);
      await show(snapshotFor('face'));
      server.preview(cameraPreview());
      server.quality({ target: { kind: 'face' }, attempt: 1, maxAttempts: 3, accepted: false, problems: ['exposure'], fingers: [{ position: 0, quality: 30, minimum: 50, ok: false }] });
      await page.waitForTestId('problem-exposure');
      await check('12-face', true);
      await show(snapshotFor('signature'), '13-signature');
      await show(snapshotFor('review'), '14-review');
      await show(snapshotFor('committing'), '15-committing');
      await show(snapshotFor('goodbye'), '16-goodbye');
      await show(snapshotFor('refused'), '17-refused');
      await show(snapshotFor('escalated'), '18-escalated');
      await show(snapshotFor('fire-alarm', { language: 'en' }), '19-fire-alarm');
      // The longest language on the longest screens.
      await show(snapshotFor('consent', { language: 'ka' }), '20-consent-ka');
      await show(snapshotFor('fingerprints', { language: 'uz', target: SLAP_TARGETS['two-thumbs'] }), '21-fingerprints-uz');
      await show(snapshotFor('missing-fingers', { language: 'ro' }), '22-missing-fingers-ro');
    });
  });
});

function pick(message: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, message[key]]));
}
