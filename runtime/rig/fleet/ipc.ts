/**
 * Messages between the fleet coordinator and its child processes (Node IPC channel, JSON).
 * Every child says `ready` once it can take work; the coordinator never waits without a limit.
 */
import type { WindowFigures } from './telemetry-monitor.ts';

/** What a booth host needs to run its share of the fleet. */
export interface BoothHostConfig {
  group: string;
  primaryHost: string;
  /** MQTT version of the capture uploads. */
  mqttVersion: 4 | 5;
  /** Each booth's failover list of brokers (SimBoothOptions.brokers). */
  booths: Array<{ boothId: string; dir: string; privateKeyPem: string; brokers: string[] }>;
  centralPublicKeyPem: string;
  rampPerSecond: number;
  telemetryMs: number;
  capturesPerHour: number;
  sessionMs: number;
  captureBytes: number;
  capturesPerPackage: number;
  maxChunkBytes: number;
  seed: number;
}

export type ToBoothHost = { type: 'start'; config: BoothHostConfig } | { type: 'stop-sessions' } | { type: 'stop' };

export interface BoothHostStats {
  type: 'stats';
  at: number;
  started: number;
  /** Booths per EdgeNode state. */
  states: Record<string, number>;
  uploaderConnected: number;
  /** Started booths per broker their Sparkplug session is online on; 'none': not online. */
  brokers: Record<string, number>;
  outboxDepth: number;
  maxOutboxDepth: number;
  /** Event-loop delay since the last stats message. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Telemetry samples since the last stats message: how late each ran. */
  telemetryLateMs: number[];
  /** The uploader's synchronous outbox calls since the last stats message, ms each. */
  outboxCallMs: { read: number[]; attempt: number[]; erase: number[] };
  warnings: number;
  errors: number;
  lastWarning?: string;
}

export type FromBoothHost =
  | { type: 'ready' }
  | { type: 'started'; booths: number; atMs: number }
  | { type: 'accepted'; boothId: string; packageId: string; at: number; acceptMs: number; bytes: number }
  | { type: 'delivered'; packageId: string; at: number }
  | { type: 'refused'; boothId: string; reason: string }
  | BoothHostStats
  /** Answers `stop-sessions`: every package accepted before it was reported ahead of it. */
  | { type: 'sessions-stopped' }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

export type ToCentralHost =
  | { type: 'start'; brokers: string[]; mqttVersion: 4 | 5; hostId: string; group: string }
  | { type: 'window'; from: number; to: number }
  | { type: 'births' }
  | { type: 'stop' };

/** Every NBIRTH the primary host saw, per node: when, and with which bdSeq (decimal). */
export interface BirthsReport {
  type: 'births-report';
  births: Record<string, Array<[at: number, bdSeq: string]>>;
}

export interface TelemetryWindowReport extends WindowFigures {
  type: 'window-report';
}

export interface CentralStats {
  type: 'central-stats';
  /** Nodes the primary host sees online (born, not dead). */
  online: number;
  births: number;
  deaths: number;
  seqGaps: number;
}

export type FromCentralHost = { type: 'ready' } | CentralStats | TelemetryWindowReport | BirthsReport | { type: 'stopped' } | { type: 'failed'; message: string };

export interface ReceiverHostConfig {
  brokerUrl: string;
  outDir: string;
  /** `$share/<group>/…` when several receivers split the load; a plain subscription when absent. */
  shareGroup?: string;
  mqttVersion: 4 | 5;
  centralPrivateKeyPem: string;
  /** JSON file: { boothId: public key PEM }. */
  boothKeysFile: string;
}

export type ToReceiverHost = { type: 'start'; config: ReceiverHostConfig } | { type: 'stop' };

export type FromReceiverHost =
  | { type: 'ready' }
  | { type: 'receiver-event'; event: string; boothId: string; packageId: string; at: number; detail: string }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

/** Sends to the parent; a parent that is gone makes the child exit instead of running on alone. */
export function toParent(message: FromBoothHost | FromCentralHost | FromReceiverHost): void {
  if (!process.send || !process.connected) process.exit(2);
  process.send(message);
}
