/**
 * Several MQTT brokers in memory, as far as the edge node and the capture uploader use one:
 * each `connect(url, options)` makes a client that connects (or is refused while its broker is
 * down) on the next turn of the event loop, records what it publishes, hands out the broker's
 * retained messages after a SUBSCRIBE, and loses its connection when the test kills the broker.
 * Nothing here knows time: the code under test keeps its timers on a FakeClock.
 */
import { EventEmitter } from 'node:events';
import type { IClientOptions, MqttClient } from 'mqtt';

export interface Published {
  topic: string;
  payload: Buffer;
  qos: number;
}

export class FakeClient extends EventEmitter {
  readonly url: string;
  readonly options: IClientOptions;
  readonly published: Published[] = [];
  readonly subscriptions: string[] = [];
  connected = false;
  ended = false;
  readonly #brokers: FakeBrokers;

  constructor(brokers: FakeBrokers, url: string, options: IClientOptions) {
    super();
    this.#brokers = brokers;
    this.url = url;
    this.options = options;
  }

  /** One connection attempt: CONNACK, or refused (error + close) while the broker is down. */
  attempt(): void {
    if (this.ended) return;
    if (this.#brokers.isDown(this.url)) {
      this.emit('error', new Error(`connect ECONNREFUSED ${this.url}`));
      this.emit('close');
      return;
    }
    this.connected = true;
    this.emit('connect');
  }

  /** mqtt.js' reconnect(): the same client tries its broker again. */
  reconnect(): void {
    setImmediate(() => this.attempt());
  }

  async subscribeAsync(topics: string | string[]): Promise<Array<{ topic: string; qos: number }>> {
    if (!this.connected) throw new Error('not connected');
    const list = typeof topics === 'string' ? [topics] : topics;
    this.subscriptions.push(...list);
    // Retained messages follow the SUBACK, as a real broker sends them.
    setImmediate(() => {
      for (const topic of list) {
        const retained = this.#brokers.retainedOn(this.url, topic);
        if (retained && this.connected) this.emit('message', topic, retained, { retain: true });
      }
    });
    return list.map((topic) => ({ topic, qos: 1 }));
  }

  publish(topic: string, payload: Buffer, options: { qos?: number } = {}): this {
    if (this.connected) this.published.push({ topic, payload, qos: options.qos ?? 0 });
    return this;
  }

  async publishAsync(topic: string, payload: Buffer, options: { qos?: number } = {}): Promise<void> {
    if (!this.connected) throw new Error('not connected');
    this.published.push({ topic, payload, qos: options.qos ?? 0 });
  }

  async endAsync(): Promise<void> {
    this.end();
  }

  end(): this {
    if (this.ended) return this;
    this.ended = true;
    this.drop();
    return this;
  }

  /** The connection is gone without a DISCONNECT (the broker died, the network broke). */
  drop(): void {
    const was = this.connected;
    this.connected = false;
    if (was || this.ended) this.emit('close');
  }

  /** A message from the broker to this client. */
  deliver(topic: string, payload: Buffer): void {
    if (this.connected) this.emit('message', topic, payload, { retain: false });
  }
}

export class FakeBrokers {
  readonly clients: FakeClient[] = [];
  readonly #down = new Set<string>();
  readonly #retained = new Map<string, Map<string, Buffer>>();

  /** The `connect` option of EdgeNode and CaptureUploader. */
  readonly connect = (url: string, options: IClientOptions): MqttClient => {
    const client = new FakeClient(this, url, options);
    this.clients.push(client);
    setImmediate(() => client.attempt());
    return client as unknown as MqttClient;
  };

  isDown(url: string): boolean {
    return this.#down.has(url);
  }

  /** Kills a broker: its clients lose their connection, new ones are refused until `revive`. */
  kill(url: string): void {
    this.#down.add(url);
    for (const client of this.clients) if (client.url === url && client.connected) client.drop();
  }

  revive(url: string): void {
    this.#down.delete(url);
  }

  retain(url: string, topic: string, payload: Buffer): void {
    const store = this.#retained.get(url) ?? new Map<string, Buffer>();
    store.set(topic, payload);
    this.#retained.set(url, store);
  }

  retainedOn(url: string, topic: string): Buffer | undefined {
    return this.#retained.get(url)?.get(topic);
  }

  /** The clients made for `url`, oldest first. */
  clientsOf(url: string): FakeClient[] {
    return this.clients.filter((client) => client.url === url);
  }

  /** The client connected now, if any. */
  get live(): FakeClient | undefined {
    return this.clients.find((client) => client.connected);
  }

  /** Everything published to `url`, by every client, in order. */
  publishedTo(url: string): Published[] {
    return this.clientsOf(url).flatMap((client) => client.published);
  }
}
