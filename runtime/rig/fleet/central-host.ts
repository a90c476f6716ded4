/**
 * The central side of the fleet's telemetry, in a process of its own: the project's Sparkplug
 * primary host (retained STATE — booths birth only once it is online —, a view of every node,
 * rebirth requests on seq gaps) and a TelemetryMonitor measuring DATA delivery, both on the
 * first broker; with several brokers (a cluster's nodes) the STATE is announced on each of the
 * others too. Sends the primary host's counts every second; answers a `window` request with
 * what arrived in it and `births` with every NBIRTH it saw (when, which bdSeq).
 */
import { HostStateAnnouncer } from '../../../simulator/central/host-state-announcer.ts';
import { PrimaryHost } from '../../../simulator/central/primary-host.ts';
import { parseTopic } from '../../../protocols/sparkplug/topics.ts';
import { toParent, type BirthsReport, type CentralStats, type ToCentralHost } from './ipc.ts';
import { TelemetryMonitor } from './telemetry-monitor.ts';

const now = () => Date.now();
let host: PrimaryHost | undefined;
let monitor: TelemetryMonitor | undefined;
let statsTimer: NodeJS.Timeout | undefined;
const announcers: HostStateAnnouncer[] = [];
const counts = { births: 0, deaths: 0, seqGaps: 0 };
const births: BirthsReport['births'] = {};

async function start(message: Extract<ToCentralHost, { type: 'start' }>): Promise<void> {
  const { brokers, hostId, group } = message;
  const brokerUrl = brokers[0]!;
  monitor = new TelemetryMonitor(now);
  await monitor.start(brokerUrl, group, message.mqttVersion);
  for (const [index, url] of brokers.slice(1).entries()) {
    const announcer = new HostStateAnnouncer({ hostId, brokerUrl: url, clientId: `host.${hostId}.state-${index + 1}` });
    announcers.push(announcer);
    await announcer.start();
  }
  host = new PrimaryHost({
    hostId,
    brokerUrl,
    report: (line) => {
      if (line.seqGap) counts.seqGaps += 1;
    },
  });
  host.on('message', (topic) => {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'edge') return;
    if (parsed.type === 'NBIRTH') {
      counts.births += 1;
      const bdSeq = host?.nodes.get(`${parsed.group}/${parsed.node}`)?.bdSeq;
      (births[parsed.node] ??= []).push([Date.now(), String(bdSeq ?? '?')]);
    }
    else if (parsed.type === 'NDEATH') counts.deaths += 1;
  });
  await host.start();
  statsTimer = setInterval(sendStats, 1000);
  toParent({ type: 'ready' });
}

function sendStats(): void {
  let online = 0;
  for (const view of host?.nodes.values() ?? []) if (view.online) online += 1;
  toParent({ type: 'central-stats', online, ...counts } satisfies CentralStats);
}

process.on('message', (message: ToCentralHost) => {
  if (message.type === 'start') {
    start(message).catch((error: unknown) => toParent({ type: 'failed', message: (error as Error).message }));
  } else if (message.type === 'births') {
    toParent({ type: 'births-report', births });
  } else if (message.type === 'window') {
    toParent({ type: 'window-report', ...monitor!.window(message.from, message.to) });
  } else if (message.type === 'stop') {
    clearInterval(statsTimer);
    sendStats();
    void Promise.all([host?.stop(), monitor?.stop(), ...announcers.map((announcer) => announcer.stop())]).finally(() => {
      toParent({ type: 'stopped' });
      process.disconnect();
    });
  }
});
process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
