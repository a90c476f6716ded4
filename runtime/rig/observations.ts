/**
 * What the rig has seen of its booth: the kiosk's snapshots, prompts, verdicts and endings, the
 * Sparkplug metrics, central's receipts. Each arrival is told in the timeline as an `event`.
 * Expectations about passing things (a state, a prompt, an ending, a metric value) look at what
 * arrived since the previous `expect` finished — `markExpect()` moves that line.
 */
import type { ReceiverReport } from '../../simulator/central/capture-receiver.ts';
import type { QualityFeedback, SessionSnapshot } from '../../protocols/kiosk/session-contract.ts';
import type { KioskMessage } from './kiosk-link.ts';
import type { MetricSample, SparkplugMessage } from './sparkplug-watch.ts';
import type { Timeline } from './timeline.ts';

type Stream = 'snapshots' | 'prompts' | 'ended' | 'samples';

export class Observations {
  readonly snapshots: SessionSnapshot[] = [];
  readonly prompts: string[] = [];
  readonly ended: string[] = [];
  readonly samples: MetricSample[] = [];
  /** The newest value of each metric: `<device or ''>/<name>` → value. */
  readonly latest = new Map<string, MetricSample['value']>();
  /**
   * Where each scope ('' for the node, else a device) last died, as an index into `samples`: an
   * NDEATH ends the node and all its devices, a DDEATH one device. Sparkplug says their metrics
   * are stale from then on: nothing said before counts again, and nothing at all until the next
   * NBIRTH or DBIRTH (then `dead` no longer has the scope).
   */
  readonly #diedAt = new Map<string, number>();
  readonly #dead = new Set<string>();
  readonly #timeline: Timeline;
  #marks: Record<Stream, number> = { snapshots: 0, prompts: 0, ended: 0, samples: 0 };

  constructor(timeline: Timeline) {
    this.#timeline = timeline;
  }

  get snapshot(): SessionSnapshot | undefined {
    return this.snapshots.at(-1);
  }

  /** What arrived in `stream` since the previous expect finished. */
  sinceExpect<S extends Stream>(stream: S): this[S] {
    return this[stream].slice(this.#marks[stream]) as this[S];
  }

  /** Whether the node ('') or a device is dead now: its last word was a death, no birth since. */
  isDead(scope: string): boolean {
    return this.#dead.has(scope);
  }

  /** The samples of one metric since the previous expect, leaving out what the scope said before it last died. */
  recentSamples(scope: string, name: string): MetricSample[] {
    const from = Math.max(this.#marks.samples, this.#diedAt.get(scope) ?? 0);
    return this.samples.slice(from).filter((sample) => (sample.device ?? '') === scope && sample.name === name);
  }

  markExpect(): void {
    this.#marks = { snapshots: this.snapshots.length, prompts: this.prompts.length, ended: this.ended.length, samples: this.samples.length };
  }

  onKiosk(message: KioskMessage): void {
    switch (message.type) {
      case 'hello':
      case 'state':
        return this.onSnapshot(message.snapshot as SessionSnapshot);
      case 'prompt':
        this.prompts.push(String(message.key));
        return this.#timeline.event(`prompt ${String(message.key)}`);
      case 'quality':
        return this.onQuality(message as unknown as QualityFeedback);
      case 'ended':
        this.ended.push(String(message.outcome));
        return this.#timeline.event(`session ended: ${String(message.outcome)}`);
      default:
        return; // previews and anything newer than booth-kiosk/1 as this rig knows it
    }
  }

  onSparkplug(message: SparkplugMessage): void {
    for (const sample of message.samples) {
      this.samples.push(sample);
      this.latest.set(`${sample.device ?? ''}/${sample.name}`, sample.value);
    }
    if (message.type === 'DDEATH' && message.device) this.die(message.device);
    if (message.type === 'NDEATH') for (const scope of new Set(['', ...[...this.latest.keys()].map((key) => key.slice(0, key.indexOf('/')))])) this.die(scope);
    if (message.type === 'NBIRTH') this.#dead.delete('');
    if (message.type === 'DBIRTH' && message.device) this.#dead.delete(message.device);
    if (message.type !== 'NDATA' && message.type !== 'DDATA') this.#timeline.event(message.summary);
  }

  onReceiver(report: ReceiverReport): void {
    const ok = report.event === 'rejected' || report.event === 'an2-failed' ? false : undefined;
    this.#timeline.event(`central ${report.event} package ${report.packageId}`, report.detail, ok);
  }

  private die(scope: string): void {
    this.#dead.add(scope);
    this.#diedAt.set(scope, this.samples.length);
  }

  private onSnapshot(snapshot: SessionSnapshot): void {
    const previous = this.snapshot;
    this.snapshots.push(snapshot);
    if (previous?.state === snapshot.state && previous.reason === snapshot.reason) return;
    const target = snapshot.target ? describeTarget(snapshot.target) : undefined;
    const detail = [target, snapshot.reason, `door ${snapshot.door}`].filter(Boolean).join('; ');
    this.#timeline.event(`session ${snapshot.state}`, detail);
  }

  private onQuality(feedback: QualityFeedback): void {
    const verdict = feedback.accepted ? 'accepted' : `not accepted (${feedback.problems.join(', ')})`;
    this.#timeline.event(`${describeTarget(feedback.target)} attempt ${feedback.attempt} of ${feedback.maxAttempts} ${verdict}`);
  }
}

function describeTarget(target: NonNullable<SessionSnapshot['target']>): string {
  switch (target.kind) {
    case 'slap':
      return target.slap;
    case 'palm':
      return `${target.palm} palm`;
    default:
      return target.kind;
  }
}
