/**
 * A Sparkplug primary host application standing in for the central server: it announces
 * itself with a retained STATE (and an offline STATE as its Will), follows every edge node of
 * the broker (a node goes offline only on the NDEATH of its current session: same bdSeq as its
 * NBIRTH; see NodeView), renders each message as a readable line, asks for a rebirth when a node's seq
 * jumps, and sends commands — signed with the central command key when it has one.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { decodePayload, encodePayload, PayloadError, type SparkplugMetric, type SparkplugPayload } from '../../protocols/sparkplug/payload.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { commandTarget, signedCommandMetrics } from '../../protocols/sparkplug/command-signature.ts';
import { edgeTopic, parseTopic, type EdgeTopic } from '../../protocols/sparkplug/topics.ts';
import { HostStateAnnouncer } from './host-state-announcer.ts';
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
  /** Every edge node message (not commands), decoded once here; undefined when it does not decode. */
  edge: [topic: EdgeTopic, payload: SparkplugPayload | undefined];
}

export class PrimaryHost extends EventEmitter<PrimaryHostEvents> {
  readonly nodes = new Map<string, NodeView>();
  readonly #options: PrimaryHostOptions;
  #connection: HostStateAnnouncer | undefined;

  constructor(options: PrimaryHostOptions) {
    super();
    this.#options = options;
  }

  async start(): Promise<void> {
    const { hostId, brokerUrl } = this.#options;
    const connection = new HostStateAnnouncer({
      hostId,
      brokerUrl,
      clientId: `host.${hostId}`,
      // Subscribed before declaring itself online, on every connect: no birth goes unseen.
      beforeOnline: (client) => client.subscribeAsync('spBv1.0/#', { qos: 1 }),
    });
    this.#connection = connection;
    const started = connection.start();
    connection.client?.on('message', (topic, payload) => this.onMessage(topic, payload));
    await started;
  }

  /** Announces the host offline (false) or online again, as a host going down for maintenance would. */
  async setOnline(online: boolean): Promise<void> {
    await this.#connection?.setOnline(online);
  }

  /** Sends NCMD (device undefined) or DCMD to an edge node, by metric name (and datatype, when signing). */
  async command(group: string, node: string, device: string | undefined, metrics: SparkplugMetric[]): Promise<void> {
    const topic = device === undefined ? edgeTopic(group, 'NCMD', node) : edgeTopic(group, 'DCMD', node, device);
    const now = Date.now();
    const key = this.#options.commandKey;
    const sent = key
      ? signedCommandMetrics(key, { id: randomUUID(), issuedAt: now, notAfter: now + 30_000, target: commandTarget(group, node, device) }, metrics.map(signable))
      : metrics;
    await this.#connection?.client?.publishAsync(topic, Buffer.from(encodePayload({ timestamp: now, metrics: sent })), { qos: 1 });
  }

  /** Announces the host offline (unless told not to: see HostStateAnnouncer.stop), then disconnects. */
  async stop(options: { announceOffline?: boolean } = {}): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.stop(options);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'edge' || parsed.type === 'NCMD' || parsed.type === 'DCMD') return;
    let decoded: SparkplugPayload | PayloadError;
    try {
      decoded = decodePayload(payload);
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      decoded = error;
    }
    this.emit('edge', parsed, decoded instanceof PayloadError ? undefined : decoded);
    const key = `${parsed.group}/${parsed.node}`;
    let view = this.nodes.get(key);
    if (!view) {
      view = new NodeView(key);
      this.nodes.set(key, view);
    }
    const rendered: Rendered =
      decoded instanceof PayloadError
        ? { text: `${key}: undecodable ${parsed.type}: ${decoded.message}`, important: true, seqGap: false }
        : view.apply(parsed.type, parsed.device, decoded);
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
