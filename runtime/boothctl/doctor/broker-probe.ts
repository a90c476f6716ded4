/**
 * The doctor's own look at the broker: can this booth reach it (with TLS when configured), how
 * long the CONNACK takes, and — when asked — what the primary host's retained Sparkplug STATE
 * says. Publishes nothing; every wait is bounded.
 */
import mqtt from 'mqtt';
import type { BoothConfig } from '../../config/schema.ts';
import { mqttTlsOptions } from '../../config/mqtt-tls.ts';
import { parseHostState } from '../../../protocols/sparkplug/host-state.ts';
import { stateTopic } from '../../../protocols/sparkplug/topics.ts';

export interface BrokerProbe {
  ok: boolean;
  tls: boolean;
  connectMs?: number;
  error?: string;
  /** The primary host's STATE, when one was asked for: undefined = no STATE within the wait. */
  primaryHostOnline?: boolean;
}

export async function probeBroker(url: string, mqttConfig: BoothConfig['mqtt'], primaryHost: string | undefined, timeoutMs = 5000): Promise<BrokerProbe> {
  const started = performance.now();
  const client = mqtt.connect(url, {
    clientId: `boothctl-doctor-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    ...mqttTlsOptions(mqttConfig.tls),
  });
  const isTls = url.startsWith('mqtts:');
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no CONNACK within ${timeoutMs} ms`)), timeoutMs);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      client.once('close', () => {
        clearTimeout(timer);
        reject(new Error('connection closed before CONNACK (broker down or refused)'));
      });
    });
  } catch (error) {
    await client.endAsync(true).catch(() => undefined);
    return { ok: false, tls: isTls, error: (error as Error).message };
  }
  const connectMs = performance.now() - started;
  let primaryHostOnline: boolean | undefined;
  if (primaryHost) primaryHostOnline = await retainedHostState(client, primaryHost, Math.min(timeoutMs, 3000));
  await client.endAsync(true).catch(() => undefined);
  return { ok: true, tls: isTls, connectMs, ...(primaryHostOnline === undefined ? {} : { primaryHostOnline }) };
}

/** Sparkplug 3.0 STATE is retained: a subscriber gets the host's last word at once. */
function retainedHostState(client: mqtt.MqttClient, host: string, waitMs: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    client.on('message', (_topic, payload) => {
      const state = parseHostState(payload);
      if (!state.ok) return;
      clearTimeout(timer);
      resolve(state.online);
    });
    client.subscribe(stateTopic(host), { qos: 1 }, (error) => {
      if (error) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  });
}
