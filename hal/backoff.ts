/**
 * Exponential backoff with jitter, shared by every retry loop: re-opening devices, restarting
 * components, MQTT sessions of the edge node, capture packages waiting to be sent again.
 * Jitter spreads retries so three booths (or three devices) that failed together do not retry
 * in lock step; the random source is injected so tests are deterministic.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** 0 = no jitter; 0.3 = each delay is drawn from [70 %, 100 %] of the exponential value. */
  jitter: number;
  factor?: number;
}

export type RandomSource = () => number;

/** Delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: RandomSource): number {
  const exponential = Math.min(policy.maxMs, policy.initialMs * (policy.factor ?? 2) ** attempt);
  return Math.round(exponential * (1 - policy.jitter * random()));
}
