// What frames every screen: the progress bar on top, help and cancel at the bottom.
import { h, t } from './dom.js';
import { actionButton } from './widgets.js';

/** Steps of this booth's session with the current one marked; null outside the steps. */
export function progressBar(ctx) {
  const { steps, stepIndex, state } = ctx.snapshot;
  if (!Array.isArray(steps) || steps.length === 0 || !steps.includes(state)) return null;
  const current = Number.isInteger(stepIndex) && stepIndex >= 0 && stepIndex < steps.length ? stepIndex : steps.indexOf(state);
  const label = ctx.t('progress.step', { current: current + 1, total: steps.length });
  const name = ctx.t(`step.${steps[current]}`);
  return h(
    'nav',
    { class: 'progress', testid: 'progress', 'aria-label': label.text, dataset: { current: current + 1, total: steps.length } },
    h(
      'div',
      { class: 'progress-label' },
      t('span', label, { class: 'progress-count', testid: 'progress-label' }),
      t('span', name, { class: 'progress-name', testid: 'progress-name' }),
    ),
    h(
      'ol',
      { class: 'progress-steps' },
      steps.map((step, index) =>
        h('li', {
          class: index < current ? 'done' : index === current ? 'current' : 'todo',
          testid: `progress-step-${step}`,
          'aria-current': index === current ? 'step' : undefined,
          title: ctx.t(`step.${step}`).text,
        }),
      ),
    ),
  );
}

/** Help (an officer comes) and cancel (nothing kept), when the state allows them. */
export function footerButtons(ctx) {
  const help = actionButton(ctx, 'help', 'help.button', { kind: 'help' });
  const cancel = actionButton(ctx, 'cancel', 'cancel.button', { kind: 'quiet' });
  if (!help && !cancel) return null;
  return h('div', { class: 'footer-buttons' }, help, cancel);
}
