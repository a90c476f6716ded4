/**
 * What a fleet run measured, the verdict "sustained" with its reasons, and a plain-text table.
 * Sustained means, over the measurement window after the ramp:
 * - every booth was born and seen online by the primary host, and none died;
 * - at least 99 % of the expected NDATA samples arrived, no node's sample gap exceeded 1.5
 *   periods, samples ran less than 1 s late at the booth (p99) and DATA lag (booth timestamp →
 *   central arrival) stayed under 1 s at p99;
 * - the capture backlog did not grow: every package accepted was stored at central exactly once
 *   (one folder per package at central, within the drain time; a receiver that reports one
 *   twice is counted, not failed — the folder is the record), the capture latency p99 stayed
 *   under 30 s, and the outboxes held no
 *   more at the window's end than at its start plus a few packages in flight.
 * With broker kills in the window (a cluster node lost), the booths of the killed node are
 * offline for a while by design: the NDEATH, sample-gap, lag and lateness criteria give way to
 * failover.ts's (every booth of the node born again with a higher bdSeq, the others untouched,
 * none left on it), and the rest — all online at the end, no package lost — stays.
 */
import { failoverProblems, type KillFigures } from './failover.ts';
import type { ProcFigures } from './proc-stats.ts';
import type { Spread } from './percentiles.ts';

export interface FleetReport {
  booths: number;
  processes: number;
  receivers: number;
  telemetrySeconds: number;
  capturesPerHour: number;
  packageBytes: number;
  windowSeconds: number;
  ramp: { perSecond: number; allOnlineAfterS: number | undefined };
  sparkplug: { online: number; onlineAtEnd: number; births: number; deathsInWindow: number; seqGaps: number };
  telemetry: {
    /** Booths × window / period. */
    expectedSamples: number;
    /** Per booth, how many fewer than ⌊window / period⌋ samples arrived, summed. */
    missingSamples: number;
    /** Booths with at least one sample in the window. */
    boothsHeard: number;
    samples: number;
    otherData: number;
    /** 1 − missing / (booths × ⌊window / period⌋). */
    deliveredRatio: number;
    maxGapS: number;
    messagesPerSecond: number;
    bytesPerSecond: number;
    lagMs: Spread;
    sampleLateMs: Spread;
  };
  captures: {
    accepted: number;
    acceptedInWindow: number;
    /** Accepted packages with their folder at central. */
    storedDistinct: number;
    /** 'stored' reports per receiver: how the shared subscription split the load. */
    storedByReceiver: number[];
    /** Folders at central of packages no booth reported accepted (must be 0). */
    unknownStored: number;
    storedReports: number;
    /** Packages a receiver reported 'stored' more than once (the folder is still one: see docs/scaling.md). */
    storedReportedTwice: number;
    duplicatesAcked: number;
    rejected: number;
    resumes: number;
    lost: number;
    refused: number;
    sealedBytesPerSecond: number;
    /** Accepted durable at the booth → stored at a central receiver. */
    latencyMs: Spread;
    /** Accepted → the booth got the central ack and erased the package. */
    roundTripMs: Spread;
    /** Seal + fsynced outbox accept, on the booth host's event loop. */
    acceptMs: Spread;
    /** The uploader's outbox calls on the booth host's event loop (in the window). */
    outboxCallsMs: { read: Spread; attempt: Spread; erase: Spread };
    outboxDepth: { windowStart: number; windowEnd: number; max: number };
  };
  /** What followed each broker kill; absent when nothing was killed. */
  failover?: KillFigures[];
  eventLoop: { p99Ms: number; maxMs: number };
  warnings: { count: number; last?: string };
  cpuAndMemory: Record<string, ProcFigures | undefined>;
  /** What the run started and removed, so a caller can check that nothing outlived it. */
  run: { childPids: number[]; tempDirs: string[] };
  sustained: boolean;
  reasons: string[];
}

export function verdict(report: Omit<FleetReport, 'sustained' | 'reasons'>): { sustained: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const { booths, sparkplug, telemetry, captures, telemetrySeconds } = report;
  if (report.ramp.allOnlineAfterS === undefined) reasons.push(`only ${sparkplug.online} of ${booths} booths came online`);
  if (sparkplug.onlineAtEnd < booths) reasons.push(`${booths - sparkplug.onlineAtEnd} booths offline at the window's end`);
  const faults = (report.failover?.length ?? 0) > 0;
  if (faults) reasons.push(...failoverProblems(report.failover!));
  if (!faults && sparkplug.deathsInWindow > 0) reasons.push(`${sparkplug.deathsInWindow} NDEATHs in the window`);
  if (telemetry.boothsHeard < booths) reasons.push(`no telemetry from ${booths - telemetry.boothsHeard} booths`);
  if (telemetry.deliveredRatio < 0.99) reasons.push(`${telemetry.missingSamples} telemetry samples missing (${(telemetry.deliveredRatio * 100).toFixed(1)} % delivered)`);
  if (!faults && telemetry.maxGapS > 1.5 * telemetrySeconds) reasons.push(`an NDATA gap of ${telemetry.maxGapS} s`);
  if (!faults && telemetry.lagMs.p99 > 1000) reasons.push(`telemetry lag p99 ${telemetry.lagMs.p99} ms`);
  if (!faults && telemetry.sampleLateMs.p99 > 1000) reasons.push(`telemetry samples ran ${telemetry.sampleLateMs.p99} ms late at p99`);
  if (captures.lost > 0) reasons.push(`${captures.lost} accepted packages not stored at central after the drain`);
  if (captures.unknownStored > 0) reasons.push(`${captures.unknownStored} packages stored that no booth accepted`);
  if (captures.latencyMs.p99 > 30_000) reasons.push(`capture latency p99 ${captures.latencyMs.p99} ms`);
  const { windowStart, windowEnd } = captures.outboxDepth;
  if (windowEnd > windowStart + Math.max(3, booths * 0.01)) reasons.push(`outbox backlog grew from ${windowStart} to ${windowEnd}`);
  return { sustained: reasons.length === 0, reasons };
}

