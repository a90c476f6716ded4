/** The knobs of a fleet run, with the defaults `booth-rig fleet` uses (rates.ts explains them). */
import { BUSY_CENTRE_CAPTURES_PER_HOUR, DEFAULT_CAPTURES_PER_PACKAGE, DEFAULT_SESSION_SECONDS, DEFAULT_TELEMETRY_SECONDS } from './rates.ts';

export interface FleetOptions {
  booths: number;
  /**
   * The broker, or the nodes of a clustered broker. Every booth gets the whole list as its
   * failover list, rotated by its number so the booths start spread over the nodes (booth i on
   * node i mod n). The primary host and the capture receivers sit on the first.
   */
  brokers: readonly string[];
  /**
   * The brokers' processes, when known, in the order of `brokers`: their CPU and memory are
   * measured (summed as "broker"), the first one's open-file limit is checked, and `kills` name them.
   */
  brokerPids?: readonly number[];
  /** MQTT version of the capture uploads, receivers and telemetry monitor (Sparkplug itself is 3.1.1). */
  mqttVersion: 4 | 5;
  /**
   * Faults: the broker `brokers[broker]` is killed (SIGKILL by its pid from brokerPids) this many
   * seconds into the measurement window. Not the first broker: central sits on it.
   */
  kills: ReadonlyArray<{ broker: number; atSecond: number }>;
  /** The measurement window after every booth is online. */
  durationSeconds: number;
  telemetrySeconds: number;
  capturesPerHour: number;
  /** Sealed payload of a package, split over capturesPerPackage images. */
  captureBytes: number;
  capturesPerPackage: number;
  sessionSeconds: number;
  receivers: number;
  /** Processes the booths are spread over (one event loop each); by default one per BOOTHS_PER_PROCESS. */
  processes?: number;
  /** Booths started per second, over the whole fleet. */
  rampPerSecond: number;
  maxChunkBytes: number;
  /** Where the receivers store packages; kept after the run. A temporary folder when absent. */
  centralOut?: string;
  /**
   * Where the run's temporary folder with every booth's SessionStore and outbox goes (the
   * system's temporary folder when absent). All booths of a host share its disk and its event
   * loop, so one slow fsync holds up all of them; a tmpfs (/dev/shm) takes the disk out.
   */
  stateDir?: string;
  /** How long to wait after the window for every accepted package to be stored and acknowledged. */
  drainSeconds: number;
  seed: number;
  group: string;
  /** The booth host program: the edge-node booths by default; a baseline may speak the same messages. */
  boothHost?: URL;
  /** Extra node options of the booth hosts (e.g. a larger heap). */
  boothHostNodeOptions?: string[];
  /** Progress lines (the CLI prints them to stderr). */
  log(line: string): void;
}

/**
 * Booths per event loop when the caller does not say. Measured (bench/RESULTS.md, 2026-11-28):
 * with captures, every package's buffers make V8 mark the whole heap of its process, and that
 * heap grows with the booths in it, so one loop's GC work grows with the square of its booths:
 * 1,000 booths on one loop stalled it 271 ms at p99, on two loops 39 ms.
 */
export const BOOTHS_PER_PROCESS = 500;

export function processesFor(options: Pick<FleetOptions, 'booths' | 'processes'>): number {
  return options.processes ?? Math.max(1, Math.ceil(options.booths / BOOTHS_PER_PROCESS));
}

export const FLEET_DEFAULTS = {
  durationSeconds: 120,
  telemetrySeconds: DEFAULT_TELEMETRY_SECONDS,
  capturesPerHour: BUSY_CENTRE_CAPTURES_PER_HOUR,
  captureBytes: 1024 * 1024,
  capturesPerPackage: DEFAULT_CAPTURES_PER_PACKAGE,
  sessionSeconds: DEFAULT_SESSION_SECONDS,
  receivers: 2,
  mqttVersion: 5,
  kills: [],
  rampPerSecond: 100,
  maxChunkBytes: 128 * 1024,
  drainSeconds: 60,
  seed: 1,
  group: 'fleet',
} satisfies Partial<FleetOptions>;
