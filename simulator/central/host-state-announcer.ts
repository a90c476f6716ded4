/**
 * The primary host's STATE on one more MQTT server. A Sparkplug host application that uses
 * several servers announces itself on each (an edge node waits for the STATE of the server it
 * is connected to); a broker cluster that keeps retained messages per node, as RabbitMQ 3.10
 * does, is several servers in that sense. The retained online STATE goes out on every connect,
 * an offline STATE is the Will, and `stop` retracts it as the host itself does.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { encodeHostState } from '../../protocols/sparkplug/host-state.ts';
import { stateTopic } from '../../protocols/sparkplug/topics.ts';

export class HostStateAnnouncer {
  readonly #hostId: string;
  readonly #brokerUrl: string;
  readonly #clientId: string;
  #client: MqttClient | undefined;

  /** `clientId` must differ from the host's own connection (a broker drops one of two alike). */
  constructor(options: { hostId: string; brokerUrl: string; clientId: string }) {
    this.#hostId = options.hostId;
    this.#brokerUrl = options.brokerUrl;
    this.#clientId = options.clientId;
  }

  /** Resolves once the first online STATE is on the server. */
  async start(): Promise<void> {
    const topic = stateTopic(this.#hostId);
    const client = mqtt.connect(this.#brokerUrl, {
      protocolVersion: 4,
      clean: true,
      clientId: this.#clientId,
      reconnectPeriod: 500,
      will: { topic, payload: encodeHostState(false, Date.now()), qos: 1, retain: true },
    });
    this.#client = client;
    // A server that goes away is announced on again when it is back; its loss is not ours to report.
    client.on('error', () => undefined);
    const announce = () => client.publishAsync(topic, encodeHostState(true, Date.now()), { qos: 1, retain: true });
    await new Promise<void>((resolve, reject) => {
      // Settling again on a later connect is a no-op: only the first announcement is awaited.
      client.on('connect', () => void announce().then(() => resolve(), reject));
    });
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (client.connected) await client.publishAsync(stateTopic(this.#hostId), encodeHostState(false, Date.now()), { qos: 1, retain: true }).catch(() => undefined);
    await client.endAsync(true);
  }
}
