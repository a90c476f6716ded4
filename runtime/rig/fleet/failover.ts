/**
 * Broker failover in a fleet run: which brokers each booth tries in which order, and what
 * followed a broker node being killed. Booth number i gets the brokers rotated to start at
 * i mod n, so the fleet starts spread evenly over a cluster's nodes and the booths of a killed
 * node are known by their number. After a kill, each of its booths must be born again (seen by
 * the primary host) with a higher bdSeq — a new session, on a surviving node — and the booths
 * of the other nodes must keep their sessions.
 */
import { spread, type Spread } from './percentiles.ts';

export interface BrokerKill {
  broker: string;
  pid: number;
  at: number;
  /** Booths online on the broker just before the kill, as the booth hosts last reported. */
  boothsOnIt: number;
}

export interface KillFigures {
  broker: string;
  /** Seconds into the measurement window. */
  atS: number;
  boothsOnIt: number;
  /** Booths whose list starts with this broker: the ones that should have been on it. */
  boothsExpectedOnIt: number;
  /** Of those, how many were born again after the kill, and how many of these with a higher bdSeq. */
  reborn: number;
  rebornWithHigherBdSeq: number;
  /** Of those, booths born for the first time after the kill (they never came up before it). */
  firstBornAfter: number;
  /** Booths of the other brokers born again after the kill (0: they kept their sessions). */
  rebornElsewhere: number;
  /** Kill → the primary host saw the booth's new NBIRTH. */
  rebirthMs: Spread;
  /** Booths still reported online on the killed broker at the end (must be 0). */
  onItAtEnd: number;
  /** Booth ids that were not born again, at most ten (for the report). */
  notReborn: string[];
}

/** Booth `number`'s failover list: every broker, starting with broker number mod n. */
export function boothBrokers(brokers: readonly string[], number: number): string[] {
  const first = number % brokers.length;
  return [...brokers.slice(first), ...brokers.slice(0, first)];
}

/**
 * What followed each kill, from the NBIRTHs the primary host saw (per node: [time, bdSeq]) and
 * the booths online per broker at the end. A birth counts for a kill when it came after it
 * and before the next kill.
 */
export function failoverFigures(
  kills: readonly BrokerKill[],
  births: Readonly<Record<string, ReadonlyArray<readonly [at: number, bdSeq: string]>>>,
  onlineAtEnd: Readonly<Record<string, number>>,
  boothIds: readonly string[],
  brokers: readonly string[],
  windowStart: number,
): KillFigures[] {
  return kills.map((kill, index) => {
    const until = kills[index + 1]?.at ?? Infinity;
    const expected = new Set(boothIds.filter((_, number) => boothBrokers(brokers, number)[0] === kill.broker));
    const rebirthMs: number[] = [];
    const notReborn: string[] = [];
    let reborn = 0;
    let higher = 0;
    let firstBorn = 0;
    let elsewhere = 0;
    for (const boothId of boothIds) {
      const seen = births[boothId] ?? [];
      const before = seen.filter(([at]) => at < kill.at).at(-1);
      const after = seen.find(([at]) => at >= kill.at && at < until);
      if (!expected.has(boothId)) {
        if (after) elsewhere += 1;
        continue;
      }
      if (!after) {
        notReborn.push(boothId);
        continue;
      }
      if (!before) {
        firstBorn += 1;
        continue;
      }
      reborn += 1;
      rebirthMs.push(after[0] - kill.at);
      if (/^\d+$/.test(before[1]) && /^\d+$/.test(after[1]) && BigInt(after[1]) > BigInt(before[1])) higher += 1;
    }
    return {
      broker: kill.broker,
      atS: Math.round((kill.at - windowStart) / 100) / 10,
      boothsOnIt: kill.boothsOnIt,
      boothsExpectedOnIt: expected.size,
      reborn,
      rebornWithHigherBdSeq: higher,
      firstBornAfter: firstBorn,
      rebornElsewhere: elsewhere,
      rebirthMs: spread(rebirthMs),
      onItAtEnd: onlineAtEnd[kill.broker] ?? 0,
      notReborn: notReborn.slice(0, 10),
    };
  });
}

/** Why the fleet did not fail over well; empty when it did. */
export function failoverProblems(figures: readonly KillFigures[]): string[] {
  const problems: string[] = [];
  for (const kill of figures) {
    const name = `after ${kill.broker} was killed`;
    if (kill.boothsOnIt === 0) problems.push(`${name}: no booth was on it`);
    if (kill.firstBornAfter > 0) problems.push(`${name}: ${kill.firstBornAfter} of its ${kill.boothsExpectedOnIt} booths had not been born before the kill`);
    const missing = kill.boothsExpectedOnIt - kill.reborn - kill.firstBornAfter;
    if (missing > 0) problems.push(`${name}: ${missing} of its ${kill.boothsExpectedOnIt} booths not born again (${kill.notReborn.join(', ')}${missing > kill.notReborn.length ? ', …' : ''})`);
    if (kill.rebornWithHigherBdSeq < kill.reborn) problems.push(`${name}: ${kill.reborn - kill.rebornWithHigherBdSeq} booths born again without a higher bdSeq`);
    if (kill.rebornElsewhere > 0) problems.push(`${name}: ${kill.rebornElsewhere} booths of other brokers born again`);
    if (kill.onItAtEnd > 0) problems.push(`${name}: ${kill.onItAtEnd} booths still online on it at the end`);
  }
  return problems;
}
