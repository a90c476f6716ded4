// Pieces every screen uses: action buttons, the instruction line, icons, the spinner, the
// attempt counter and the problem list.
import { h, s, t } from './dom.js';

/**
 * A button for a person action, or null when the snapshot does not allow that action now
 * (only allowed actions are ever offered).
 */
export function actionButton(ctx, action, key, options = {}) {
  if (!ctx.allowed(action)) return null;
  const button = t('button', ctx.t(key, options.params), {
    type: 'button',
    class: `btn ${options.kind ?? 'primary'}`,
    testid: options.testid ?? `action-${action}`,
    disabled: ctx.busy,
  });
  button.addEventListener('click', () => ctx.act(action, options.extra));
  return button;
}

/** A plain button for something local to the screen (no message is sent). */
export function localButton(ctx, msg, testid, onClick, kind = 'secondary') {
  const button = t('button', msg, { type: 'button', class: `btn ${kind}`, testid });
  button.addEventListener('click', onClick);
  return button;
}

/** The one instruction of the screen (the latest prompt, or the state's own message). */
export function instruction(ctx, tag = 'h1') {
  return t(tag, ctx.instruction(), { class: 'instruction', testid: 'instruction', 'aria-live': 'polite' });
}

/** The same message in the other languages whose catalogues have it (before a language is chosen). */
export function otherLanguages(ctx, key) {
  const lines = ctx.others(key);
  if (lines.length === 0) return null;
  return h(
    'ul',
    { class: 'other-languages', testid: 'other-languages' },
    lines.map((line) => h('li', { lang: line.lang, text: line.text })),
  );
}

export function spinner() {
  return h('div', { class: 'spinner', testid: 'spinner', 'aria-hidden': 'true' });
}

const ICONS = {
  check: [s('circle', { cx: 50, cy: 50, r: 44, class: 'icon-fill-ok' }), s('path', { d: 'M27 52 L43 68 L74 34', class: 'icon-stroke-light' })],
  warning: [s('path', { d: 'M50 8 L94 88 L6 88 Z', class: 'icon-fill-warn' }), s('path', { d: 'M50 36 L50 62 M50 74 L50 76', class: 'icon-stroke-dark' })],
  stop: [s('circle', { cx: 50, cy: 50, r: 44, class: 'icon-fill-neutral' }), s('path', { d: 'M30 50 L70 50', class: 'icon-stroke-light' })],
  officer: [
    s('circle', { cx: 50, cy: 30, r: 18, class: 'icon-fill-accent' }),
    s('path', { d: 'M16 94 C16 64 30 54 50 54 C70 54 84 64 84 94 Z', class: 'icon-fill-accent' }),
  ],
  exit: [
    s('rect', { x: 8, y: 8, width: 46, height: 84, rx: 4, class: 'icon-fill-light' }),
    s('path', { d: 'M62 50 L92 50 M77 35 L92 50 L77 65', class: 'icon-stroke-light' }),
  ],
  document: [
    s('rect', { x: 20, y: 8, width: 60, height: 84, rx: 6, class: 'icon-fill-accent' }),
    s('circle', { cx: 50, cy: 38, r: 14, class: 'icon-fill-light' }),
    s('path', { d: 'M32 66 L68 66 M32 78 L60 78', class: 'icon-stroke-light thin' }),
  ],
  pen: [
    s('path', { d: 'M20 80 L28 60 L70 18 L82 30 L40 72 Z', class: 'icon-fill-accent' }),
    s('path', { d: 'M10 92 C30 82 40 96 56 88 S80 84 92 90', class: 'icon-stroke-dark thin' }),
  ],
};

export function icon(name) {
  return h(
    'div',
    { class: `icon icon-${name}`, 'aria-hidden': 'true' },
    s('svg', { viewBox: '0 0 100 100' }, ...(ICONS[name] ?? []).map((node) => node.cloneNode(true))),
  );
}

/** "Attempt 2 of 3", when a verdict for the current target has arrived. */
export function attemptCounter(ctx, quality) {
  if (!quality || !Number.isFinite(quality.attempt) || !Number.isFinite(quality.maxAttempts)) return null;
  return t('p', ctx.t('attempt.count', { attempt: quality.attempt, max: quality.maxAttempts }), {
    class: `attempt ${quality.accepted ? 'accepted' : 'rejected'}`,
    testid: 'attempt',
  });
}

/** What went wrong with the last attempt, as guidance (problem.* messages). */
export function problemList(ctx, quality, params = {}) {
  if (!quality || quality.accepted || !Array.isArray(quality.problems) || quality.problems.length === 0) return null;
  return h(
    'ul',
    { class: 'problems', testid: 'problems', 'aria-live': 'assertive' },
    quality.problems.map((problem) => t('li', ctx.t(`problem.${problem}`, params), { testid: `problem-${problem}` })),
  );
}
