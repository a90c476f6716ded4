/** The doctor's broker check with a failover list (mqtt.urls): every broker of it is checked. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoothAccess } from '../../runtime/boothctl/doctor/booth-access.ts';
import type { BrokerProbe } from '../../runtime/boothctl/doctor/broker-probe.ts';
import { planChecks } from '../../runtime/boothctl/doctor/checks.ts';

const A = 'mqtt://127.0.0.1:1883';
const B = 'mqtt://127.0.0.1:1884';
const C = 'mqtt://127.0.0.1:1885';

async function brokerFindings(urls: string[], up: Set<string>) {
  const probed: string[] = [];
  const access = {
    mode: 'direct',
    devices: async () => [],
    action: async () => ({ summary: '' }),
    brokerUrls: () => urls,
    primaryHostOnline: () => undefined,
    sessionState: () => undefined,
    close: async () => undefined,
  } as unknown as BoothAccess;
  const checks = await planChecks({
    configFile: 'booth.yaml',
    access,
    captures: false,
    probeBroker: async (url: string): Promise<BrokerProbe> => {
      probed.push(url);
      return up.has(url) ? { ok: true, tls: false, connectMs: 3, primaryHostOnline: url === B } : { ok: false, tls: false, error: 'ECONNREFUSED' };
    },
    readClock: () => ({ synchronized: true }) as never,
    now: () => 0,
  });
  const run = (name: string) => checks.find((check) => check.name === name)!.run();
  return { broker: await run('broker'), probed };
}

describe('doctor broker check with a failover list', () => {
  it('passes on the first broker that answers when all answer', async () => {
    const { broker, probed } = await brokerFindings([A, B], new Set([A, B]));
    assert.equal(broker.verdict, 'pass', broker.detail);
    assert.match(broker.detail, /^mqtt:\/\/127\.0\.0\.1:1883 reachable/);
    assert.deepEqual(probed, [A, B], 'each broker probed once');
  });

  it('warns naming every broker of the list that is down, and passes the one that answers', async () => {
    const { broker } = await brokerFindings([A, B, C], new Set([B]));
    assert.equal(broker.verdict, 'warn');
    assert.match(broker.detail, /^mqtt:\/\/127\.0\.0\.1:1884 reachable, CONNACK in 3 ms \(local broker, no TLS needed\); /);
    assert.match(broker.detail, /1883 unreachable: ECONNREFUSED; mqtt:\/\/127\.0\.0\.1:1885 unreachable: ECONNREFUSED$/);
    assert.match(broker.fix ?? '', /failover list \(mqtt\.urls\)/);
  });

  it('fails naming all of them when none answers', async () => {
    const { broker } = await brokerFindings([A, B, C], new Set());
    assert.equal(broker.verdict, 'fail');
    for (const url of [A, B, C]) assert.ok(broker.detail.includes(`${url} unreachable`), broker.detail);
  });

  it('skips with no broker to check', async () => {
    const { broker } = await brokerFindings([], new Set());
    assert.equal(broker.verdict, 'skip');
  });
});
