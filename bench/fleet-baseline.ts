/**
 * The fleet benchmark's baseline: the same booths as bare mqtt.js clients. Speaks the booth
 * host's IPC protocol (runtime/rig/fleet/ipc.ts), so the fleet runner starts, ramps, measures and
 * stops it exactly like the real booths. Per booth: two connections (the Sparkplug one and an
 * idle MQTT 5 one subscribed to its capture acks, as the uploader's), one NBIRTH + DBIRTHs at
 * connect, then every telemetry period the same NDATA and DDATA bytes the edge node sends
 * (encoded once from the booth's model; only the timestamp and seq are patched in place). No
 * Sparkplug session (no STATE wait, no command subscriptions, no store), no captures: what is
 * left is raw MQTT carrying the same telemetry.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { encodePayload } from '../protocols/sparkplug/payload.ts';
import { edgeTopic } from '../protocols/sparkplug/topics.ts';
import { ackTopic, resumeTopic } from '../protocols/capture/transfer-codec.ts';
import { BoothMetrics } from '../runtime/rig/fleet/booth-metrics.ts';
import { toParent, type BoothHostConfig, type ToBoothHost } from '../runtime/rig/fleet/ipc.ts';
import { seededRandom } from '../runtime/rig/fleet/seeded-random.ts';
import { EventLoopLag } from '../runtime/telemetry/event-loop-lag.ts';

interface RawBooth {
  sparkplug: MqttClient;
  captures: MqttClient;
  ndata: Buffer;
  ddata: Buffer;
  seq: number;
  timer?: NodeJS.Timeout;
}

const booths: RawBooth[] = [];
let statsTimer: NodeJS.Timeout | undefined;
let late: number[] = [];
const lag = new EventLoopLag(10);

function start(config: BoothHostConfig): void {
  const startedAt = performance.now();
  let next = 0;
  const step = () => {
    const due = Math.min(config.booths.length, Math.floor(((performance.now() - startedAt) / 1000) * config.rampPerSecond) + 1);
    for (; next < due; next += 1) booths.push(startBooth(config, next));
    if (next < config.booths.length) setTimeout(step, 10);
    else toParent({ type: 'started', booths: next, atMs: Date.now() });
  };
  step();
  lag.start();
  statsTimer = setInterval(() => {
    const loopP99Ms = Math.round(lag.percentileMs(99) * 100) / 100;
    const loopMaxMs = Math.round(lag.maxMs() * 100) / 100;
    lag.reset();
    toParent({
      type: 'stats', at: Date.now(), started: booths.length, states: { online: booths.filter((b) => b.sparkplug.connected).length },
      uploaderConnected: booths.filter((b) => b.captures.connected).length, brokers: {}, outboxDepth: 0, maxOutboxDepth: 0, loopP99Ms, loopMaxMs,
      telemetryLateMs: late, outboxCallMs: { read: [], attempt: [], erase: [] }, warnings: 0, errors: 0,
    });
    late = [];
  }, 2000);
}

function startBooth(config: BoothHostConfig, index: number): RawBooth {
  const { boothId } = config.booths[index]!;
  const random = seededRandom(config.seed * 100_003 + index);
  const now = Date.now();
  const metrics = new BoothMetrics(random, now);
  const births = [
    { topic: edgeTopic(config.group, 'NBIRTH', boothId), payload: Buffer.from(encodePayload({ timestamp: now, seq: 0, metrics: metrics.model.node.birth() })) },
    ...metrics.model.deviceIds.map((device, d) => ({
      topic: edgeTopic(config.group, 'DBIRTH', boothId, device),
      payload: Buffer.from(encodePayload({ timestamp: now, seq: d + 1, metrics: metrics.model.device(device)!.birth() })),
    })),
  ];
  // One period's changes, as the edge node encodes them; seq 200 makes its varint two bytes long.
  metrics.sample({ now, startedAt: now - 1000, loopLagP99Ms: 1.5, outbox: { depth: 0, bytes: 0, overdue: 0 }, outboxFull: false });
  // The sensor's drift may round to no change: the template always carries both values.
  for (const name of ['Sensors/Temperature C', 'Sensors/Humidity %']) {
    const metric = metrics.model.device('sensors')!.get(name)!;
    metrics.model.setDeviceMetric('sensors', name, (metric.value as number) + 0.1, now);
  }
  const booth: RawBooth = {
    sparkplug: mqtt.connect(config.booths[index]!.brokers[0]!, { clientId: `${config.group}.${boothId}`, protocolVersion: 4, clean: true, keepalive: 30, reconnectPeriod: 1000 }),
    captures: mqtt.connect(config.booths[index]!.brokers[0]!, { clientId: `${boothId}.captures`, protocolVersion: 5, clean: true, reconnectPeriod: 1000 }),
    ndata: metrics.model.node.takeChangesEncoded(now, 200, false)!,
    ddata: metrics.model.device('sensors')!.takeChangesEncoded(now, 200, false)!,
    seq: births.length - 1,
  };
  const ndataTopic = edgeTopic(config.group, 'NDATA', boothId);
  const ddataTopic = edgeTopic(config.group, 'DDATA', boothId, 'sensors');
  booth.captures.on('connect', () => void booth.captures.subscribeAsync([ackTopic(boothId), resumeTopic(boothId)], { qos: 1 }).catch(() => undefined));
  booth.sparkplug.once('connect', () => {
    for (const birth of births) booth.sparkplug.publish(birth.topic, birth.payload, { qos: 0 });
    let nextAt = Date.now() + random() * config.telemetryMs;
    const tick = () => {
      const at = Date.now();
      late.push(at - nextAt);
      booth.sparkplug.publish(ndataTopic, patched(booth.ndata, at, (booth.seq = (booth.seq + 1) % 256)), { qos: 0 });
      booth.sparkplug.publish(ddataTopic, patched(booth.ddata, at, (booth.seq = (booth.seq + 1) % 256)), { qos: 0 });
      do nextAt += config.telemetryMs;
      while (nextAt <= at);
      booth.timer = setTimeout(tick, nextAt - at);
    };
    booth.timer = setTimeout(tick, nextAt - Date.now());
  });
  return booth;
}

/**
 * A copy of a DATA template with a new payload timestamp (field 1, first: six varint bytes
 * until 2112) and seq (field 3, last: written as a two-byte varint, which protobuf accepts).
 */
function patched(template: Buffer, timestamp: number, seq: number): Buffer {
  const bytes = Buffer.from(template);
  let value = timestamp;
  for (let index = 1; index <= 6; index += 1) {
    bytes[index] = (value % 128) | (index < 6 ? 0x80 : 0);
    value = Math.floor(value / 128);
  }
  bytes[bytes.length - 2] = 0x80 | (seq & 0x7f);
  bytes[bytes.length - 1] = seq >> 7;
  return bytes;
}

process.on('message', (message: ToBoothHost) => {
  if (message.type === 'start') start(message.config);
  else if (message.type === 'stop') {
    clearInterval(statsTimer);
    for (const booth of booths) clearTimeout(booth.timer);
    void Promise.all(booths.flatMap((booth) => [booth.sparkplug.endAsync(true), booth.captures.endAsync(true)])).finally(() => {
      toParent({ type: 'stopped' });
      process.disconnect();
    });
  }
});
process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
toParent({ type: 'ready' });
