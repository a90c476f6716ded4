/**
 * A Sparkplug primary host application standing in for the central server: it announces
 * itself with a retained STATE (and an offline STATE as its Will), follows every edge node of
 * the broker (a node goes offline only on the NDEATH of its current session: same bdSeq as its
 * NBIRTH; see NodeView), renders each message as a readable line, asks for a rebirth when a node's seq
 * jumps, and sends commands — signed with the central command key when it has one.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { encodeHostState } from '../../protocols/sparkplug/host-state.ts';
import { decodePayload, encodePayload, PayloadError, type SparkplugMetric } from '../../protocols/sparkplug/payload.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { commandTarget, signedCommandMetrics } from '../../protocols/sparkplug/command-signature.ts';
import { edgeTopic, parseTopic, stateTopic } from '../../protocols/sparkplug/topics.ts';
import { NodeView, type Rendered } from './node-view.ts';

export interface PrimaryHostOptions {
  hostId: string;
  brokerUrl: string;
  /** Where rendered lines go (the caller decides: a logger, a terminal, a test array). */
  report(line: Rendered & { topic: string }): void;
  /** The central command-signing key (Ed25519): every command is sent signed, valid 30 s. */
  commandKey?: KeyObject;
}

export interface PrimaryHostEvents {
  message: [topic: string, rendered: Rendered];
}

export class PrimaryHost extends EventEmitter<PrimaryHostEvents> {
  readonly nodes = new Map<string, NodeView>();
  readonly #options: PrimaryHostOptions;
  #client: MqttClient | undefined;

  constructor(options: PrimaryHostOptions) {
    super();
    this.#options = options;
  }

  async start(): Promise<void> {
    const { hostId, brokerUrl } = this.#options;
    const client = mqtt.connect(brokerUrl, {
      protocolVersion: 4,
      clean: true,
      clientId: `host.${hostId}`,
      reconnectPeriod: 500,
      will: { topic: stateTopic(hostId), payload: encodeHostState(false, Date.now()), qos: 1, retain: true },
    });
    this.#client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    // Subscribe before declaring ourselves online, then (re)declare on every connect.
    client.on('connect', () => {
      void client
        .subscribeAsync('spBv1.0/#', { qos: 1 })
        .then(() => client.publishAsync(stateTopic(hostId), encodeHostState(true, Date.now()), { qos: 1, retain: true }));
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  }

  /** Announces the host offline (true) or online again, as a host going down for maintenance would. */
  async setOnline(online: boolean): Promise<void> {
    await this.#client?.publishAsync(stateTopic(this.#options.hostId), encodeHostState(online, Date.now()), { qos: 1, retain: true });
  }

  /** Sends NCMD (device undefined) or DCMD to an edge node, by metric name (and datatype, when signing). */
  async command(group: string, node: string, device: string | undefined, metrics: SparkplugMetric[]): Promise<void> {
    const topic = device === undefined ? edgeTopic(group, 'NCMD', node) : edgeTopic(group, 'DCMD', node, device);
    const now = Date.now();
    const key = this.#options.commandKey;
    const sent = key
      ? signedCommandMetrics(key, { id: randomUUID(), issuedAt: now, notAfter: now + 30_000, target: commandTarget(group, node, device) }, metrics.map(signable))
      : metrics;
    await this.#client?.publishAsync(topic, Buffer.from(encodePayload({ timestamp: now, metrics: sent })), { qos: 1 });
  }

  /**
   * Announces the host offline, then disconnects. `announceOffline: false` leaves without the
   * offline STATE (a clean DISCONNECT drops the Will too): for a demo that stops its booth right
   * after, where the announcement would only send the booth's edge node through a disconnect and
   * a reconnect on its way out.
   */
  async stop(options: { announceOffline?: boolean } = {}): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (!client.connected) {
      client.end(true); // the broker is already gone; nothing to say goodbye to
      return;
    }
    if (options.announceOffline ?? true) {
      await client.publishAsync(stateTopic(this.#options.hostId), encodeHostState(false, Date.now()), { qos: 1, retain: true }).catch(() => undefined);
    }
    await client.endAsync();
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'edge' || parsed.type === 'NCMD' || parsed.type === 'DCMD') return;
    const key = `${parsed.group}/${parsed.node}`;
    let view = this.nodes.get(key);
    if (!view) {
      view = new NodeView(key);
      this.nodes.set(key, view);
    }
    let rendered: Rendered;
    try {
      rendered = view.apply(parsed.type, parsed.device, decodePayload(payload));
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      rendered = { text: `${key}: undecodable ${parsed.type}: ${error.message}`, important: true, seqGap: false };
    }
    this.#options.report({ ...rendered, topic });
    this.emit('message', topic, rendered);
    if (rendered.seqGap && view.online) {
      this.#options.report({ text: `${key}: seq gap, asking for a rebirth`, important: true, seqGap: false, topic });
      void this.command(parsed.group, parsed.node, undefined, [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }]);
    }
  }
}

function signable(metric: SparkplugMetric): { name: string; datatype: number; value: NonNullable<SparkplugMetric['value']> } {
  if (metric.name === undefined || metric.value === undefined || metric.datatype === DataType.Unknown) {
    throw new Error('a signed command names each metric and gives its datatype and value');
  }
  return { name: metric.name, datatype: metric.datatype, value: metric.value };
}
