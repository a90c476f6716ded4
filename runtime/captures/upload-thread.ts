/**
 * The capture upload thread: the uploader (its MQTT connection, the chunk window, the verdicts)
 * runs here, on its own event loop, with the outbox's reading and erasing on the two threads of
 * WorkerUploadSource below it. boothd's event loop — door, session, telemetry — then only hears
 * about an upload when a package is accepted or rejected or the link changes: at full upload
 * speed the publishing alone held it for ~12 ms at p99 (bench/RESULTS.md).
 *
 * Protocol (runtime/captures/threaded-uploader.ts is the other end): the owner posts `start`
 * once, then `kick` and `retry` (answered by a `reply` with its id), and finally `stop`.
 * The thread posts what the uploader does (`link`, `accepted`, `rejected`) and its log lines
 * (`log`; never package contents: the uploader logs ids, sizes and reasons only).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../hal/clock.ts';
import { CaptureUploader, type UploaderLogger, type UploaderOptions } from '../../protocols/capture/uploader.ts';
import { mqttTlsOptions } from '../config/mqtt-tls.ts';
import type { BoothConfig } from '../config/schema.ts';
import { Outbox } from '../outbox/outbox.ts';
import { WorkerUploadSource } from '../outbox/worker-upload-source.ts';
import { lowerThreadPriority } from '../threads/thread-priority.ts';

/** Everything the thread needs, as plain data (workerData). */
export interface UploadThreadSettings
  extends Pick<UploaderOptions, 'boothId' | 'maxChunkBytes' | 'maxInFlightBytes' | 'maxBytesPerSecond' | 'ackTimeoutMs' | 'retry' | 'protocolVersion'> {
  outboxDir: string;
  /** The manifest's `mqtt.tls`: the files are read here. */
  tls?: BoothConfig['mqtt']['tls'];
  /** Whether debug lines are wanted at all (each one is a message to the owner). */
  debug: boolean;
  /** Scheduling priority of this thread (Linux niceness); 0 leaves it as it is. */
  niceness: number;
}

export type UploadThreadCommand =
  | { op: 'start'; brokers: string[] }
  | { op: 'kick' }
  | { op: 'retry'; id: number }
  /** Ends the thread once the connection, the reader and writer threads and the outbox are closed. */
  | { op: 'stop' };

export type UploadThreadEvent =
  /** The thread and its reader and writer threads are up (posted once, unasked). */
  | { kind: 'ready' }
  | { kind: 'link'; connected: boolean; broker: string | undefined }
  | { kind: 'accepted'; packageId: string }
  | { kind: 'rejected'; packageId: string; reason: string }
  | { kind: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; fields: Record<string, unknown>; message: string }
  | { kind: 'reply'; id: number; value: number };

const port = parentPort;
if (!port) throw new Error('upload-thread.ts runs as a worker thread only');
const { outboxDir, tls, debug, niceness, ...uploaderSettings } = workerData as UploadThreadSettings;
const post = (event: UploadThreadEvent) => port.postMessage(event);

const logger: UploaderLogger = {
  debug: (fields, message) => debug && post({ kind: 'log', level: 'debug', fields: cloneable(fields), message: message ?? '' }),
  info: (fields, message) => post({ kind: 'log', level: 'info', fields: cloneable(fields), message: message ?? '' }),
  warn: (fields, message) => post({ kind: 'log', level: 'warn', fields: cloneable(fields), message: message ?? '' }),
};

if (niceness) lowerThreadPriority(niceness);
const outbox = Outbox.secondConnection(outboxDir, systemClock);
try {
  outbox.attach();
} catch (error) {
  // The owner restarts the thread with backoff; it logs why.
  post({ kind: 'log', level: 'error', fields: cloneable({ err: error }), message: `capture uploads: cannot open the outbox: ${(error as Error).message}` });
  process.exit(1);
}
const source = new WorkerUploadSource(outbox);
const uploader = new CaptureUploader({
  ...uploaderSettings,
  source,
  clock: systemClock,
  logger,
  // The same TLS identity as the Sparkplug connection: with mTLS the broker refuses anything else.
  mqttOptions: mqttTlsOptions(tls),
});
// The reader and writer are up before the first package needs them.
void source.warmUp().then(() => post({ kind: 'ready' }));
uploader.on('link', (connected, broker) => post({ kind: 'link', connected, broker }));
uploader.on('accepted', (packageId) => post({ kind: 'accepted', packageId }));
uploader.on('rejected', (packageId, reason) => post({ kind: 'rejected', packageId, reason }));

port.on('message', (command: UploadThreadCommand) => {
  switch (command.op) {
    case 'start':
      uploader.start(command.brokers);
      return;
    case 'kick':
      uploader.kick();
      return;
    case 'retry':
      post({ kind: 'reply', id: command.id, value: uploader.retryNow() });
      return;
    case 'stop':
      void stop();
      return;
  }
});

async function stop(): Promise<void> {
  await uploader.stop();
  await source.close();
  outbox.close();
  process.exit(0); // this thread only; a package's backoff timer must not keep it alive
}

/** Log fields as a message can carry them: an error becomes its name, message and code (the owner's logger prints those). */
function cloneable(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      const { code } = value as { code?: unknown };
      out[key] = { type: value.name, message: value.message, ...(code === undefined ? {} : { code: String(code) }) };
    } else {
      out[key] = value;
    }
  }
  return out;
}
