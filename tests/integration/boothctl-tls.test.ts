/**
 * A booth on a TLS broker link with its own client certificate (mosquitto requiring one, made
 * with the system openssl): `status` shows the certificate's expiry, `doctor` reaches the broker
 * over TLS and warns when the certificate is close to expiring, and fails when the broker is
 * reachable only without the right client certificate.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BoothdSandbox } from '../support/boothd-process.ts';
import { boothctl, parseJson } from '../support/boothctl-process.ts';
import { freePort, startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/wait.ts';

let pki: string;
let broker: Mosquitto;
let tlsPort: number;
let sandbox: BoothdSandbox;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: pki, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/** A CA, a server certificate for 127.0.0.1, and a booth client certificate valid `days`. */
function makePki(days: number): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '365', '-subj', '/CN=booth-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  writeFileSync(join(pki, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, subject, extra, validDays] of [
    ['server', '/CN=127.0.0.1', ['-extfile', 'server.ext'], 365],
    ['booth', '/CN=tls-01', [], days],
  ] as const) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', String(validDays), '-out', `${name}.crt`, ...extra);
  }
  // A certificate the broker's CA never signed.
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '365', '-subj', '/CN=intruder', '-keyout', 'stranger.key', '-out', 'stranger.crt');
  // mosquitto drops root privileges: its files must be readable by its own user.
  chmodSync(pki, 0o755);
  for (const file of ['ca.crt', 'server.crt', 'server.key']) chmodSync(join(pki, file), 0o644);
}

const manifest = (stateDir: string, cert: string) => `
booth: { id: tls-01, group: tests }
stateDir: ${stateDir}
mqtt:
  url: mqtts://127.0.0.1:${tlsPort}
  tls: { caFile: ${join(pki, 'ca.crt')}, certFile: ${join(pki, `${cert}.crt`)}, keyFile: ${join(pki, `${cert}.key`)} }
devices:
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 10 } }
  - { id: sensors, compatible: "sim,sensors" }
`;

before(async () => {
  pki = mkdtempSync(join(tmpdir(), 'boothctl-pki-'));
  makePki(20);
  tlsPort = await freePort();
  broker = await startMosquitto({
    extraConfig: [
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${join(pki, 'ca.crt')}`,
      `certfile ${join(pki, 'server.crt')}`,
      `keyfile ${join(pki, 'server.key')}`,
      'require_certificate true',
    ],
  });
  sandbox = new BoothdSandbox((stateDir) => manifest(stateDir, 'booth'));
  const run = await sandbox.startRunning();
  await waitFor(
    async () => ((await run.control('status')).result as { sparkplug: { state: string } } | undefined)?.sparkplug.state === 'online',
    `boothd online over TLS; its log: ${run.lines.slice(-5).map((line) => line.msg).join(' | ')}`,
    20_000,
    50,
  );
});

after(async () => {
  await sandbox?.cleanup();
  await broker?.stop();
  rmSync(pki, { recursive: true, force: true });
});

describe('boothctl on a TLS broker link', () => {
  it('status shows the client certificate and how long it has left', async () => {
    const status = parseJson<{ sparkplug: { state: string; broker: string }; host: { certificate: { subject: string; daysLeft: number; expired: boolean } } }>(
      await boothctl(['status', '--json', '--config', sandbox.configFile]),
    );
    assert.equal(status.sparkplug.state, 'online');
    assert.equal(status.sparkplug.broker, `mqtts://127.0.0.1:${tlsPort}`);
    assert.match(status.host.certificate.subject, /CN=tls-01/);
    assert.ok(status.host.certificate.daysLeft === 19 || status.host.certificate.daysLeft === 20, String(status.host.certificate.daysLeft));
    assert.equal(status.host.certificate.expired, false);
    const human = await boothctl(['status', '--config', sandbox.configFile]);
    assert.match(human.stdout, /certificate\s+CN=tls-01, valid to .* \((19|20) days left\)/);
  });

  it('doctor reaches the broker over TLS and warns that the certificate expires soon', async () => {
    const result = await boothctl(['doctor', '--json', '--no-captures', '--config', sandbox.configFile]);
    const report = parseJson<{ checks: Array<{ name: string; verdict: string; detail: string; fix?: string }> }>(result);
    const check = (name: string) => report.checks.find((candidate) => candidate.name === name);
    assert.equal(check('broker')?.verdict, 'pass', check('broker')?.detail);
    assert.match(check('broker')!.detail, new RegExp(`mqtts://127\\.0\\.0\\.1:${tlsPort} reachable, CONNACK in \\d+ ms over TLS`));
    assert.equal(check('certificate')?.verdict, 'warn');
    assert.match(check('certificate')!.detail, /CN=tls-01 expires in (19|20) days/);
    assert.equal(result.code, 0, 'warnings do not fail the doctor');
  });

  it('doctor fails the broker check when this booth\'s certificate is not one the broker trusts', async () => {
    const stranger = join(sandbox.dir, 'stranger.yaml');
    writeFileSync(stranger, manifest(sandbox.stateDir, 'stranger'));
    // Named explicitly: the doctor checks with this manifest's TLS material, through the running boothd.
    const result = await boothctl(['doctor', '--json', '--no-captures', '--config', stranger]);
    const report = parseJson<{ checks: Array<{ name: string; verdict: string; detail: string }> }>(result);
    const brokerCheck = report.checks.find((candidate) => candidate.name === 'broker');
    assert.equal(result.code, 1);
    assert.equal(brokerCheck?.verdict, 'fail', brokerCheck?.detail);
    assert.match(brokerCheck!.detail, new RegExp(`mqtts://127\\.0\\.0\\.1:${tlsPort} unreachable`));
  });
});
