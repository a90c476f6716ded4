/**
 * Every capture package of a fleet run, as the coordinator hears of it: accepted durable at a
 * booth, stored (or again acknowledged, rejected, resumed) by a receiver, acknowledged back to
 * the booth and erased there. From it: what was lost (against the receivers' folder), what was reported stored twice, latencies, and the
 * outboxes' total depth at any moment.
 */
import { spread, type Spread } from './percentiles.ts';

interface Entry {
  boothId: string;
  acceptedAt: number;
  acceptMs: number;
  bytes: number;
  storedAt?: number;
  storedReports: number;
  deliveredAt?: number;
}

export class CaptureLedger {
  readonly #entries = new Map<string, Entry>();
  /** 'stored' reports that came in before the booth's 'accepted' (two IPC channels, no order between them). */
  readonly #early = new Map<string, number[]>();
  readonly events = { duplicate: 0, rejected: 0, resume: 0, refused: 0 };
  /** 'stored' reports per receiver (index): how the receivers split the load. */
  readonly storedBy: number[] = [];
  lastRejection: string | undefined;

  accepted(boothId: string, packageId: string, at: number, acceptMs: number, bytes: number): void {
    const early = this.#early.get(packageId) ?? [];
    this.#early.delete(packageId);
    this.#entries.set(packageId, { boothId, acceptedAt: at, acceptMs, bytes, storedReports: early.length, ...(early[0] === undefined ? {} : { storedAt: early[0] }) });
  }

  delivered(packageId: string, at: number): void {
    const entry = this.#entries.get(packageId);
    if (entry && entry.deliveredAt === undefined) entry.deliveredAt = at;
  }

  refused(): void {
    this.events.refused += 1;
  }

  receiverEvent(receiver: number, event: string, packageId: string, at: number, detail: string): void {
    if (event === 'stored') {
      this.storedBy[receiver] = (this.storedBy[receiver] ?? 0) + 1;
      const entry = this.#entries.get(packageId);
      if (!entry) {
        this.#early.set(packageId, [...(this.#early.get(packageId) ?? []), at]);
        return;
      }
      entry.storedReports += 1;
      entry.storedAt ??= at;
    } else if (event === 'duplicate') this.events.duplicate += 1;
    else if (event === 'rejected') {
      this.events.rejected += 1;
      this.lastRejection = `${packageId}: ${detail}`;
    } else if (event === 'resume') this.events.resume += 1;
  }

  /** Checks the receivers' folder: which accepted packages are stored (one folder each, by construction), which are not, and folders of packages no booth accepted. */
  onDisk(folders: ReadonlySet<string>): { stored: number; lost: number; unknown: number } {
    let stored = 0;
    for (const packageId of this.#entries.keys()) if (folders.has(packageId)) stored += 1;
    return { stored, lost: this.#entries.size - stored, unknown: folders.size - stored };
  }

  /** Accepted packages not yet both stored at central and erased at their booth. */
  get undelivered(): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.storedAt === undefined || entry.deliveredAt === undefined) count += 1;
    return count;
  }

  /** Packages in the outboxes at `at`: accepted before it and not yet erased. */
  depthAt(at: number): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.acceptedAt <= at && (entry.deliveredAt === undefined || entry.deliveredAt > at)) count += 1;
    return count;
  }

  /** Largest depth over [from, to]: a sweep over every accept (+1) and erase (−1). */
  maxDepth(from: number, to: number): number {
    const steps: Array<[number, number]> = [];
    for (const entry of this.#entries.values()) {
      steps.push([entry.acceptedAt, 1]);
      if (entry.deliveredAt !== undefined) steps.push([entry.deliveredAt, -1]);
    }
    steps.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let depth = 0;
    let max = 0;
    for (const [at, step] of steps) {
      if (at > to) break;
      depth += step;
      if (at >= from) max = Math.max(max, depth);
    }
    return Math.max(max, this.depthAt(from));
  }

  figures(from: number, to: number): {
    accepted: number;
    acceptedInWindow: number;
    stored: number;
    storedReports: number;
    storedTwice: number;
    sealedBytesInWindow: number;
    latencyMs: Spread;
    roundTripMs: Spread;
    acceptMs: Spread;
  } {
    const all = [...this.#entries.values()];
    const inWindow = all.filter((entry) => entry.acceptedAt >= from && entry.acceptedAt < to);
    return {
      accepted: all.length,
      acceptedInWindow: inWindow.length,
      stored: all.filter((entry) => entry.storedAt !== undefined).length,
      storedReports: all.reduce((sum, entry) => sum + entry.storedReports, 0),
      storedTwice: all.filter((entry) => entry.storedReports > 1).length,
      sealedBytesInWindow: inWindow.reduce((sum, entry) => sum + entry.bytes, 0),
      latencyMs: spread(all.flatMap((entry) => (entry.storedAt === undefined ? [] : [entry.storedAt - entry.acceptedAt]))),
      roundTripMs: spread(all.flatMap((entry) => (entry.deliveredAt === undefined ? [] : [entry.deliveredAt - entry.acceptedAt]))),
      acceptMs: spread(all.map((entry) => entry.acceptMs)),
    };
  }
}
