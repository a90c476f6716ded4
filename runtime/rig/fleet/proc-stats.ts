/**
 * CPU and memory of a process from /proc (Linux): user + system time of all its threads
 * (/proc/<pid>/stat fields 14 and 15, in clock ticks) and its resident set (VmRSS, VmHWM from
 * /proc/<pid>/status). CPU % = ticks used / ticks that passed: 100 % is one core busy.
 */
import { readFileSync } from 'node:fs';

export interface ProcSample {
  at: number;
  cpuTicks: number;
  rssKiB: number;
  /** Peak resident set since the process started. */
  hwmKiB: number;
}

export function readProc(pid: number, now: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      at: now,
      cpuTicks: Number(fields[11]) + Number(fields[12]),
      rssKiB: kib(status, 'VmRSS'),
      hwmKiB: kib(status, 'VmHWM'),
    };
  } catch {
    return undefined; // gone
  }
}

/** Busy clock ticks of the whole machine, all cores (/proc/stat: everything but idle and iowait). */
export function machineBusyTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

function kib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

export interface ProcFigures {
  /** Summed over the group's processes, % of one core, between two marks. */
  cpuPercent: number;
  /** Largest summed RSS seen between the marks (sampled), MiB. */
  rssMiB: number;
}

/** The group name of the whole machine's CPU (all processes, everyone's). */
export const MACHINE = 'machine';

/**
 * Samples a named group of processes (the broker, the booth hosts, the receivers …) once a
 * second, and the whole machine's CPU as group MACHINE (what else ran shows as the difference);
 * `figures(from, to)` gives CPU % between the samples nearest those times and the
 * largest RSS sampled in between.
 */
export class ProcWatcher {
  readonly #groups = new Map<string, number[]>();
  readonly #samples = new Map<string, Array<{ at: number; cpuTicks: number; rssKiB: number }>>();
  readonly #lastTicks = new Map<number, number>();
  readonly #ticksPerSecond: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(ticksPerSecond: number, now: () => number) {
    this.#ticksPerSecond = ticksPerSecond;
    this.#now = now;
  }

  watch(group: string, pid: number): void {
    this.#groups.set(group, [...(this.#groups.get(group) ?? []), pid]);
  }

  start(everyMs = 1000): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }

  sample(): void {
    const now = this.#now();
    const machine = this.#samples.get(MACHINE) ?? [];
    machine.push({ at: now, cpuTicks: machineBusyTicks(), rssKiB: 0 });
    this.#samples.set(MACHINE, machine);
    for (const [group, pids] of this.#groups) {
      let cpuTicks = 0;
      let rssKiB = 0;
      for (const pid of pids) {
        const sample = readProc(pid, now);
        // A process that died (a broker node killed mid-run) keeps the CPU it had used.
        if (sample) this.#lastTicks.set(pid, sample.cpuTicks);
        cpuTicks += sample?.cpuTicks ?? this.#lastTicks.get(pid) ?? 0;
        rssKiB += sample?.rssKiB ?? 0;
      }
      const list = this.#samples.get(group) ?? [];
      list.push({ at: now, cpuTicks, rssKiB });
      this.#samples.set(group, list);
    }
  }

  figures(group: string, from: number, to: number): ProcFigures | undefined {
    const inside = (this.#samples.get(group) ?? []).filter((sample) => sample.at >= from - 500 && sample.at <= to + 500);
    const first = inside[0];
    const last = inside.at(-1);
    if (!first || !last || last.at <= first.at) return undefined;
    const cpuPercent = ((last.cpuTicks - first.cpuTicks) / this.#ticksPerSecond / ((last.at - first.at) / 1000)) * 100;
    return { cpuPercent: Math.round(cpuPercent * 10) / 10, rssMiB: Math.round(Math.max(...inside.map((sample) => sample.rssKiB)) / 102.4) / 10 };
  }
}
