// The missing-fingers declaration. First one question ("are any fingers missing or injured?")
// with two answers; "all fine" sends an empty declaration at once. Otherwise the person taps
// each finger that cannot be printed on the hand diagram, picks why, and continues: the marks
// are sent as one declare-missing action. The marks live only in this screen until then.
import { h, t } from './dom.js';
import { handDiagram } from './hand.js';
import { actionButton, instruction, localButton } from './widgets.js';

export const MISSING_REASONS = ['amputated', 'bandaged', 'unable-to-print'];

function declaration(marks) {
  return [...marks.entries()].sort(([a], [b]) => a - b).map(([position, reason]) => ({ position, reason }));
}

function askScreen(ctx, local) {
  return [
    instruction(ctx),
    h('div', { class: 'diagram-box wide' }, handDiagram({ name: (position) => ctx.t(`finger.${position}`) })),
    h(
      'div',
      { class: 'actions' },
      actionButton(ctx, 'declare-missing', 'missing.none', { testid: 'missing-none', extra: { fingers: [] } }),
      ctx.allowed('declare-missing')
        ? localButton(ctx, ctx.t('missing.some'), 'missing-some', () => {
            local.mode = 'mark';
            ctx.rerender();
          })
        : null,
    ),
  ];
}

function reasonPanel(ctx, local) {
  const position = local.selecting;
  return h(
    'div',
    { class: 'reason-panel', testid: 'reason-panel' },
    t('h2', ctx.t(`finger.${position}`), { class: 'reason-finger' }),
    h(
      'div',
      { class: 'reason-buttons' },
      MISSING_REASONS.map((reason) =>
        localButton(
          ctx,
          ctx.t(`missing.reason.${reason}`),
          `reason-${reason}`,
          () => {
            local.marks.set(position, reason);
            local.selecting = undefined;
            ctx.rerender();
          },
          'choice',
        ),
      ),
    ),
  );
}

function markedList(ctx, local) {
  const entries = declaration(local.marks);
  if (entries.length === 0) return null;
  return h(
    'ul',
    { class: 'marked-list', testid: 'marked' },
    entries.map(({ position, reason }) =>
      h(
        'li',
        { testid: `marked-${position}`, dataset: { reason } },
        t('span', ctx.t(`finger.${position}`), { class: 'marked-name' }),
        t('span', ctx.t(`missing.reason.${reason}`), { class: 'marked-reason' }),
      ),
    ),
  );
}

function markScreen(ctx, local) {
  const onFinger = (position) => {
    if (local.marks.has(position)) {
      local.marks.delete(position);
      local.selecting = undefined;
    } else {
      local.selecting = local.selecting === position ? undefined : position;
    }
    ctx.rerender();
  };
  const diagram = handDiagram({
    targets: new Set(local.selecting === undefined ? [] : [local.selecting]),
    missing: new Set(local.marks.keys()),
    name: (position) => ctx.t(`finger.${position}`),
    onFinger,
  });
  return [
    t('h1', ctx.t('missing.some'), { class: 'instruction', testid: 'instruction' }),
    h('div', { class: 'diagram-box wide' }, diagram),
    local.selecting !== undefined
      ? reasonPanel(ctx, local)
      : [
          markedList(ctx, local),
          h(
            'div',
            { class: 'actions' },
            actionButton(ctx, 'declare-missing', 'missing.confirm', { testid: 'missing-confirm', extra: { fingers: declaration(local.marks) } }),
          ),
        ],
  ];
}

export function missingFingersScreen(ctx) {
  const local = ctx.local;
  local.mode ??= 'ask';
  local.marks ??= new Map();
  return local.mode === 'ask' ? askScreen(ctx, local) : markScreen(ctx, local);
}
