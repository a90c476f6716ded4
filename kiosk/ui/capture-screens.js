// The capture screens: fingerprints (4-4-2 slaps), palms and face. Each shows the target (hand
// diagram or face frame), the live preview, the verdict of the last attempt per finger, the
// attempt counter, the problems as guidance, and "try again" when the booth allows it.
import { h, s, t } from './dom.js';
import { handDiagram } from './hand.js';
import { actionButton, attemptCounter, instruction, problemList } from './widgets.js';

function previewBox(ctx, source, extraClass = '') {
  const showing = ctx.preview.source === source;
  // The app puts its one live <img> into the slot once the screen is on.
  return h(
    'div',
    { class: `preview-box ${extraClass}${showing ? ' live' : ''}`, testid: 'preview-box', 'data-preview-slot': '' },
    showing ? null : h('div', { class: 'preview-placeholder', 'aria-hidden': 'true' }),
  );
}

/** Green/red chips, one per finger of the last verdict (position 0 = the palm or the face). */
function verdictChips(ctx, quality, missing, wholeLabel) {
  if (!quality || !Array.isArray(quality.fingers) || quality.fingers.length === 0) return null;
  return h(
    'ul',
    { class: 'verdicts', testid: 'verdicts' },
    quality.fingers
      .filter((finger) => !missing.has(finger.position))
      .map((finger) =>
        h(
          'li',
          {
            class: `verdict ${finger.ok ? 'ok' : 'bad'}`,
            testid: `quality-${finger.position}`,
            dataset: { ok: Boolean(finger.ok), quality: finger.quality, minimum: finger.minimum },
          },
          h('span', { class: 'mark', 'aria-hidden': 'true' }),
          t('span', finger.position === 0 ? wholeLabel : ctx.t(`finger.${finger.position}`), { class: 'verdict-name' }),
        ),
      ),
  );
}

function feedback(ctx, quality, missing, params, wholeLabel) {
  return h(
    'div',
    { class: 'feedback', testid: 'feedback' },
    attemptCounter(ctx, quality),
    problemList(ctx, quality, params),
    verdictChips(ctx, quality, missing, wholeLabel),
  );
}

/** "Try again" once an attempt at this target has failed (the booth allows retry all along). */
function retryButton(ctx, quality) {
  if (!quality || quality.accepted) return null;
  return h('div', { class: 'actions' }, actionButton(ctx, 'retry', 'attempt.retry'));
}

function verdictMap(quality) {
  return new Map((quality?.fingers ?? []).map((finger) => [finger.position, Boolean(finger.ok)]));
}

export function fingerprintScreen(ctx) {
  const target = ctx.snapshot.target?.kind === 'slap' ? ctx.snapshot.target : undefined;
  const missing = new Set(ctx.snapshot.missingFingers ?? []);
  const targets = new Set(target?.fingers ?? []);
  const expected = [...targets].filter((position) => !missing.has(position));
  const quality = ctx.quality;
  const diagram = handDiagram({ targets, missing, verdicts: verdictMap(quality), name: (position) => ctx.t(`finger.${position}`) });
  ctx.diagram = diagram;
  return [
    instruction(ctx),
    h('div', { class: `capture-stage${quality ? ' has-verdict' : ''}` }, h('div', { class: 'diagram-box' }, diagram), previewBox(ctx, 'fingerprint')),
    feedback(ctx, quality, missing, { count: expected.length }, ctx.t('step.fingerprints')),
    retryButton(ctx, quality),
  ];
}

export function palmScreen(ctx) {
  const target = ctx.snapshot.target?.kind === 'palm' ? ctx.snapshot.target : undefined;
  const palm = target ? { hand: target.palm.startsWith('left') ? 'left' : 'right', writer: target.palm.endsWith('writer') } : undefined;
  const missing = new Set(ctx.snapshot.missingFingers ?? []);
  const quality = ctx.quality;
  const diagram = handDiagram({ palm, missing, verdicts: verdictMap(quality), name: (position) => ctx.t(`finger.${position}`) });
  ctx.diagram = diagram;
  return [
    instruction(ctx),
    h('div', { class: `capture-stage${quality ? ' has-verdict' : ''}` }, h('div', { class: 'diagram-box' }, diagram), previewBox(ctx, 'fingerprint')),
    feedback(ctx, quality, new Set(), {}, ctx.t('step.palms')),
    retryButton(ctx, quality),
  ];
}

/** An oval over the camera picture: where the face should be. */
function faceGuide() {
  return s(
    'svg',
    { class: 'face-guide', viewBox: '0 0 300 400', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
    s('ellipse', { cx: 150, cy: 175, rx: 92, ry: 124 }),
  );
}

export function faceScreen(ctx) {
  const quality = ctx.quality;
  return [
    instruction(ctx),
    h('div', { class: 'face-stage' }, h('div', { class: 'face-frame' }, previewBox(ctx, 'camera', 'camera'), faceGuide())),
    feedback(ctx, quality, new Set(), {}, ctx.t('step.face')),
    retryButton(ctx, quality),
  ];
}
