/**
 * `expect:` steps. Each check is looked at again and again until it holds or `within` passes;
 * the failure message says what was expected and what the rig saw instead. Passing things
 * (states, prompts, endings, escalations, metric values) count from the end of the previous
 * expect; records that stay (central's packages, the audit log, boothd's log) count from the
 * start of the scenario; the door and the outbox must hold at the moment they are checked.
 */
import { deepStrictEqual } from 'node:assert';
import type { ExpectCheck, ExpectStep } from './expect-schema.ts';
import type { StepContext } from './step-context.ts';
import { StepFailure } from './step-failure.ts';
import { matchesText, showPattern } from './text-pattern.ts';
import { waitUntil } from './wait-until.ts';

export interface Verdict {
  ok: boolean;
  /** What the rig saw: the detail of a pass, the second half of a failure message. */
  observed: string;
}

/** Plays one expect step: resolves with what was seen, or throws StepFailure. */
export async function playExpect(step: ExpectStep, context: StepContext): Promise<string> {
  const startedAt = context.clock.now();
  const verdict = await waitUntil(
    async () => {
      const seen = await judge(step.check, context);
      return { done: seen.ok, value: seen };
    },
    { clock: context.clock, limitMs: step.withinMs, signal: context.signal, everyMs: 50 },
  );
  context.observations.markExpect();
  const took = `${((context.clock.now() - startedAt) / 1000).toFixed(1)} s`;
  if (!verdict.done) throw new StepFailure(`expected ${describeCheck(step.check)} within ${step.withinMs} ms; ${verdict.value.observed}`);
  return `${verdict.value.observed}; after ${took}`;
}

export function describeCheck(check: ExpectCheck): string {
  switch (check.kind) {
    case 'session':
      return `session ${check.state}${check.reason ? ` with reason ${String(check.reason)}` : ''}`;
    case 'door':
      return `door ${check.bolt}`;
    case 'prompt':
      return `prompt ${check.key}`;
    case 'sparkplug':
      return `sparkplug ${check.device ? `${check.device}/` : ''}${check.metric} = ${JSON.stringify(check.value)}`;
    case 'central': {
      const filter = [check.result, check.language].filter(Boolean).join(' ');
      return `central packages ${check.packages}${filter ? ` ${filter}` : ''}`;
    }
    case 'outbox':
      return `outbox depth ${check.depth}`;
    case 'audit':
      return `audit ${check.event}${Object.entries(check.fields).map(([key, value]) => ` ${key}=${value}`).join('')}`;
    case 'escalation':
      return `escalation ${showPattern(check.reason)}`;
    case 'log':
      return `log ${String(check.pattern)}`;
    case 'ended':
      return `ended ${check.outcome}`;
  }
}

