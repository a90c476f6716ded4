/**
 * Private keys named by the manifest must be readable by their owner only. A key that group or
 * others can read may already have leaked; boothd refuses to start with it (exit 2, before any
 * hardware is touched) and `boothctl config validate` says the same, with the fix.
 */
import { statSync } from 'node:fs';
import type { BoothConfig } from './schema.ts';

/** Problems in the manifest's own words (`captures.boothKeyFile: …`); missing files are left to the code that opens them. */
export function secretFileProblems(config: Pick<BoothConfig, 'captures' | 'mqtt'>): string[] {
  const secrets: Array<[string, string | undefined]> = [
    ['captures.boothKeyFile', config.captures?.boothKeyFile],
    ['mqtt.tls.keyFile', config.mqtt.tls?.keyFile],
  ];
  const problems: string[] = [];
  for (const [key, file] of secrets) {
    if (file === undefined) continue;
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) !== 0) {
      problems.push(`${key}: ${file} is readable by ${mode & 0o007 ? 'everyone' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); a private key must be owner-only: chmod 600 ${file}`);
    }
  }
  return problems;
}
