/**
 * The manifest's `mqtt.tls` files as MQTT.js connection options, for every connection a booth
 * makes to its broker: Sparkplug, capture uploads, and boothctl's tail and doctor probe.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { BoothConfig } from './schema.ts';

export function mqttTlsOptions(tls: BoothConfig['mqtt']['tls']): Partial<IClientOptions> {
  if (!tls) return {};
  const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
  const ca = read(tls.caFile);
  const cert = read(tls.certFile);
  const key = read(tls.keyFile);
  return { rejectUnauthorized: tls.rejectUnauthorized, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