async function judge(check: ExpectCheck, context: StepContext): Promise<Verdict> {
  const { observations, booth } = context;
  const noScreen: Verdict = { ok: false, observed: 'the kiosk screen is not connected (boothd is not running)' };
  switch (check.kind) {
    case 'session': {
      if (!booth.kiosk) return noScreen;
      const seen = recentSnapshots(context);
      const ok = seen.some((snapshot) => snapshot.state === check.state && (!check.reason || check.reason.test(snapshot.reason ?? '')));
      return { ok, observed: describeStates(seen) };
    }
    case 'escalation': {
      if (!booth.kiosk) return noScreen;
      const seen = recentSnapshots(context);
      const reasons = seen.filter((snapshot) => snapshot.state === 'escalated').map((snapshot) => snapshot.reason ?? '');
      const ok = reasons.some((reason) => matchesText(check.reason, reason));
      return { ok, observed: reasons.length > 0 ? `escalated with reason ${[...new Set(reasons)].map((reason) => JSON.stringify(reason)).join(', ')}` : describeStates(seen) };
    }
    case 'door': {
      const bolt = await booth.physicalBolt();
      return { ok: bolt === check.bolt, observed: `bolt ${bolt}` };
    }
    case 'prompt': {
      const prompts = observations.sinceExpect('prompts');
      return { ok: prompts.includes(check.key), observed: prompts.length > 0 ? `prompts since the previous expect: ${lastFew(prompts)}` : 'no prompt since the previous expect' };
    }
    case 'ended': {
      const ended = observations.sinceExpect('ended');
      return { ok: ended.includes(check.outcome), observed: ended.length > 0 ? `ended ${ended.join(', ')}` : 'no session ended since the previous expect' };
    }
    case 'sparkplug':
      return judgeSparkplug(check, context);
    case 'central': {
      const all = booth.central.packages();
      const matching = all.filter((pkg) => (!check.result || pkg.outcome === check.result) && (!check.language || pkg.language === check.language));
      const held = all.length === 0 ? 'central holds no package' : `central holds ${all.length}: ${all.map((pkg) => `${pkg.outcome}${pkg.language ? ` ${pkg.language}` : ''}`).join(', ')}`;
      return { ok: matching.length === check.packages, observed: held };
    }
    case 'outbox': {
      if (!booth.boothdRunning) return { ok: false, observed: 'boothd is not running' };
      const status = (await booth.control('outbox.status').catch((error: Error) => error)) as { depth: number } | Error;
      if (status instanceof Error) return { ok: false, observed: status.message };
      return { ok: status.depth === check.depth, observed: `outbox depth ${status.depth}` };
    }
    case 'audit': {
      const entries = booth.auditEntries();
      const matches = (entry: Record<string, unknown>) => Object.entries(check.fields).every(([key, value]) => String(entry[key]) === value);
      const sameEvent = entries.filter((entry) => entry.event === check.event);
      const found = sameEvent.find(matches);
      if (found) return { ok: true, observed: `audit seq ${String(found.seq)}${found.reason === undefined ? '' : ` reason ${JSON.stringify(found.reason)}`}` };
      return {
        ok: false,
        observed:
          sameEvent.length > 0
            ? `${sameEvent.length} ${check.event} entries, none with those fields (last: ${JSON.stringify(withoutChain(sameEvent.at(-1)!))})`
            : `no ${check.event} in the audit log; last events: ${lastFew(entries.map((entry) => String(entry.event)))}`,
      };
    }
    case 'log': {
      const lines = booth.boothdLines();
      const found = lines.find((line) => check.pattern.test(String(line.msg ?? '')));
      return { ok: found !== undefined, observed: found ? `"${String(found.msg)}"` : `no line of ${lines.length} matched` };
    }
  }
}

function judgeSparkplug(check: Extract<ExpectCheck, { kind: 'sparkplug' }>, { observations }: StepContext): Verdict {
  const scope = check.device ?? '';
  const equal = (value: unknown) => {
    try {
      deepStrictEqual(value, check.value);
      return true;
    } catch {
      return false;
    }
  };
  const key = `${scope}/${check.metric}`;
  const latest = observations.latest.get(key);
  // A dead node's or device's values are what it said before it went: none of them counts.
  const dead = observations.isDead(scope);
  const recent = observations.recentSamples(scope, check.metric);
  const ok = (!dead && observations.latest.has(key) && equal(latest)) || recent.some((sample) => equal(sample.value));
  const where = check.device ? `${check.device}/${check.metric}` : check.metric;
  if (dead) {
    const who = check.device ? `${check.device} is dead (its DDEATH or the node's NDEATH)` : 'the node is dead (NDEATH)';
    return { ok, observed: `${who}${observations.latest.has(key) ? `; its last ${check.metric} was ${JSON.stringify(latest)}` : ''}` };
  }
  return { ok, observed: observations.latest.has(key) ? `${where} is ${JSON.stringify(latest)}` : `${where} never seen` };
}

/** The current snapshot and every one since the previous expect. */
function recentSnapshots({ observations }: StepContext) {
  const since = observations.sinceExpect('snapshots');
  const current = observations.snapshot;
  return current && !since.includes(current) ? [current, ...since] : since;
}

function describeStates(snapshots: ReturnType<typeof recentSnapshots>): string {
  const current = snapshots.at(-1);
  if (!current) return 'no session state seen (the kiosk is not connected)';
  const path = [...new Set(snapshots.map((snapshot) => snapshot.state))];
  const reason = current.reason ? ` (reason ${JSON.stringify(current.reason)})` : '';
  return `session is ${current.state}${reason}${path.length > 1 ? `; since the previous expect: ${path.join(' → ')}` : ''}`;
}

/** An audit entry without its hash chain, which says nothing to a person reading a failure. */
function withoutChain(entry: Record<string, unknown>): Record<string, unknown> {
  const { prev: _prev, hash: _hash, ...rest } = entry;
  return rest;
}

function lastFew(items: readonly string[]): string {
  const shown = items.slice(-8);
  return `${items.length > shown.length ? '…, ' : ''}${shown.join(', ')}`;
}
