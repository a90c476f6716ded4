/**
 * The kiosk UI on a real booth: the whole simulated Booth (every device simulated, the capture
 * path with fresh keys, the real KioskServer serving kiosk/ui) and headless Chromium on
 * `booth.person.url`. Every choice the person makes is a tap on the real page; the simulated
 * scanner, camera and pad do the hardware part on the booth's fake clock.
 *
 * Fake time and real time: a FakeTimePump moves the booth's clock in the background and stops at
 * every new screen (a session `state` listener takes a hold synchronously), at the first live
 * preview of each capture and at the accepted verdict that ends each capture step, so the page
 * is looked at, asserted on and photographed while the booth stands still; the test then taps
 * and releases the hold. Nothing waits on wall-clock luck: every wait is on a condition (the
 * pump held at a screen, the page showing it) with a limit. The person places each hand only
 * once the page shows the target.
 *
 * Screenshots of every screen go to test-artifacts/kiosk-ui/real-session/ (or
 * $KIOSK_SCREENSHOTS_DIR/real-session/), replaced by every run.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MessageCatalogue } from '../../runtime/i18n/catalogue.ts';
import type { Language, PersonActionName, QualityFeedback, SessionSnapshot } from '../../protocols/kiosk/session-contract.ts';
import type { SimDoorLock } from '../../simulator/devices/sim-door-lock.ts';
import type { SimFingerprintScanner } from '../../simulator/devices/sim-fingerprint.ts';
import type { SimSensors } from '../../simulator/devices/sim-sensors.ts';
import { chromiumPath, launchBrowser, type LaunchedBrowser } from '../support/browser.ts';
import { FakeTimePump } from '../support/fake-time-pump.ts';
import { KioskPage, PORTRAIT, screenshotsDir } from '../support/kiosk-page.ts';
import { sessionFixture, type SessionFixture } from '../support/session-fixture.ts';
import { waitFor } from '../support/wait.ts';

const FOLDER = 'real-session';
/** Real-time limit for the booth to reach the next screen, and for the page to show it. */
const STEP_LIMIT_MS = 10_000;

/**
 * The booth's devices, with latencies chosen so each hold lands before the booth moves on: the
 * lighting answers after 30 ms (far longer than a pump step, so an accepted verdict stays on screen
 * while the next step sets its scene), the scanner shows its first frame half-way through a
 * 400 ms placement, and the camera's first preview comes 100 ms before its 300 ms capture ends.
 */
const DEVICES_YAML = `
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 5 } }
  - { id: lights, compatible: "sim,lighting", props: { latencyMs: 30 } }
  - { id: sensors, compatible: "sim,sensors", props: { latencyMs: 0 } }
  - { id: scanner, compatible: "sim,fingerprint", props: { placeDelayMs: 400, previewFrames: 2, latencyMs: 0 } }
  - { id: camera, compatible: "sim,camera", props: { latencyMs: 300, previewIntervalMs: 100 } }
  - { id: pad, compatible: "sim,signature-pad", props: { signingMs: 300, latencyMs: 0 } }
  - { id: passport, compatible: "sim,document-reader", props: { latencyMs: 0 } }
`;

/** The session's steps on this booth (no document step), as the progress bar counts them. */
const STEPS = ['language', 'consent', 'missing-fingers', 'fingerprints', 'palms', 'face', 'signature', 'review'];

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

/** Accepted verdicts that end a capture step: the booth sets the next scene before moving on, so they can be held on screen. */
const LAST_TARGETS = new Set(['fingerprints|slap:two-thumbs', 'palms|palm:left-full', 'face|face:']);

/**
 * Records, in the page, every screen root and every per-finger verdict chip the UI draws, even
 * those replaced a moment later (the booth shows the next slap in the same instant it accepts
 * one). A string, so the project's Node-only tsconfig needs no DOM types.
 */
