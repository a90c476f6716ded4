/**
 * A Sparkplug B 3.0 edge node on the `mqtt` package. One MQTT session at a time, each with:
 * - a fresh bdSeq (persisted before CONNECT) and NDEATH(bdSeq) registered as the Will, QoS 1,
 *   not retained; clean start;
 * - subscriptions to NCMD, DCMD and the primary host's STATE (QoS 1) before any BIRTH;
 * - no BIRTH until the primary host (when configured) says online; an offline STATE makes the
 *   node publish NDEATH, disconnect, and wait in a new session;
 * - NBIRTH (seq 0) with bdSeq, Node Control metrics and every node metric, then a DBIRTH per
 *   online device; afterwards every message carries seq + 1 mod 256;
 * - DATA with only the changed metrics, by alias; while not born, DATA goes to the durable
 *   store and is replayed after the next BIRTH with is_historical, rate-limited, in order.
 * Sessions that end are retried with backoff + jitter. With several brokers (`start([url, …])`)
 * each new session goes to the next broker when the last one failed, was lost, or its primary
 * host STATE said offline (Sparkplug 3.0, "Primary Host Application STATE in Multiple MQTT
 * Server Topologies"); the NBIRTH names the broker in use (`MQTT/Broker`).
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { backoffDelay } from '../../hal/backoff.ts';
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import { DataType } from './datatypes.ts';
import type { EdgeModel, MetricSet } from './metric-model.ts';
import { encodePayload, type SparkplugMetric, type SparkplugPayload } from './payload.ts';
import { Replay } from './replay.ts';
import { withTimeout } from './with-timeout.ts';
import type { SessionStore } from './session-store.ts';
import { edgeTopic, parseTopic, stateTopic, type MessageType } from './topics.ts';
import { decodeCommand, NODE_CONTROL, type CommandBatch } from './command-decoder.ts';
import { parseHostState } from './host-state.ts';
import { BrokerList, displayUrl } from './broker-list.ts';

export interface EdgeLogger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export type ConnectFunction = (url: string, options: IClientOptions) => MqttClient;

export interface Backoff {
  initialMs: number;
  maxMs: number;
  jitter: number;
}

export interface EdgeNodeOptions {
  group: string;
  node: string;
  primaryHost?: string;
  model: EdgeModel;
  store: SessionStore;
  clock: Clock;
  logger: EdgeLogger;
  /** Executes a validated command batch; rejects with a reason the node reports back. */
  execute(batch: CommandBatch): Promise<void>;
  reconnect: Backoff;
  random?: () => number;
  connect?: ConnectFunction;
  /** Extra MQTT options: credentials, TLS material. */
  mqttOptions?: Partial<IClientOptions>;
  dataBatchMs?: number;
  replayPerSecond?: number;
  rebirthDebounceMs?: number;
  maxCommandBytes?: number;
}

export type EdgeNodeState = 'stopped' | 'connecting' | 'waiting-for-host' | 'online' | 'backoff';

export interface EdgeNodeEvents {
  state: [state: EdgeNodeState];
  /** A command batch was rejected (malformed, unknown, wrong type, too large) or failed. */
  rejected: [reason: string, topic: string];
  executed: [batch: CommandBatch];
  reboot: [];
}

interface Session {
  client: MqttClient;
  broker: string;
  bdSeq: number;
  born: boolean;
  ended: boolean;
}

export class EdgeNode extends EventEmitter<EdgeNodeEvents> {
  readonly #options: EdgeNodeOptions;
  readonly #connect: ConnectFunction;
  #state: EdgeNodeState = 'stopped';
  #session: Session | undefined;
  #seq = 0;
  #attempt = 0;
  #hostOnline = false;
  #lastBdSeq: number | undefined;
  #hostTimestamp = -Infinity;
  #retry: TimerHandle | undefined;
  #flushTimer: TimerHandle | undefined;
  #flushQueued = false;
  /** Topic strings built once per message type and device, not per message. */
  readonly #topics = new Map<string, string>();
  readonly #replay: Replay;
  #lastRebirthAt = -Infinity;
  #counters = { executed: 0, rejected: 0, badMessages: 0 };
  #brokers: BrokerList | undefined;
  /** The broker whose STATE timestamps #hostTimestamp compares with: each broker has its own. */
  #stateBroker: string | undefined;

