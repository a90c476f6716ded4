/**
 * A Sparkplug host application's connection to one MQTT server, as far as its STATE goes: the
 * offline STATE is the Will, the retained online STATE goes out on every connect (after
 * `beforeOnline`, e.g. the host's subscriptions, so nothing born meanwhile is missed), and `stop`
 * retracts it as a host going down does. PrimaryHost talks through one of these; a host that
 * uses several servers announces itself on each of the others with one more (an edge node waits
 * for the STATE of the server it is connected to; a broker cluster that keeps retained messages
 * per node, as RabbitMQ 3.10 does, is several servers in that sense).
 *
 * Every STATE of one connection carries that connection's timestamp, the Will's included (as
 * Sparkplug 3.0 asks): an edge node drops a STATE older than the last one it saw, so an online
 * STATE stamped after the Will would make it ignore the Will when the host dies.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { encodeHostState } from '../../protocols/sparkplug/host-state.ts';
import { stateTopic } from '../../protocols/sparkplug/topics.ts';

export interface HostStateAnnouncerOptions {
  hostId: string;
  brokerUrl: string;
  /** Must differ from any other connection of the host (a broker drops one of two alike). */
  clientId: string;
  /** Runs on every connect before the online STATE goes out. */
  beforeOnline?: (client: MqttClient) => Promise<unknown>;
}

export class HostStateAnnouncer {
  readonly #options: HostStateAnnouncerOptions;
  #client: MqttClient | undefined;
  /** The timestamp of the current connection's STATEs, chosen before each connect. */
  #stamp = 0;

  constructor(options: HostStateAnnouncerOptions) {
    this.#options = options;
  }

  /** The connection, for a host that also subscribes and publishes on it; undefined once stopped. */
  get client(): MqttClient | undefined {
    return this.#client;
  }

  /** Resolves once the first online STATE is on the server. */
  async start(): Promise<void> {
    const { hostId, brokerUrl, clientId, beforeOnline } = this.#options;
    const topic = stateTopic(hostId);
    const will = () => ({ topic, payload: encodeHostState(false, this.#stamp), qos: 1 as const, retain: true });
    this.#stamp = Date.now();
    const client = mqtt.connect(brokerUrl, { protocolVersion: 4, clean: true, clientId, reconnectPeriod: 500, will: will() });
    this.#client = client;
    // mqtt.js builds each CONNECT from its options after emitting 'reconnect': a new stamp, a new Will.
    client.on('reconnect', () => {
      this.#stamp = Date.now();
      client.options.will = will();
    });
    // A server that goes away is announced on again when it is back; its loss is not ours to report.
    client.on('error', () => undefined);
    const announce = async () => {
      await beforeOnline?.(client);
      await this.setOnline(true);
    };
    await new Promise<void>((resolve, reject) => {
      // Settling again on a later connect is a no-op: only the first announcement is awaited.
      client.on('connect', () => void announce().then(() => resolve(), reject));
    });
  }

  /** Announces the host offline (false) or online again, as a host going down for maintenance would. */
  async setOnline(online: boolean): Promise<void> {
    await this.#client?.publishAsync(stateTopic(this.#options.hostId), encodeHostState(online, this.#stamp), { qos: 1, retain: true });
  }

  /**
   * Announces the host offline, then disconnects. `announceOffline: false` leaves without the
   * offline STATE (a clean DISCONNECT drops the Will too): for a demo that stops its booth right
   * after, where the announcement would only send the booth's edge node through a disconnect and
   * a reconnect on its way out.
   */
  async stop(options: { announceOffline?: boolean } = {}): Promise<void> {
    const client = this.#client;
    if (!client) return;
    if (!client.connected) {
      this.#client = undefined;
      client.end(true); // the server is gone; nothing to say goodbye to
      return;
    }
    if (options.announceOffline ?? true) await this.setOnline(false).catch(() => undefined);
    this.#client = undefined;
    await client.endAsync();
  }
}