const PAGE_RECORDER = `(() => {
  const drawn = (window.__drawn = []);
  const chips = (window.__chips = []);
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1 || !node.matches('[data-testid^="state-"]')) continue;
        const screen = node.dataset.testid.slice('state-'.length) + '|' + (node.dataset.target || '');
        drawn.push(screen);
        for (const chip of node.querySelectorAll('[data-testid^="quality-"]')) {
          chips.push({ screen, position: Number(chip.dataset.testid.slice('quality-'.length)), ok: chip.dataset.ok === 'true' });
        }
      }
    }
  }).observe(document.getElementById('screen'), { childList: true });
})()`;

interface DrawnChip {
  screen: string;
  position: number;
  ok: boolean;
}

function pageTarget(snapshot: SessionSnapshot): string {
  const target = snapshot.target as { kind?: string; slap?: string; palm?: string } | undefined;
  return target?.kind ? `${target.kind}:${target.slap ?? target.palm ?? ''}` : '';
}

/** A screen as both sides name it: `<state>|<kind>:<slap|palm>` (the page's data-target). */
function screenOf(snapshot: SessionSnapshot): string {
  return `${snapshot.state}|${pageTarget(snapshot)}`;
}

function folded(list: readonly string[]): string[] {
  return list.filter((item, index) => index === 0 || list[index - 1] !== item);
}