  constructor(options: EdgeNodeOptions) {
    super();
    this.#options = options;
    this.#connect = options.connect ?? ((url, connectOptions) => mqtt.connect(url, connectOptions));
    this.#replay = new Replay(options.store, options.clock, options.replayPerSecond ?? 50, {
      born: () => this.#session?.born === true,
      deviceOnline: (device) => options.model.isOnline(device),
      send: (type, device, payload) => {
        if (this.#session) this.publish(this.#session, this.topic(type, device), { ...payload, seq: this.nextSeq() });
      },
      warn: (object, message) => options.logger.warn(object, message),
    });
    options.model.on('changed', () => this.scheduleFlush());
    options.model.on('device-online', (device) => this.deviceBirth(device));
    options.model.on('device-offline', (device) => this.deviceDeath(device));
  }

  get state(): EdgeNodeState {
    return this.#state;
  }

  /** Whether the configured primary host last said it is online (undefined when none is configured). */
  get primaryHostOnline(): boolean | undefined {
    return this.#options.primaryHost ? this.#hostOnline : undefined;
  }

  get bdSeq(): number | undefined {
    return this.#session?.bdSeq;
  }

  get counters(): Readonly<{ executed: number; rejected: number; badMessages: number }> {
    return this.#counters;
  }

  /**
   * The broker of the current session (or the next one to try) as configured — boothctl tail and
   * doctor connect with it, credentials included; undefined before `start`.
   */
  get broker(): string | undefined {
    return this.#session?.broker ?? this.#brokers?.current;
  }

  /** Connects to the broker (the first reachable of several) and keeps a session up until `stop`. */
  start(brokers: string | readonly string[]): void {
    if (this.#state !== 'stopped') return;
    this.#brokers = new BrokerList(brokers);
    this.startSession();
  }

  /** Publishes NDEATH (when born), waits for it to be acknowledged (bounded), disconnects. */
  async stop(): Promise<void> {
    this.setState('stopped');
    for (const timer of [this.#retry, this.#flushTimer]) timer?.cancel();
    this.#replay.stop();
    const session = this.#session;
    this.#session = undefined;
    if (session) await this.endSession(session, 'edge node stopping');
  }

  /**
   * Re-sends NBIRTH and every DBIRTH with the current bdSeq (Node Control/Rebirth). Requests
   * within `rebirthDebounceMs` of the last one are ignored: a host that asks three times in a
   * burst gets one rebirth. Says whether it was done, and if ignored, when one would be taken.
   */
  rebirth(): { done: true } | { done: false; retryInMs: number } {
    const session = this.#session;
    if (!session?.born) return { done: false, retryInMs: 1000 };
    const now = this.#options.clock.now();
    const debounceMs = this.#options.rebirthDebounceMs ?? 2000;
    if (now - this.#lastRebirthAt < debounceMs) {
      this.#options.logger.info({}, 'rebirth request ignored: one was just done');
      return { done: false, retryInMs: this.#lastRebirthAt + debounceMs - now };
    }
    this.#lastRebirthAt = now;
    this.birth(session);
    return { done: true };
  }

  /**
   * The next session's bdSeq, kept in the store so it survives restarts. When the store cannot
   * write (a full disk) the session still starts, with the next number counted in memory: a
   * booth that stops publishing because its disk is full would hide the very fault to report.
   */
  private nextBdSeq(): number {
    try {
      this.#lastBdSeq = this.#options.store.nextBdSeq();
    } catch (error) {
      this.#lastBdSeq = ((this.#lastBdSeq ?? -1) + 1) % 256;
      this.#options.logger.warn({ err: error, bdSeq: this.#lastBdSeq }, `cannot persist bdSeq (${(error as Error).message}); using ${this.#lastBdSeq} from memory`);
    }
    return this.#lastBdSeq;
  }

  private startSession(): void {
    const { clock, store, group, node, logger } = this.#options;
    const brokerUrl = this.#brokers!.current;
    if (brokerUrl !== this.#stateBroker) this.#hostTimestamp = -Infinity; // another broker, another STATE history
    this.#stateBroker = brokerUrl;
    const bdSeq = this.nextBdSeq();
    const will = {
      topic: edgeTopic(group, 'NDEATH', node),
      payload: Buffer.from(encodePayload(deathPayload(bdSeq, clock.now()))),
      qos: 1 as const,
      retain: false,
    };
    const client = this.#connect(brokerUrl, {
      clientId: `${group}.${node}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0, // sessions are ours to restart: each needs a new bdSeq in its will
      connectTimeout: 10_000,
      keepalive: 30,
      will,
      ...this.#options.mqttOptions,
    });
    const session: Session = { client, broker: brokerUrl, bdSeq, born: false, ended: false };
    this.#session = session;
    this.#hostOnline = false;
    this.setState('connecting');
    const shown = displayUrl(brokerUrl);
    logger.info({ bdSeq, broker: shown }, `connecting to ${shown} (bdSeq ${bdSeq})`);
    client.on('connect', () => void this.onConnect(session));
    client.on('message', (topic, payload) => this.onMessage(session, topic, payload));
    // Once the session is being ended, mqtt.js may still report a write it refuses ("write after
    // end"): expected while disconnecting, so not a warning an operator should chase.
    client.on('error', (error) =>
      session.ended ? logger.debug({ err: error }, `MQTT error after the session ended: ${error.message}`) : logger.warn({ err: error }, `MQTT error: ${error.message}`),
    );
    client.on('close', () => this.onClose(session));
  }

  private async onConnect(session: Session): Promise<void> {
    const { group, node, primaryHost, logger } = this.#options;
    const topics = [edgeTopic(group, 'NCMD', node), `${edgeTopic(group, 'DCMD', node, '+')}`];
    if (primaryHost) topics.push(stateTopic(primaryHost));
    try {
      await session.client.subscribeAsync(topics, { qos: 1 });
    } catch (error) {
      logger.error({ err: error }, 'subscribe failed; ending the session');
      session.client.end(true);
      return;
    }
    if (session !== this.#session) return;
    // A primary host that is already online has its retained STATE delivered right after the
    // SUBACK, often in the same read: its message handler runs (and births) before this
    // continuation does. One NBIRTH per session; only a Rebirth command births again.
    if (session.born) return;
    if (!primaryHost || this.#hostOnline) this.birth(session);
    else {
      this.setState('waiting-for-host');
      logger.info({ primaryHost }, `connected; waiting for primary host ${primaryHost} to be online`);
    }
  }

  private onMessage(session: Session, topic: string, payload: Buffer): void {
    if (session !== this.#session) return;
    const parsed = parseTopic(topic);
    if (parsed?.kind === 'state' || this.isRetainedStateOnRabbitMq(topic)) return this.onHostState(session, payload);
    if (parsed?.kind === 'edge' && (parsed.type === 'NCMD' || parsed.type === 'DCMD')) {
      return void this.onCommand(parsed.type, parsed.device, topic, payload);
    }
    this.#options.logger.debug({ topic }, 'ignoring message on an unexpected topic');
  }

  private onHostState(session: Session, payload: Buffer): void {
    const { logger } = this.#options;
    const state = parseHostState(payload);
    if (!state.ok) {
      this.#counters.badMessages += 1;
      logger.warn({ reason: state.reason }, `ignoring malformed primary host STATE: ${state.reason}`);
      return;
    }
    if (state.timestamp < this.#hostTimestamp) return; // an older STATE must not override a newer one
    this.#hostTimestamp = state.timestamp;
    this.#hostOnline = state.online;
    if (state.online && !session.born) {
      logger.info({}, 'primary host is online');
      this.birth(session);
    } else if (!state.online && (session.born || this.#brokers!.urls.length > 1)) {
      // With several brokers the host may be online on another one: walk on (at once when this
      // session was born, with backoff when it never was, so an offline host everywhere is no hot loop).
      const { born } = session;
      const walk = this.#brokers!.urls.length > 1;
      const doing = `${born ? 'NDEATH, disconnect' : 'disconnect'}, ${walk ? 'try the next broker' : 'wait for it'}`;
      logger.warn({ broker: displayUrl(session.broker) }, `primary host is offline on ${displayUrl(session.broker)}: ${doing}; DATA is stored meanwhile`);
      this.#session = undefined;
      if (walk) this.#brokers!.advance();
      void this.endSession(session, 'primary host offline').then(() => this.scheduleReconnect(born ? 0 : undefined));
    }
  }

  /**
   * RabbitMQ 3.10's MQTT plugin (`mqtt.sparkplug = true`) hands out a *retained* message of the
   * Sparkplug namespace as `spBv1/0/…`: it undoes its dot translation for live messages only.
   * This node's own primary host STATE topic is taken in that spelling too, nothing else.
   */
  private isRetainedStateOnRabbitMq(topic: string): boolean {
    const host = this.#options.primaryHost;
    return host !== undefined && topic === `spBv1/0/STATE/${host}`;
  }

  private birth(session: Session): void {
    const { model, clock, group, node } = this.#options;
    const now = clock.now();
    this.#seq = 0;
    const metrics: SparkplugMetric[] = [
      { name: 'bdSeq', datatype: DataType.Int64, value: BigInt(session.bdSeq), timestamp: now },
      { name: NODE_CONTROL.rebirth, datatype: DataType.Boolean, value: false, timestamp: now },
      { name: NODE_CONTROL.reboot, datatype: DataType.Boolean, value: false, timestamp: now },
      // Which broker of several this session runs on; it changes only with a new session (and NBIRTH).
      { name: BROKER_METRIC, datatype: DataType.String, value: displayUrl(session.broker), timestamp: now },
      ...model.node.birth(),
    ];
    this.publish(session, edgeTopic(group, 'NBIRTH', node), { timestamp: now, seq: 0, metrics });
    session.born = true;
    this.#attempt = 0;
    this.setState('online');
    for (const device of model.deviceIds) if (model.isOnline(device)) this.deviceBirth(device);
    this.#replay.start();
  }

  private deviceBirth(device: string): void {
    const session = this.#session;
    const metrics = this.#options.model.device(device);
    if (!session?.born || !metrics) return;
    const { group, node, clock } = this.#options;
    this.publish(session, edgeTopic(group, 'DBIRTH', node, device), { timestamp: clock.now(), seq: this.nextSeq(), metrics: metrics.birth() });
  }

  private deviceDeath(device: string): void {
    const session = this.#session;
    if (!session?.born) return;
    const { group, node, clock } = this.#options;
    this.flush(); // what changed before the loss still goes out first
    this.publish(session, edgeTopic(group, 'DDEATH', node, device), { timestamp: clock.now(), seq: this.nextSeq(), metrics: [] });
  }

  /** Sends the pending changes now instead of at the end of the batching window. */
  flushNow(): void {
    this.#flushTimer?.cancel();
    this.#flushTimer = undefined;
    this.flush();
  }

  private scheduleFlush(): void {
    if (this.#flushTimer || this.#flushQueued) return;
    const batchMs = this.#options.dataBatchMs ?? 50;
    if (batchMs === 0) {
      // No window: everything changed in this turn of the event loop goes out together.
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        this.flush();
      });
      return;
    }
    this.#flushTimer = this.#options.clock.setTimeout(() => {
      this.#flushTimer = undefined;
      this.flush();
    }, batchMs);
  }

  /** Sends (or, while not born, stores) the changes since the last flush. */
  private flush(): void {
    const { model, clock, store, logger } = this.#options;
    const now = clock.now();
    const session = this.#session?.born ? this.#session : undefined;
    const out = (type: MessageType, device: string | undefined, metrics: MetricSet | undefined) => {
      if (!metrics?.pendingChanges) return;
      try {
        if (session) this.publishBytes(session, this.topic(type, device), metrics.takeChangesEncoded(now, this.nextSeq(), false)!);
        // Stored with datatypes so the replay can be decoded without the BIRTH's alias table.
        else store.store(device, metrics.takeChangesEncoded(now, undefined, true)!, now);
      } catch (error) {
        // A store that cannot write (disk full) must not take the daemon down; the data is counted lost.
        logger.error({ err: error, device }, `could not ${session ? 'send' : 'store'} ${type}: ${(error as Error).message}`);
      }
    };
    out('NDATA', undefined, model.node);
    for (const device of model.deviceIds) {
      if (model.isOnline(device)) out('DDATA', device, model.device(device));
    }
  }

  private async onCommand(type: 'NCMD' | 'DCMD', device: string | undefined, topic: string, payload: Buffer): Promise<void> {
    const { logger, model, maxCommandBytes } = this.#options;
    const decoded = decodeCommand(type, device, payload, model, maxCommandBytes ?? 65_536);
    if (!decoded.ok) {
      this.#counters.rejected += 1;
      logger.warn({ topic, reason: decoded.reason }, `rejected ${type}: ${decoded.reason}`);
      this.emit('rejected', decoded.reason, topic);
      return;
    }
    const batch = decoded.batch;
    if (batch.commands.some((command) => command.name === NODE_CONTROL.rebirth && command.value === true)) this.rebirth();
    try {
      await this.#options.execute(batch);
      this.#counters.executed += 1;
      this.emit('executed', batch);
    } catch (error) {
      this.#counters.rejected += 1;
      const reason = (error as Error).message;
      logger.warn({ topic, reason }, `${type} failed: ${reason}`);
      this.emit('rejected', reason, topic);
    }
  }

  private publish(session: Session, topic: string, payload: SparkplugPayload): void {
    this.publishBytes(session, topic, asBuffer(encodePayload(payload)));
  }

  private publishBytes(session: Session, topic: string, bytes: Buffer): void {
    // QoS 0 as the spec asks for BIRTH and DATA; a broken socket surfaces as 'close', not here.
    session.client.publish(topic, bytes, PUBLISH_QOS0);
  }

  private topic(type: MessageType, device?: string): string {
    const key = device === undefined ? type : `${type}/${device}`;
    let topic = this.#topics.get(key);
    if (topic === undefined) {
      topic = edgeTopic(this.#options.group, type, this.#options.node, device);
      this.#topics.set(key, topic);
    }
    return topic;
  }

  private nextSeq(): number {
    this.#seq = (this.#seq + 1) % 256;
    return this.#seq;
  }

  private onClose(session: Session): void {
    if (session.ended) return;
    session.ended = true;
    session.born = false;
    if (session !== this.#session || this.#state === 'stopped') return;
    this.#session = undefined;
    const next = this.#brokers!.advance(); // a failed or lost connection: the next broker (the same when only one)
    const where = next === session.broker ? '' : `; next: ${displayUrl(next)}`;
    this.#options.logger.warn({ bdSeq: session.bdSeq, broker: displayUrl(session.broker) }, `MQTT session ended on ${displayUrl(session.broker)}; storing data until the next one${where}`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(delayMs?: number): void {
    if (this.#state === 'stopped') return;
    const { reconnect, random, clock } = this.#options;
    const delay = delayMs ?? backoffDelay(this.#attempt, reconnect, random ?? Math.random);
    this.#attempt += 1;
    this.setState('backoff');
    this.#retry = clock.setTimeout(() => {
      this.#retry = undefined;
      if (this.#state === 'backoff') this.startSession();
    }, delay);
  }

  /** Ends a session as the spec asks: an explicit NDEATH (QoS 1) when born, then DISCONNECT. */
  private async endSession(session: Session, reason: string): Promise<void> {
    session.ended = true;
    const { group, node, clock, logger } = this.#options;
    if (session.born && session.client.connected) {
      session.born = false;
      const death = Buffer.from(encodePayload(deathPayload(session.bdSeq, clock.now())));
      await withTimeout(session.client.publishAsync(edgeTopic(group, 'NDEATH', node), death, { qos: 1, retain: false }), 2000).catch(
        (error: unknown) => logger.warn({ err: error }, 'NDEATH not acknowledged'),
      );
    }
    logger.info({ bdSeq: session.bdSeq, reason }, `disconnecting: ${reason}`);
    await withTimeout(session.client.endAsync(), 2000).catch(() => session.client.end(true));
  }

  private setState(state: EdgeNodeState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}

const PUBLISH_QOS0 = { qos: 0, retain: false } as const;

/** The NBIRTH metric naming the broker in use (String, by name, no alias). */
export const BROKER_METRIC = 'MQTT/Broker';

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function deathPayload(bdSeq: number, now: number): SparkplugPayload {
  return { timestamp: now, metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: BigInt(bdSeq), timestamp: now }] };
}
