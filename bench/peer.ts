/**
 * The far end of the upload benchmarks, in a process of its own as central is in life (so its
 * work and its garbage never count against the uploading process's event loop):
 *   node bench/peer.ts ack <url>                  acknowledges each capture package on its last chunk, nothing else
 *   node bench/peer.ts count <url> <topic> <n>    says "done" once n messages arrived on topic (the raw baseline)
 * Prints "ready" once subscribed.
 */
import mqtt from 'mqtt';
import { ackTopic, CHUNK_TOPIC_FILTER, encodeAck, parseCaptureTopic, peekChunkPosition } from '../protocols/capture/transfer-codec.ts';

const [mode, url, topic, count] = process.argv.slice(2);
if (!url || (mode !== 'ack' && mode !== 'count') || (mode === 'count' && !(Number(count) > 0 && topic))) {
  process.stderr.write('usage: peer.ts ack <url> | peer.ts count <url> <topic> <n>\n');
  process.exit(64);
}
const client = await mqtt.connectAsync(url, { protocolVersion: 5 });
if (mode === 'ack') {
  client.on('message', (messageTopic, payload) => {
    const parsed = parseCaptureTopic(messageTopic);
    if (!parsed.ok || parsed.value.kind !== 'chunk') return;
    const chunk = peekChunkPosition(payload); // no hashing: this stand-in does what the baseline's subscriber does
    if (chunk.index === chunk.count - 1) {
      client.publish(ackTopic(parsed.value.boothId), Buffer.from(encodeAck({ packageId: chunk.packageId, status: 'accepted' })), { qos: 1 });
    }
  });
  await client.subscribeAsync(CHUNK_TOPIC_FILTER, { qos: 1 });
} else {
  let received = 0;
  client.on('message', () => {
    if (++received === Number(count)) process.stdout.write('done\n');
  });
  await client.subscribeAsync(topic!, { qos: 1 });
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => void client.endAsync(true).then(() => process.exit(0)));
