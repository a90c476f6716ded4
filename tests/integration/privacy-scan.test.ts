/**
 * Privacy: during a full simulated session — a person's passport read, fingerprints, face and
 * signature captured, sealed, uploaded and stored by the (simulated) central side — nothing
 * biometric and nothing personal may appear in boothd's logs, the audit log, the support bundle,
 * boothctl's output, or anything the broker sees. The needles are the real decrypted captures
 * stored at the central side and the passport's name, document number and MRZ lines.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { generateBoothKeyPair, generateCentralKeyPair, writeKeyPair } from '../../protocols/capture/keys.ts';
import { readTarGz } from '../../runtime/boothctl/tar-archive.ts';
import { ALL_SIM_DEVICES_YAML } from '../support/booth-fixture.ts';
import { BoothdSandbox, type BoothdRun } from '../support/boothd-process.ts';
import { boothctl } from '../support/boothctl-process.ts';

const SURNAME = 'KARIMOVA';
const GIVEN = 'DILNOZA';
const DOCUMENT_NUMBER = 'FA7394215';
const MRZ = [`P<UZB${SURNAME}<<${GIVEN}<<<<<<<<<<<<<<<<<<<<<<<<`.slice(0, 44), `${DOCUMENT_NUMBER}0UZB9104129F3107180<<<<<<<<<<<<<<02`.slice(0, 44)];

/** Where each text or byte stream came from, so a hit says where the leak is. */
const haystacks = new Map<string, Buffer>();
let sandbox: BoothdSandbox;
let run: BoothdRun;
let wiretap: mqtt.MqttClient | undefined;

before(async () => {
  sandbox = new BoothdSandbox(
    (stateDir) => `
booth: { id: privacy-01, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: 0 }, primaryHost: central-sim }
captures: { boothKeyFile: keys/booth.key, centralPublicKeyFile: keys/central.pub }
devices:${ALL_SIM_DEVICES_YAML}`,
  );
  writeKeyPair(join(sandbox.dir, 'keys'), 'booth', generateBoothKeyPair());
  writeKeyPair(join(sandbox.dir, 'keys'), 'central', generateCentralKeyPair());
  run = sandbox.start(['--config', sandbox.configFile, '--demo']);
  const running = await run.waitForLine((line) => line.msg?.startsWith('boothd running') === true, 'boothd running');

  // Everything the broker carries, from the first birth on.
  const traffic: Buffer[] = [];
  wiretap = mqtt.connect(String(running.broker), { protocolVersion: 4, reconnectPeriod: 0, clientId: 'privacy-wiretap' });
  await new Promise<void>((resolve, reject) => {
    wiretap!.once('connect', () => wiretap!.subscribe('#', { qos: 1 }, (error) => (error ? reject(error) : resolve())));
    wiretap!.once('error', reject);
  });
  wiretap.on('message', (topic, payload) => traffic.push(Buffer.from(`${topic}\n`), Buffer.from(payload)));

  // The person lays their passport on the reader; a technician checks the reader works.
  assert.equal((await run.control('sim.present-mrz', { lines: MRZ })).ok, true);
  const read = await boothctl(['device', 'passport', 'read', '--config', sandbox.configFile]);
  assert.equal(read.code, 0, read.stderr);
  haystacks.set('boothctl device passport read', Buffer.from(read.stdout + read.stderr));

  await run.waitForLine((line) => /^capture package \S+ stored/.test(line.msg ?? ''), 'a session stored by the central side', 90_000);

  for (const args of [['status', '--json'], ['logs', '--json', '--lines', '2000'], ['outbox', 'ls', '--json'], ['tail', '--count', '20', '--json']]) {
    const result = await boothctl([...args, '--config', sandbox.configFile], { limitMs: 30_000 });
    haystacks.set(`boothctl ${args.join(' ')}`, Buffer.from(result.stdout + result.stderr));
  }
  const bundle = join(sandbox.dir, 'bundle.tar.gz');
  assert.equal((await boothctl(['bundle', '--config', sandbox.configFile, '--out', bundle])).code, 0);
  for (const entry of readTarGz(readFileSync(bundle))) haystacks.set(`support bundle ${entry.name}`, entry.data);

  run.child.kill('SIGTERM');
  await run.exited;
  await wiretap.endAsync(true);
  wiretap = undefined;
  haystacks.set('broker traffic (every topic and payload)', Buffer.concat(traffic));
  haystacks.set('boothd log (stdout)', Buffer.from(run.lines.map((line) => JSON.stringify(line)).join('\n')));
  haystacks.set('boothd stderr', Buffer.from(run.stderr()));
  haystacks.set('audit log', readFileSync(join(sandbox.stateDir, 'audit.log')));
});

after(async () => {
  await wiretap?.endAsync(true);
  await sandbox.cleanup();
});

function firstHit(needle: Buffer): string | undefined {
  for (const [where, hay] of haystacks) if (hay.indexOf(needle) >= 0) return where;
  return undefined;
}

describe('privacy over a full simulated session', () => {
  it('scanned every place it should (the scan itself is not empty)', () => {
    for (const where of ['broker traffic (every topic and payload)', 'boothd log (stdout)', 'audit log', 'support bundle bundle/logs.jsonl']) {
      assert.ok((haystacks.get(where)?.length ?? 0) > 200, `${where} has content to scan`);
    }
    assert.ok(haystacks.get('broker traffic (every topic and payload)')!.includes('spBv1.0/tests/NBIRTH/privacy-01'), 'the wiretap saw the session');
    assert.match(haystacks.get('boothctl device passport read')!.toString(), /read a mrz of \d+ characters/, 'the passport was really read');
  });

  it('finds no name, document number or MRZ line anywhere', () => {
    for (const needle of [SURNAME, GIVEN, DOCUMENT_NUMBER, ...MRZ]) {
      const where = firstHit(Buffer.from(needle));
      assert.equal(where, undefined, `"${needle}" leaked into ${where}`);
    }
  });

  it('finds none of the biometric bytes the central side stored', () => {
    const received = readdirSync(join(sandbox.stateDir, 'central-received'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.(png|jpe?g)$/i.test(entry.name))
      .map((entry) => join(entry.parentPath, entry.name));
    assert.ok(received.length >= 3, `slaps, face and signature were stored: ${received.join(', ')}`);
    for (const file of received) {
      const bytes = readFileSync(file);
      for (const at of [64, Math.floor(bytes.length / 2), Math.max(0, bytes.length - 96)]) {
        const where = firstHit(bytes.subarray(at, at + 48));
        assert.equal(where, undefined, `bytes ${at}..${at + 48} of ${file} leaked into ${where}`);
      }
    }
  });
});
