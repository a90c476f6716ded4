// One function per session state: each returns the nodes of its screen, drawn from the
// context alone (snapshot, translator, latest prompt/quality). Capture screens and the
// missing-fingers declaration live in their own modules.
import { h, t } from './dom.js';
import { actionButton, icon, instruction, otherLanguages, spinner } from './widgets.js';
import { fingerprintScreen, palmScreen, faceScreen } from './capture-screens.js';
import { missingFingersScreen } from './missing-screen.js';

function idle(ctx) {
  return [
    h('div', { class: 'hero' }, instruction(ctx)),
    actionButton(ctx, 'start', 'idle.start', { kind: 'primary huge' }),
    otherLanguages(ctx, 'idle.welcome'),
  ];
}

function precheck(ctx) {
  return [h('div', { class: 'hero' }, spinner(), instruction(ctx))];
}

/** The reason (a device fault) is for the technician, never for the person: it is not drawn. */
function outOfService(ctx) {
  return [
    h(
      'div',
      { class: 'hero' },
      icon('warning'),
      t('h1', ctx.t('outOfService.title'), { class: 'instruction', testid: 'instruction' }),
      t('p', ctx.t('outOfService.body'), { class: 'body-text' }),
    ),
    otherLanguages(ctx, 'outOfService.body'),
  ];
}

/** Each language named in itself, marked with its own lang so the right font and voice apply. */
function language(ctx) {
  const buttons = ctx.allowed('choose-language')
    ? ctx.languages.map(({ code, name }) => {
        const button = h('button', {
          type: 'button',
          class: `btn language${code === ctx.snapshot.language ? ' current' : ''}`,
          lang: code,
          testid: `lang-${code}`,
          disabled: ctx.busy,
          text: name,
        });
        button.addEventListener('click', () => ctx.act('choose-language', { language: code }));
        return button;
      })
    : [];
  return [instruction(ctx), h('div', { class: 'language-grid', testid: 'language-grid' }, buttons)];
}

function consent(ctx) {
  const text = ctx.t('consent.text');
  return [
    t('h1', ctx.t('consent.title'), { class: 'instruction', testid: 'instruction' }),
    h(
      'div',
      { class: 'consent-text', testid: 'consent-text', tabindex: '0', 'data-keep-scroll': 'consent' },
      text.text.split(/\n\s*\n/).map((paragraph) => t('p', { text: paragraph, lang: text.lang })),
    ),
    h(
      'div',
      { class: 'actions' },
      actionButton(ctx, 'accept-consent', 'consent.accept'),
      actionButton(ctx, 'decline-consent', 'consent.decline', { kind: 'secondary' }),
    ),
  ];
}

function documentScreen(ctx) {
  return [
    h('div', { class: 'hero' }, icon('document'), instruction(ctx)),
    h('div', { class: 'actions' }, actionButton(ctx, 'skip-document', 'document.skip', { kind: 'secondary' })),
  ];
}

function signature(ctx) {
  return [
    h('div', { class: 'hero' }, icon('pen'), instruction(ctx)),
    h('div', { class: 'actions' }, actionButton(ctx, 'clear-signature', 'signature.clear', { kind: 'secondary' })),
  ];
}

function review(ctx) {
  const { steps, missingFingers } = ctx.snapshot;
  const done = steps.filter((step) => step !== 'review' && step !== 'language');
  const printed = 10 - new Set(missingFingers ?? []).size;
  return [
    instruction(ctx),
    h(
      'ul',
      { class: 'review-list', testid: 'review-list' },
      done.map((step) =>
        h(
          'li',
          { testid: `review-${step}` },
          h('span', { class: 'tick', 'aria-hidden': 'true' }),
          t('span', step === 'fingerprints' ? ctx.t('review.fingers', { count: printed }) : ctx.t(`step.${step}`)),
        ),
      ),
    ),
    h('div', { class: 'actions' }, actionButton(ctx, 'confirm', 'review.confirm', { kind: 'primary huge' })),
  ];
}

function committing(ctx) {
  return [h('div', { class: 'hero' }, spinner(), instruction(ctx))];
}

function goodbye(ctx) {
  return [h('div', { class: 'hero' }, icon('check'), instruction(ctx))];
}

function refused(ctx) {
  return [h('div', { class: 'hero' }, icon('stop'), instruction(ctx))];
}

function escalated(ctx) {
  return [h('div', { class: 'hero' }, icon('officer'), instruction(ctx))];
}

/** Always the fixed evacuation message (never a stale prompt), in every language we have. */
function fireAlarm(ctx) {
  return [
    h(
      'div',
      { class: 'hero' },
      icon('exit'),
      t('h1', ctx.t('fireAlarm.leave'), { class: 'instruction', testid: 'instruction', role: 'alert' }),
    ),
    otherLanguages(ctx, 'fireAlarm.leave'),
  ];
}

export const SCREENS = {
  idle,
  precheck,
  'out-of-service': outOfService,
  language,
  consent,
  document: documentScreen,
  'missing-fingers': missingFingersScreen,
  fingerprints: fingerprintScreen,
  palms: palmScreen,
  face: faceScreen,
  signature,
  review,
  committing,
  goodbye,
  refused,
  escalated,
  'fire-alarm': fireAlarm,
};

/** The message a state shows when no prompt says otherwise. */
export function defaultPromptKey(snapshot) {
  const target = snapshot.target;
  switch (snapshot.state) {
    case 'idle':
      return 'idle.welcome';
    case 'precheck':
      return 'precheck.wait';
    case 'out-of-service':
      return 'outOfService.title';
    case 'language':
      return 'language.choose';
    case 'consent':
      return 'consent.title';
    case 'document':
      return 'document.mrz';
    case 'missing-fingers':
      return 'missing.title';
    case 'fingerprints':
      return target?.kind === 'slap' ? `fingers.${target.slap}` : 'fingers.right-four';
    case 'palms':
      return target?.kind === 'palm' ? `palms.${target.palm}` : 'palms.right-full';
    case 'face':
      return 'face.look';
    case 'signature':
      return 'signature.sign';
    case 'review':
      return 'review.title';
    case 'committing':
      return 'committing.wait';
    case 'goodbye':
      return 'goodbye.done';
    case 'refused':
      return 'refused.goodbye';
    case 'escalated':
      return 'escalated.wait';
    case 'fire-alarm':
      return 'fireAlarm.leave';
    default:
      return 'precheck.wait';
  }
}
