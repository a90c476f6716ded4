/**
 * A throwaway PKI for mutual-TLS tests, made with the system openssl in a temporary folder: a
 * booth CA, a broker certificate for 127.0.0.1, client certificates whose CN is the identity,
 * and a second, unrelated CA for certificates the broker must refuse. EC P-256, valid 2 days.
 *
 * mosquitto drops root privileges, so the folder, the CA certificate and the broker's own
 * certificate and key are world-readable; client keys stay 0600 (boothd refuses readable keys).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClientCertificate {
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  readonly dir: string;
  /** The booth CA every accepted client certificate comes from. */
  readonly caFile: string;
  /** The broker's certificate (subjectAltName IP:127.0.0.1) and key, signed by the booth CA. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** Issues a client certificate with this CN (an openssl -subj value is escaped for it). */
  issue(name: string, commonName: string, issuer?: 'booth-ca' | 'other-ca'): ClientCertificate;
  /** TLS options for an mqtt.js client presenting `client` (or no certificate at all). */
  clientTls(client: ClientCertificate | undefined): { ca: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: true };
  remove(): void;
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'mtls-pki-'));
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  };
  for (const ca of ['booth-ca', 'other-ca']) {
    openssl('req', '-x509', ...P256, '-days', '2', '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.crt`);
  }
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  const sign = (name: string, commonName: string, issuer: string, ext: string): void => {
    const subject = `/CN=${commonName.replace(/[\\/+=]/g, (c) => `\\${c}`)}`;
    openssl('req', ...P256, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', `${name}.crt`);
    chmodSync(join(dir, `${name}.key`), 0o600);
  };
  sign('server', '127.0.0.1', 'booth-ca', 'server.ext');
  chmodSync(dir, 0o755);
  for (const file of ['booth-ca.crt', 'server.crt', 'server.key']) chmodSync(join(dir, file), 0o644);

  const caFile = join(dir, 'booth-ca.crt');
  return {
    dir,
    caFile,
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    issue(name, commonName, issuer = 'booth-ca') {
      sign(name, commonName, issuer, 'client.ext');
      return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    },
    clientTls(client) {
      return {
        ca: readFileSync(caFile),
        ...(client ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } : {}),
        rejectUnauthorized: true,
      };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
