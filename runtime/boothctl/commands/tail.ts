/**
 * `boothctl tail`: this booth's live Sparkplug telemetry as readable lines. boothctl subscribes
 * to the broker itself (read-only: it publishes nothing), then asks boothd to re-publish its
 * births so metric names resolve from the first line. Ends on Ctrl-C or after --count lines.
 */
import mqtt from 'mqtt';
import type { CommandSpec } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';
import type { CliContext } from '../context.ts';
import { DaemonDown } from '../daemon-link.ts';
import { mqttTlsOptions } from '../../config/mqtt-tls.ts';
import { renderTelemetryLine, TelemetryFormatter } from '../telemetry-lines.ts';

export const tailCommand: CommandSpec = {
  name: 'tail',
  summary: "live decoded telemetry of this booth, optionally of one device",
  help: `usage: boothctl tail [--device ID] [--count N] [--json] [--no-rebirth]

Subscribes to this booth's Sparkplug topics on the broker boothd uses and prints each message
decoded: "12:00:01.123 DDATA    door  Door/Locked=true". Binary values show only their size.
--device    only that device's messages (plus the node's death and the primary host's state)
--count     stop after N lines (default: until Ctrl-C)
--json      one JSON object per line
boothctl first asks boothd to publish its births again, so metric names are known at once
(--no-rebirth leaves the booth alone; names then resolve from the next birth).`,
  options: { device: { type: 'string' }, count: { type: 'string' }, 'no-rebirth': { type: 'boolean', default: false } },
  async run(context, _positionals, values) {
    const count = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);
    if (!(count > 0) || (Number.isFinite(count) && !Number.isInteger(count))) throw new UsageError('--count must be a positive integer');
    const target = await brokerOf(context);
    const device = typeof values.device === 'string' ? values.device : undefined;
    const formatter = new TelemetryFormatter({ boothId: target.boothId, group: target.group, ...(device ? { device } : {}) });
    const client = mqtt.connect(target.url, {
      clientId: `boothctl-tail-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      ...target.tls,
    });
    let printed = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const stop = () => resolve();
        context.signal?.addEventListener('abort', stop, { once: true });
        client.once('error', (error) => reject(new Error(`cannot reach the broker at ${target.url}: ${error.message}`)));
        client.on('message', (topic, payload) => {
          for (const line of formatter.format(topic, payload, Date.now())) {
            if (printed >= count) return;
            printed += 1;
            context.term.line(context.json ? JSON.stringify(line, jsonSafe) : renderTelemetryLine(line, { colour: context.term.colour }));
            if (printed >= count) resolve();
          }
        });
        client.once('connect', () => {
          const base = `spBv1.0/${target.group}`;
          client.subscribe([`${base}/+/${target.boothId}`, `${base}/+/${target.boothId}/+`, 'spBv1.0/STATE/+'], { qos: 0 }, (error) => {
            if (error) return reject(new Error(`subscribe refused by the broker: ${error.message}`));
            if (!context.json) context.term.err.write(`boothctl tail: listening to booth ${target.boothId} on ${target.url}${device ? `, device ${device}` : ''} (Ctrl-C stops)\n`);
            if (values['no-rebirth'] !== true && target.daemonRunning) void askForRebirth(context);
          });
        });
      });
    } finally {
      await client.endAsync(true);
    }
    return EXIT.ok;
  },
};

interface BrokerTarget {
  url: string;
  boothId: string;
  group: string;
  tls: Record<string, unknown>;
  daemonRunning: boolean;
}

/** The broker boothd is connected to (its embedded one, if so); from the manifest when boothd is down. */
async function brokerOf(context: CliContext): Promise<BrokerTarget> {
  const loaded = (() => {
    try {
      return context.config();
    } catch {
      return undefined;
    }
  })();
  const tlsOptions = mqttTlsOptions(loaded?.config.mqtt.tls);
  try {
    const status = await context.daemon().call<{ boothId: string; group: string; sparkplug: { broker?: string } }>('status');
    if (!status.sparkplug.broker) throw new Error('boothd has no broker yet');
    return { url: status.sparkplug.broker, boothId: status.boothId, group: status.group, tls: tlsOptions, daemonRunning: true };
  } catch (error) {
    if (!(error instanceof DaemonDown)) throw error;
    // With boothd down, the first broker of the manifest (a cluster's nodes all carry the traffic).
    const url = loaded?.config.mqtt.url ?? loaded?.config.mqtt.urls?.[0];
    if (!loaded || !url) throw new DaemonDown(context.daemon().socketPath, error, "the manifest names no central broker, and boothd's embedded broker is down with it");
    return { url, boothId: loaded.config.booth.id, group: loaded.config.booth.group, tls: tlsOptions, daemonRunning: false };
  }
}

/** One rebirth; when boothd just did one (its debounce), once more at the time it names. */
async function askForRebirth(context: CliContext): Promise<void> {
  for (let attempt = 0; attempt < 2 && !context.signal?.aborted; attempt += 1) {
    const answer = await context
      .daemon()
      .call<{ done: boolean; retryInMs?: number }>('telemetry.rebirth')
      .catch((): { done: boolean; retryInMs?: number } => ({ done: true }));
    if (answer.done) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(answer.retryInMs ?? 1000, 5000) + 10).unref());
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
