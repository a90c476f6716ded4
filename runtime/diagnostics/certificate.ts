/**
 * When a PEM certificate (e.g. the broker client certificate) expires, for the technician.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface CertificateExpiry {
  subject: string;
  issuer: string;
  /** notAfter, as an ISO 8601 string. */
  validTo: string;
  /** Whole days from `now` to notAfter, rounded down: 0 on the last day, negative once expired. */
  daysLeft: number;
  expired: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const PEM_CERTIFICATE_HEADER = '-----BEGIN CERTIFICATE-----';

/**
 * Reads the first certificate of a PEM file and says how long it has left.
 * @param now epoch milliseconds (inject the clock).
 * @throws Error naming the file when it is missing, unreadable or not a PEM certificate.
 */
export function certificateExpiry(pemFile: string, now: number): CertificateExpiry {
  const certificate = parsePemCertificate(pemFile, readCertificateFile(pemFile));
  const notAfter = certificate.validToDate.getTime();
  return {
    subject: certificate.subject,
    issuer: certificate.issuer,
    validTo: certificate.validToDate.toISOString(),
    daysLeft: Math.floor((notAfter - now) / DAY_MS),
    expired: now > notAfter,
  };
}

function readCertificateFile(pemFile: string): Buffer {
  try {
    return readFileSync(pemFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new Error(`certificate file ${pemFile} ${reason}`, { cause: error });
  }
}

function parsePemCertificate(pemFile: string, content: Buffer): X509Certificate {
  if (!content.includes(PEM_CERTIFICATE_HEADER)) {
    throw new Error(`certificate file ${pemFile} is not a PEM certificate (no "${PEM_CERTIFICATE_HEADER}" line)`);
  }
  try {
    return new X509Certificate(content);
  } catch (error) {
    throw new Error(`certificate file ${pemFile} is not a valid PEM certificate: ${(error as Error).message}`, { cause: error });
  }
}