/** A PNG of the whole screen. */
function assertScreenshot(file: string): void {
  const png = readFileSync(file);
  assert.ok(png.length > 1000, `${file} is only ${png.length} bytes`);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is not a PNG`);
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [PORTRAIT.width, PORTRAIT.height], `${file} size`);
}

interface RealKiosk {
  fixture: SessionFixture;
  page: KioskPage;
  pump: FakeTimePump;
  catalogue: MessageCatalogue;
  sensors: SimSensors;
  scanner: SimFingerprintScanner;
  door: SimDoorLock;
  /** Screenshot files written, in order. */
  shots: string[];
  /** Waits until the booth has stopped at this screen and the page shows it; returns the hold's name. */
  atScreen(state: string, target?: string): Promise<string>;
  /** Waits until the pump is held for `reason` (taken by a preview or verdict listener). */
  heldFor(reason: string, what: string): Promise<void>;
  /** Checks the buttons (exactly the allowed ones) and the layout of the screen shown, and screenshots it. */
  look(name: string): Promise<void>;
  /** The instruction on screen says this catalogue message in `language`. */
  says(language: Language, key: string, params?: Record<string, string | number>): Promise<void>;
  /** The progress bar marks step `step` of the session. */
  progressAt(step: string, language: Language): Promise<void>;
  /** The screens the page drew and the verdict chips it drew, from the in-page recorder. */
  drawn(): Promise<{ screens: string[]; chips: DrawnChip[] }>;
}

describe('the kiosk UI on a real booth session', { skip: chromiumPath() ? false : 'Chromium is not installed (make debs)' }, () => {
  let launched: LaunchedBrowser | undefined;
  const catalogue = MessageCatalogue.load();
  before(async () => {
    rmSync(join(screenshotsDir(), FOLDER), { recursive: true, force: true });
    launched = await launchBrowser();
  });
  after(async () => {
    await launched?.close();
  });

  /** A fresh booth, pump and page for one test; all three are stopped however the test ends. */
  async function withRealKiosk(options: { sessionYaml?: string }, body: (kiosk: RealKiosk) => Promise<void>): Promise<void> {
    const fixture = await sessionFixture({ devicesYaml: DEVICES_YAML, ...options });
    // 1 ms steps: a hold taken while a step runs lets at most 1 ms of fake time pass after it.
    const pump = new FakeTimePump(fixture.clock, { stepMs: 1 });
    let page: KioskPage | undefined;
    try {
      const session = fixture.session;
      // Stop at every new screen: the listener runs inside the session's emit, before the booth goes on.
      let shown = screenOf(session.snapshot());
      session.on('state', (snapshot) => {
        const screen = screenOf(snapshot);
        if (screen === shown) return;
        shown = screen;
        pump.hold(`screen ${screen}`);
      });
      const previewed = new Set<string>();
      session.on('preview', () => {
        if (previewed.has(shown)) return;
        previewed.add(shown);
        pump.hold(`preview ${shown}`);
      });
      const scanner = fixture.sim<SimFingerprintScanner>('scanner');
      session.on('quality', (feedback: QualityFeedback) => {
        // The person lifts the hand; the next one goes down once the page shows where.
        scanner.setPersonPlaces(false);
        if (feedback.accepted && LAST_TARGETS.has(shown)) pump.hold(`verdict ${shown}`);
      });
      pump.start();

      page = await KioskPage.open(launched!.browser, fixture.booth.person!.url!, PORTRAIT);
      await page.page.evaluate(PAGE_RECORDER);
      const kioskPage = page;
      const shots: string[] = [];
      const states = () => fixture.states().join(' → ');
      const kiosk: RealKiosk = {
        fixture,
        page: kioskPage,
        pump,
        catalogue,
        sensors: fixture.sim<SimSensors>('sensors'),
        scanner,
        door: fixture.sim<SimDoorLock>('door'),
        shots,
        async atScreen(state, target = '') {
          const hold = `screen ${state}|${target}`;
          await waitFor(
            () => {
              pump.check();
              return pump.isHeld(hold);
            },
            `the booth to stop at ${state}${target ? ` (${target})` : ''}; states so far: ${states()}; holds: ${pump.holds.join(', ')}`,
            STEP_LIMIT_MS,
          );
          await kioskPage.waitForState(state, { limitMs: STEP_LIMIT_MS, ...(target ? { target } : {}) });
          return hold;
        },
        async heldFor(reason, what) {
          await waitFor(
            () => {
              pump.check();
              return pump.isHeld(reason);
            },
            `${what}; states so far: ${states()}; holds: ${pump.holds.join(', ')}`,
            STEP_LIMIT_MS,
          );
        },
        async look(name) {
          const snapshot = session.snapshot();
          const expected = snapshot.allowedActions
            .filter((action) => action !== 'retry')
            .map((action) => BUTTON_OF[action])
            .filter((id): id is string => Boolean(id));
          assert.deepEqual((await kioskPage.visibleTestIds('action-')).sort(), expected.sort(), `buttons on the ${name} screen`);
          assert.deepEqual(await kioskPage.layoutProblems(), [], `layout of the ${name} screen`);
          const file = await kioskPage.screenshot(name, FOLDER);
          assertScreenshot(file);
          shots.push(file);
        },
        async says(language, key, params = {}) {
          await kioskPage.waitForText('instruction', catalogue.text(language, key, params), STEP_LIMIT_MS);
        },
        async progressAt(step, language) {
          const index = STEPS.indexOf(step) + 1;
          assert.equal(await kioskPage.attribute('progress', 'data-current'), String(index), `progress bar at ${step}`);
          assert.equal(await kioskPage.attribute('progress', 'data-total'), String(STEPS.length));
          assert.equal(await kioskPage.text('progress-label'), catalogue.text(language, 'progress.step', { current: index, total: STEPS.length }));
          assert.equal(await kioskPage.text('progress-name'), catalogue.text(language, `step.${step}`));
          for (const [position, other] of STEPS.entries()) {
            const expected = position + 1 < index ? 'done' : position + 1 === index ? 'current' : 'todo';
            assert.ok((await kioskPage.classes(`progress-step-${other}`)).includes(expected), `progress segment ${other} is ${expected} at ${step}`);
          }
        },
        async drawn() {
          return (await kioskPage.page.evaluate('({ screens: window.__drawn, chips: window.__chips })')) as { screens: string[]; chips: DrawnChip[] };
        },
      };
      await body(kiosk);
      pump.check();
      assert.deepEqual(page.errors, [], 'errors in the page');
    } finally {
      await page?.close();
      await pump.stop();
      await fixture.cleanup();
    }
  }

  it('runs a whole session from the page in Uzbek: missing finger, 4-4-2, palms, face, signature, one package', async () => {
    await withRealKiosk({}, async (kiosk) => {
      const { fixture, page, pump, sensors, scanner, door, shots, atScreen, heldFor, look, says, progressAt } = kiosk;
      const uz = (key: string, params?: Record<string, string | number>) => catalogue.text('uz', key, params);
      // The person: hands go on the glass only when the screen says which; the bandaged ring finger never does.
      scanner.setPersonPlaces(false);
      scanner.setFingerMissing(9, true);
      let outboxAtGoodbye: number | undefined;
      fixture.session.on('state', (snapshot) => {
        if (snapshot.state === 'goodbye') outboxAtGoodbye ??= fixture.booth.captures!.outbox.pending(1000).length;
      });

      await page.waitForState('idle', { limitMs: STEP_LIMIT_MS });
      assert.equal(await page.htmlLang(), 'ru', 'before anyone chooses, the booth speaks its first language');
      await says('ru', 'idle.welcome');
      assert.equal(await page.visible('progress'), false);
      await look('01-idle');

      // The person walks in: the occupancy sensor starts the session.
      sensors.setOccupied(true);
      let hold = await atScreen('precheck');
      assert.ok(await page.visible('spinner'));
      await look('02-precheck');
      pump.release(hold);

      hold = await atScreen('language');
      assert.equal(door.physicalBolt, 'locked', 'the door is locked once the session starts with the person inside');
      assert.equal(fixture.session.snapshot().door, 'locked');
      await progressAt('language', 'ru');
      assert.equal((await page.visibleTestIds('lang-')).length, 13);
      assert.equal(await page.text('lang-uz'), uz('language.native'));
      await look('03-language');
      await page.tap('lang-uz');
      pump.release(hold);

      hold = await atScreen('consent');
      await page.waitForLang('uz');
      assert.equal(fixture.session.snapshot().language, 'uz');
      await says('uz', 'consent.title');
      assert.ok((await page.text('consent-text')).startsWith(uz('consent.text').split('\n')[0]!.trim().slice(0, 30)));
      await progressAt('consent', 'uz');
      await look('04-consent');
      await page.tap('action-accept-consent');
      pump.release(hold);

      hold = await atScreen('missing-fingers');
      await says('uz', 'missing.title');
      await progressAt('missing-fingers', 'uz');
      await look('05-missing-fingers');
      await page.tap('missing-some');
      await page.tap('finger-9');
      await page.waitForTestId('reason-panel');
      await look('06-missing-fingers-reason');
      await page.tap('reason-bandaged');
      await page.waitForTestId('marked-9');
      const marked = await page.text('marked-9');
      assert.ok(marked.includes(uz('finger.9')) && marked.includes(uz('missing.reason.bandaged')), marked);
      assert.ok((await page.classes('finger-9')).includes('missing'));
      await look('07-missing-fingers-bandaged');
      await page.tap('missing-confirm');
      pump.release(hold);

      // 4-4-2: the diagram shows each slap's fingers (the bandaged one crossed out, not asked for),
      // the live platen picture appears with the fingers it sees outlined.
      const slaps = [
        { slap: 'right-four', fingers: [2, 3, 4, 5] },
        { slap: 'left-four', fingers: [7, 8, 10] },
        { slap: 'two-thumbs', fingers: [1, 6] },
      ];
      let shot = 8;
      for (const { slap, fingers } of slaps) {
        const target = `slap:${slap}`;
        hold = await atScreen('fingerprints', target);
        await progressAt('fingerprints', 'uz');
        await says('uz', `fingers.${slap}`);
        for (let position = 1; position <= 10; position++) {
          const classes = await page.classes(`finger-${position}`);
          assert.equal(classes.includes('target'), fingers.includes(position), `${slap}: finger ${position} is a target: ${fingers.includes(position)}`);
          assert.equal(classes.includes('missing'), position === 9, `${slap}: finger ${position} crossed out: ${position === 9}`);
        }
        assert.equal(await page.visible('preview'), false, 'no picture before the hand is on the glass');
        await look(`${String(shot++).padStart(2, '0')}-fingerprints-${slap}`);
        scanner.setPersonPlaces(true);
        pump.release(hold);

        await heldFor(`preview fingerprints|${target}`, `a live frame of ${slap}`);
        await page.waitForAttribute('preview', 'data-source', 'fingerprint', STEP_LIMIT_MS);
        await page.waitForImage('preview', STEP_LIMIT_MS);
        assert.match((await page.attribute('preview', 'src')) ?? '', /^blob:/);
        for (const position of fingers) await page.waitForClass(`finger-${position}`, 'seen');
        await page.waitForState('fingerprints', { target });
        await look(`${String(shot++).padStart(2, '0')}-fingerprints-${slap}-live`);
        pump.release(`preview fingerprints|${target}`);
      }

      // The last slap's verdict stays on screen while the booth sets the palm light: all accepted.
      hold = 'verdict fingerprints|slap:two-thumbs';
      await heldFor(hold, 'the verdict on the thumbs');
      await page.waitForTestId('quality-6', STEP_LIMIT_MS);
      assert.deepEqual(await page.visibleTestIds('quality-'), ['quality-1', 'quality-6']);
      for (const position of [1, 6]) {
        assert.equal(await page.attribute(`quality-${position}`, 'data-ok'), 'true');
        assert.ok((await page.classes(`finger-${position}`)).includes('ok'));
      }
      assert.equal(await page.visible('problems'), false);
      assert.equal(await page.visible('action-retry'), false);
      await says('uz', 'fingers.accepted');
      await look(`${String(shot++).padStart(2, '0')}-fingerprints-two-thumbs-accepted`);
      pump.release(hold);

      // Palms: the full palm of each hand, highlighted on the diagram, with the live picture.
      for (const palm of ['right-full', 'left-full']) {
        const target = `palm:${palm}`;
        const hand = palm.startsWith('right') ? 'right' : 'left';
        hold = await atScreen('palms', target);
        await progressAt('palms', 'uz');
        await says('uz', `palms.${palm}`);
        assert.ok((await page.classes(`palm-${hand}`)).includes('target'));
        assert.ok(!(await page.classes(`palm-${hand === 'right' ? 'left' : 'right'}`)).includes('target'));
        await look(`${String(shot++).padStart(2, '0')}-palms-${palm}`);
        scanner.setPersonPlaces(true);
        pump.release(hold);

        await heldFor(`preview palms|${target}`, `a live frame of the ${palm} palm`);
        await page.waitForAttribute('preview', 'data-source', 'fingerprint', STEP_LIMIT_MS);
        await page.waitForImage('preview', STEP_LIMIT_MS);
        await page.waitForState('palms', { target });
        await look(`${String(shot++).padStart(2, '0')}-palms-${palm}-live`);
        pump.release(`preview palms|${target}`);
      }
      hold = 'verdict palms|palm:left-full';
      await heldFor(hold, 'the verdict on the left palm');
      await page.waitForAttribute('quality-0', 'data-ok', 'true', STEP_LIMIT_MS);
      assert.ok((await page.classes('palm-left')).includes('ok'));
      await says('uz', 'palms.accepted');
      await look(`${String(shot++).padStart(2, '0')}-palms-left-full-accepted`);
      pump.release(hold);

      // The face: the camera's live picture in the oval, then the accepted portrait.
      hold = await atScreen('face', 'face:');
      await progressAt('face', 'uz');
      await says('uz', 'face.look');
      assert.equal(await page.visible('preview'), false, 'no fingerprint picture is left on the face screen');
      await look(`${String(shot++).padStart(2, '0')}-face`);
      pump.release(hold);
      await heldFor('preview face|face:', 'a live camera frame');
      await page.waitForAttribute('preview', 'data-source', 'camera', STEP_LIMIT_MS);
      await page.waitForImage('preview', STEP_LIMIT_MS);
      await look(`${String(shot++).padStart(2, '0')}-face-live`);
      pump.release('preview face|face:');
      hold = 'verdict face|face:';
      await heldFor(hold, 'the verdict on the portrait');
      await page.waitForAttribute('quality-0', 'data-ok', 'true', STEP_LIMIT_MS);
      await says('uz', 'face.accepted');
      await look(`${String(shot++).padStart(2, '0')}-face-accepted`);
      pump.release(hold);

      // The signature: the pad signs by itself (the simulated person holds the pen).
      hold = await atScreen('signature', 'signature:');
      await progressAt('signature', 'uz');
      await says('uz', 'signature.sign');
      await look(`${String(shot++).padStart(2, '0')}-signature`);
      pump.release(hold);

      hold = await atScreen('review');
      await progressAt('review', 'uz');
      await says('uz', 'review.title', { count: 9 });
      assert.equal(await page.text('review-fingerprints'), uz('review.fingers', { count: 9 }));
      assert.deepEqual(await page.visibleTestIds('review-'), ['review-list', ...STEPS.filter((step) => step !== 'review' && step !== 'language').map((step) => `review-${step}`)]);
      await look(`${String(shot++).padStart(2, '0')}-review`);
      await page.tap('action-confirm');
      pump.release(hold);

      // Committing is over in an instant (the outbox write is synchronous and the relay drop needs
      // no time), so no hold can keep it on screen: it is checked from the booth's record below.
      hold = await atScreen('goodbye');
      pump.release('screen committing|');
      assert.equal(outboxAtGoodbye, 1, 'the package was in the outbox before the person was told goodbye');
      assert.equal(door.physicalBolt, 'unlocked', 'the door is unlocked at goodbye');
      assert.equal(fixture.session.snapshot().door, 'released');
      await says('uz', 'goodbye.done');
      assert.equal(await page.htmlLang(), 'uz');
      assert.equal(fixture.summaries.length, 1);
      const summary = fixture.summaries[0]!;
      assert.equal(summary.outcome, 'completed');
      assert.equal(summary.committed, true);
      assert.equal(summary.language, 'uz');
      assert.equal(summary.missingFingers, 1);
      assert.deepEqual(summary.attempts, { 'right-four': 1, 'left-four': 1, 'two-thumbs': 1, 'right-full': 1, 'left-full': 1, face: 1, signature: 1 });
      assert.equal(await page.page.evaluate('document.body.dataset.outcome'), 'completed', 'the page was told the session ended');
      await look(`${String(shot++).padStart(2, '0')}-goodbye`);

      // The person leaves: the booth is idle again, and nothing of them is left on the screen.
      sensors.setOccupied(false);
      pump.release(hold);
      hold = await atScreen('idle');
      assert.equal(await page.htmlLang(), 'ru');
      assert.equal(await page.visible('preview'), false);
      assert.equal(await page.visible('progress'), false);
      await look(`${String(shot++).padStart(2, '0')}-idle-after`);
      pump.release(hold);

      // What reached the outbox: exactly one package, in Uzbek, with the declared finger and every capture.
      const packages = fixture.outboxPackages();
      assert.equal(packages.length, 1);
      const pkg = packages[0]!;
      assert.equal(pkg.packageId, summary.sessionId);
      assert.equal(pkg.language, 'uz');
      assert.equal(pkg.consent.given, true);
      assert.equal(pkg.outcome.result, 'COMPLETED');
      assert.deepEqual(pkg.missingFingers, [{ position: 9, reason: 'BANDAGED' }]);
      assert.deepEqual(
        pkg.captures.map((capture) => `${capture.kind}-${capture.position}-a${capture.attempt}`),
        ['SLAP-13-a1', 'SLAP-14-a1', 'SLAP-15-a1', 'PALM-21-a1', 'PALM-23-a1', 'FACE-0-a1', 'SIGNATURE-0-a1'],
      );
      assert.deepEqual(
        pkg.captures.filter((capture) => capture.kind === 'SLAP').map((capture) => capture.segments.map((segment) => segment.position)),
        [[2, 3, 4, 5], [7, 8, 10], [1, 6]],
      );
      assert.ok(pkg.captures.every((capture) => capture.image.length > 0));

      // The session's path, the door at every step, and the page: it drew every screen the booth showed.
      const path = ['idle', 'precheck', 'language', 'consent', 'missing-fingers', 'fingerprints', 'palms', 'face', 'signature', 'review', 'committing', 'goodbye', 'idle'];
      assert.deepEqual(fixture.states(), path);
      for (const step of fixture.path) {
        // Committing included: the door opens only once the package is safe.
        if (STEPS.includes(step.state) || step.state === 'committing') assert.equal(step.bolt, 'locked', `the door is locked in ${step.state}`);
        else if (step.state !== 'precheck') assert.equal(step.bolt, 'unlocked', `the door is unlocked in ${step.state}`);
      }
      const drawn = await kiosk.drawn();
      // The recorder starts on the idle screen, which may or may not be redrawn once every catalogue is in.
      const drawnStates = folded(drawn.screens.map((screen) => screen.split('|')[0]!));
      if (drawnStates[0] === 'idle') drawnStates.shift();
      assert.deepEqual(drawnStates, path.slice(1), 'the page drew each state of the session, in order');
      for (const screen of ['slap:right-four', 'slap:left-four', 'slap:two-thumbs', 'palm:right-full', 'palm:left-full', 'face:']) {
        assert.ok(drawn.screens.some((drawnScreen) => drawnScreen.endsWith(`|${screen}`)), `the page drew the ${screen} screen`);
      }
      // Every accepted slap was shown green finger by finger, even the two the booth moves on from at once.
      for (const { slap, fingers } of slaps) {
        const chips = drawn.chips.filter((chip) => chip.screen === `fingerprints|slap:${slap}`);
        assert.deepEqual([...new Set(chips.map((chip) => chip.position))].sort((a, b) => a - b), fingers, `verdict chips drawn for ${slap}`);
        assert.ok(chips.every((chip) => chip.ok), `${slap}: every finger accepted`);
      }
      assert.ok(drawn.chips.some((chip) => chip.screen === 'palms|palm:right-full' && chip.position === 0 && chip.ok), 'the right palm was shown accepted');
      assert.equal(new Set(shots).size, shots.length, 'one screenshot per screen');
    });
  });

  it('declining consent on the page ends on the refused screen with nothing kept', async () => {
    // This booth starts on its Start button (the person is inside: the door still locks).
    await withRealKiosk({ sessionYaml: '  startOnOccupancy: false' }, async ({ fixture, page, pump, sensors, door, atScreen, look, says }) => {
      await page.waitForState('idle', { limitMs: STEP_LIMIT_MS });
      sensors.setOccupied(true);
      assert.equal(fixture.session.state, 'idle', 'this booth waits for its Start button');
      await look('40-declined-idle');
      await page.tap('action-start');

      let hold = await atScreen('precheck');
      pump.release(hold);
      hold = await atScreen('language');
      assert.equal(door.physicalBolt, 'locked');
      await page.tap('lang-ky');
      pump.release(hold);

      hold = await atScreen('consent');
      await page.waitForLang('ky');
      await says('ky', 'consent.title');
      await look('41-declined-consent-ky');
      await page.tap('action-decline-consent');
      pump.release(hold);

      hold = await atScreen('refused');
      await says('ky', 'refused.goodbye');
      assert.equal(await page.htmlLang(), 'ky');
      assert.equal(door.physicalBolt, 'unlocked', 'the door is unlocked on the refused screen');
      assert.equal(fixture.session.snapshot().door, 'released');
      assert.equal(await page.visible('progress'), false);
      await look('42-declined-refused');
      assert.equal(fixture.summaries.length, 1);
      assert.equal(fixture.summaries[0]!.outcome, 'refused');
      assert.equal(fixture.summaries[0]!.committed, false);
      assert.deepEqual(fixture.outboxPackages(), [], 'nothing is kept');
      assert.equal(fixture.booth.captures!.outbox.pending(1000).length, 0);

      sensors.setOccupied(false);
      pump.release(hold);
      hold = await atScreen('idle');
      assert.equal(await page.htmlLang(), 'ru');
      pump.release(hold);
      assert.deepEqual(fixture.states(), ['idle', 'precheck', 'language', 'consent', 'refused', 'idle']);
      assert.deepEqual(fixture.outboxPackages(), []);
    });
  });
});
