/**
 * `boothctl session`: what the enrolment session is doing, and the officer's three answers to an
 * escalated one — resume it (the person tries the failed step again), commit what was captured
 * (an ESCALATED package), or discard it. The officer's id goes to the audit trail.
 */
import type { CommandSpec } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';

interface SessionView {
  state: string;
  sessionId?: string;
  steps: string[];
  stepIndex: number;
  door: string;
  reason?: string;
  allowedActions: string[];
}

const DECISIONS = ['resume', 'commit', 'discard'] as const;

export const sessionCommand: CommandSpec = {
  name: 'session',
  summary: "show the enrolment session; an officer's resume|commit|discard of an escalated one",
  subcommands: ['status', ...DECISIONS],
  help: `usage: boothctl session [status]
       boothctl session resume|commit|discard --officer ID

status   the state, the step, the door and, when escalated or out of service, why
resume   the person tries the failed step again (attempts start over)
commit   what was captured goes to the outbox as an ESCALATED package
discard  everything captured is dropped; the booth is free again`,
  options: { officer: { type: 'string' } },
  async run(context, positionals, values) {
    const [verb = 'status'] = positionals;
    if (verb === 'status') {
      const view = await context.daemon().call<SessionView>('session.status', {});
      context.emit(view, () => {
        const step = view.steps.indexOf(view.state);
        context.term.line(`session  ${view.state}${step >= 0 ? ` (step ${step + 1} of ${view.steps.length})` : ''}`);
        if (view.sessionId) context.term.line(`id       ${view.sessionId}`);
        context.term.line(`door     ${view.door}`);
        if (view.reason) context.term.line(`reason   ${view.reason}`);
      });
      return EXIT.ok;
    }
    if (!(DECISIONS as readonly string[]).includes(verb)) throw new UsageError(`unknown session action "${verb}"; expected status, ${DECISIONS.join(', ')}`);
    const officer = values.officer;
    if (typeof officer !== 'string' || officer === '') throw new UsageError(`boothctl session ${verb} needs --officer ID (it goes to the audit trail)`);
    const result = await context.daemon().call<{ sessionId: string; decision: string }>('session.officer', { decision: verb, officer });
    context.emit(result, () => context.term.line(`session ${result.sessionId}: ${result.decision} by ${officer}`));
    return EXIT.ok;
  },
};
