/**
 * A separate subscriber process for throughput benchmarks, so counting does not steal CPU from
 * the publisher being measured. Usage: count-messages.ts <url> <topic> <count>. Prints "ready"
 * once subscribed, then one JSON line {received, firstAt, lastAt} when `count` messages arrived
 * (or after 60 s of silence, with what it got).
 */
import mqtt from 'mqtt';

const [url, topic, countText] = process.argv.slice(2);
const expected = Number(countText);
if (!url || !topic || !Number.isInteger(expected) || expected < 1) {
  process.stderr.write('usage: count-messages.ts <url> <topic> <count>\n');
  process.exit(64);
}
const client = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0 });
let received = 0;
let firstAt = 0;
let lastAt = 0;
let silence = setTimeout(finish, 60_000);
client.on('message', () => {
  const now = performance.timeOrigin + performance.now();
  if (received === 0) firstAt = now;
  lastAt = now;
  received += 1;
  if (received === expected) finish();
  else if (received % 1000 === 0) {
    clearTimeout(silence);
    silence = setTimeout(finish, 60_000);
  }
});
await client.subscribeAsync(topic, { qos: 0 });
process.stdout.write('ready\n');

function finish(): void {
  clearTimeout(silence);
  process.stdout.write(`${JSON.stringify({ received, firstAt, lastAt })}\n`);
  client.end(true, {}, () => process.exit(0));
}