/** The report as aligned `figure | value` lines for a terminal. */
export function formatReport(report: FleetReport): string {
  const { telemetry: t, captures: c, sparkplug: s } = report;
  const ms = (x: Spread) => `p50 ${x.p50} / p99 ${x.p99} / max ${x.max} ms (n=${x.count})`;
  const rows: Array<[string, string]> = [
    ['booths / processes / receivers', `${report.booths} / ${report.processes} / ${report.receivers}`],
    ['ramp → all online (primary host)', report.ramp.allOnlineAfterS === undefined ? 'not reached' : `${report.ramp.allOnlineAfterS} s at ${report.ramp.perSecond}/s`],
    ['online at start / end of window, births, NDEATHs, seq gaps', `${s.online} / ${s.onlineAtEnd}, ${s.births}, ${s.deathsInWindow}, ${s.seqGaps}`],
    [`NDATA samples arrived / expected (${report.windowSeconds} s window)`, `${t.samples} / ${t.expectedSamples} from ${t.boothsHeard} booths, ${t.missingSamples} missing (${(t.deliveredRatio * 100).toFixed(2)} % delivered), max gap ${t.maxGapS} s`],
    ['DATA messages/s (samples + other), bytes/s at central', `${t.messagesPerSecond} (${t.samples} + ${t.otherData} in window), ${t.bytesPerSecond}`],
    ['telemetry lag (booth timestamp → central)', ms(t.lagMs)],
    ['telemetry sample lateness at the booth', ms(t.sampleLateMs)],
    ['packages accepted (in window) / stored / lost / refused', `${c.accepted} (${c.acceptedInWindow}) / ${c.storedDistinct} / ${c.lost} / ${c.refused}`],
    ['receiver reports: stored (per receiver) / stored twice / duplicate acks / rejected / resumes', `${c.storedReports} (${c.storedByReceiver.join(' + ')}) / ${c.storedReportedTwice} / ${c.duplicatesAcked} / ${c.rejected} / ${c.resumes}`],
    [`capture bytes/s (${(report.packageBytes / 1048576).toFixed(2)} MiB packages)`, String(c.sealedBytesPerSecond)],
    ['capture latency (accepted → stored at central)', ms(c.latencyMs)],
    ['capture round trip (accepted → ack erased at booth)', ms(c.roundTripMs)],
    ['seal + durable accept on the booth loop', ms(c.acceptMs)],
    ['uploader outbox read / erase on the booth loop', `${ms(c.outboxCallsMs.read)}; ${ms(c.outboxCallsMs.erase)}`],
    ['outbox depth window start / end / max', `${c.outboxDepth.windowStart} / ${c.outboxDepth.windowEnd} / ${c.outboxDepth.max}`],
    ...(report.failover ?? []).map((kill): [string, string] => [
      `killed ${kill.broker} at ${kill.atS} s: booths on it / born again (higher bdSeq) / others born again / left on it`,
      `${kill.boothsOnIt} (expected ${kill.boothsExpectedOnIt}) / ${kill.reborn} (${kill.rebornWithHigherBdSeq}) / ${kill.rebornElsewhere} / ${kill.onItAtEnd}; kill → NBIRTH ${ms(kill.rebirthMs)}`,
    ]),
    ['booth host event loop delay p99 / max', `${report.eventLoop.p99Ms} / ${report.eventLoop.maxMs} ms`],
    ...Object.entries(report.cpuAndMemory).map(([name, figures]): [string, string] =>
      name === 'machine'
        ? ['whole machine CPU % (every process, 100 per core)', figures ? String(figures.cpuPercent) : 'n/a']
        : [`${name} CPU % / RSS MiB`, figures ? `${figures.cpuPercent} / ${figures.rssMiB}` : 'n/a'],
    ),
    ['warnings (last)', `${report.warnings.count}${report.warnings.last ? ` (${report.warnings.last})` : ''}`],
    ['sustained', report.sustained ? 'yes' : `NO: ${report.reasons.join('; ')}`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)} | ${value}`).join('\n');
}
