/**
 * A 3-node RabbitMQ cluster (Debian's rabbitmq-server 3.10 with the rabbitmq_mqtt plugin) on
 * loopback, for the broker failover test: its own epmd on a free port, one Erlang node per
 * broker (`booth1@localhost` …) with its own config, data and log folders in a temp dir, AMQP
 * off, MQTT on 127.0.0.1 with `mqtt.sparkplug = true` (the dot of `spBv1.0` kept), clustered
 * at boot by classic peer discovery, started one after the other. Ready when every node answers
 * an MQTT CONNECT and a message published on the first node reaches a subscriber on each of the
 * others (they form one cluster). Every process is started and stopped by PID; every wait is
 * bounded.
 *
 * What RabbitMQ 3.10 does not do for Sparkplug (checked by this cluster's test): retained
 * messages are kept per node, not cluster-wide, and are handed out as `spBv1/0/…` (the dot
 * translation is undone for live messages only). A primary host must therefore put its STATE on
 * every node (see `announceState` in the test), and the edge node accepts that spelling of it.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort } from './mosquitto.ts';
import { hasExited, spawnTracked, stopTracked, tail, waitForConnack } from './cluster-process.ts';

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const EPMD = '/usr/bin/epmd';

export interface ClusterNode {
  readonly name: string;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** The node's own log (its stdout only says it started). */
  readonly logFile: string;
  alive(): boolean;
  /** SIGKILL by PID: the node dies with its connections, as in a crash or power loss. */
  kill(): void;
}

export interface BrokerCluster {
  readonly nodes: readonly ClusterNode[];
  /** How long from the first spawn until the cluster was ready. */
  readonly readyMs: number;
  stop(): Promise<void>;
}

export async function startRabbitMqCluster(options: { size?: number; readyLimitMs?: number } = {}): Promise<BrokerCluster> {
  const size = options.size ?? 3;
  const readyLimitMs = options.readyLimitMs ?? 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'rabbitmq-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => stopTracked(child, 3000)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = Date.now();
    // Every node and the CLI share one Erlang cookie; HOME points the nodes at it.
    const home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(home, '.erlang.cookie'), `booth-test-${process.pid}-${Date.now()}`);
    chmodSync(join(home, '.erlang.cookie'), 0o400);
    const epmdPort = await freePort();
    const epmd = await spawnTracked(EPMD, ['-port', String(epmdPort), '-address', '127.0.0.1'], { env: {}, logFile: join(dir, 'epmd.log') });
    children.push(epmd);
    await waitForTcp(epmdPort, 5000);
    const definitions = join(dir, 'definitions.json');
    writeFileSync(definitions, JSON.stringify(DEFINITIONS));
    const names = Array.from({ length: size }, (_, index) => `booth${index + 1}@localhost`);
    const ports = await Promise.all(names.map(async () => ({ mqtt: await freePort(), dist: await freePort() })));
    const nodes: ClusterNode[] = [];
    for (const [index, name] of names.entries()) {
      const nodeDir = join(dir, `node${index + 1}`);
      mkdirSync(nodeDir);
      writeFileSync(join(nodeDir, 'rabbitmq.conf'), nodeConfig(names, ports[index]!.mqtt, definitions));
      writeFileSync(join(nodeDir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
      writeFileSync(join(nodeDir, 'rabbitmq-env.conf'), '');
      const logFile = join(nodeDir, 'out.log');
      const child = await spawnTracked(RABBITMQ_SERVER, [], {
        logFile,
        env: {
          HOME: home,
          LANG: 'C.UTF-8',
          LC_ALL: 'C.UTF-8',
          ERL_EPMD_PORT: String(epmdPort),
          ERL_EPMD_ADDRESS: '127.0.0.1',
          RUNNING_UNDER_SYSTEMD: 'true', // the script then execs the VM: this PID is the node's
          RABBITMQ_NODENAME: name,
          RABBITMQ_DIST_PORT: String(ports[index]!.dist),
          RABBITMQ_CONFIG_FILE: join(nodeDir, 'rabbitmq.conf'),
          RABBITMQ_CONF_ENV_FILE: join(nodeDir, 'rabbitmq-env.conf'),
          RABBITMQ_ENABLED_PLUGINS_FILE: join(nodeDir, 'enabled_plugins'),
          RABBITMQ_MNESIA_BASE: join(nodeDir, 'data'),
          RABBITMQ_LOG_BASE: join(nodeDir, 'log'),
          RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
        },
      });
      children.push(child);
      nodes.push({
        name,
        url: `mqtt://127.0.0.1:${ports[index]!.mqtt}`,
        pid: child.pid!,
        logFile: join(nodeDir, 'log', `${name}.log`),
        alive: () => !hasExited(child),
        kill: () => {
          if (!hasExited(child)) process.kill(child.pid!, 'SIGKILL');
        },
      });
      // One after the other: nodes booting together may never elect a leader of the MQTT
      // plugin's client-id Raft cluster (its listener then never opens). A node joining a
      // running cluster is added to it.
      const node = nodes.at(-1)!;
      await waitForConnack(node.url, Math.max(1, started + readyLimitMs - Date.now()), node.alive).catch((error: unknown) => {
        throw new Error(`RabbitMQ node ${node.name}: ${(error as Error).message}\n${logs(nodes)}`);
      });
    }
    const deadline = started + readyLimitMs;
    await waitForOneCluster(nodes, Math.max(1, deadline - Date.now())).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${logs(nodes)}`);
    });
    return { nodes, readyMs: Date.now() - started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The guest user RabbitMQ would create itself (a definitions file replaces that), and a policy
 * mirroring the MQTT plugin's subscription queues on every node. RabbitMQ 3.10 declares even a
 * clean session's QoS 1 subscription queue durable, on the node the client is connected to:
 * without mirroring, when that node dies the client cannot subscribe again under the same client
 * id anywhere else ("home node … of durable queue 'mqtt-subscription-<id>qos1' … is down").
 */
const DEFINITIONS = {
  users: [{ name: 'guest', password: 'guest', tags: ['administrator'] }],
  vhosts: [{ name: '/' }],
  permissions: [{ user: 'guest', vhost: '/', configure: '.*', write: '.*', read: '.*' }],
  policies: [
    { vhost: '/', name: 'mqtt-subscriptions-on-every-node', pattern: '^mqtt-subscription-', 'apply-to': 'queues', priority: 0, definition: { 'ha-mode': 'all', 'ha-sync-mode': 'automatic' } },
  ],
};

/** The end of every node's log, for a failure message (the temp dir is gone afterwards). */
function logs(nodes: readonly ClusterNode[]): string {
  return nodes.map((node) => `--- ${node.logFile} ---\n${tail(node.logFile, 3000)}`).join('\n');
}

function nodeConfig(names: readonly string[], mqttPort: number, definitions: string): string {
  return [
    'listeners.tcp = none',
    `load_definitions = ${definitions}`,
    `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
    'mqtt.sparkplug = true',
    'mqtt.allow_anonymous = true',
    'cluster_formation.peer_discovery_backend = classic_config',
    ...names.map((name, index) => `cluster_formation.classic_config.nodes.${index + 1} = ${name}`),
    'log.console = false',
    'log.file.level = info',
    '',
  ].join('\n');
}

function waitForTcp(port: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  const attempt = (resolve: () => void, reject: (error: Error) => void): void => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', () => {
      socket.destroy();
      if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port} after ${limitMs} ms`));
      else setTimeout(() => attempt(resolve, reject), 50);
    });
  };
  return new Promise(attempt);
}

/** A message published on the first node reaches a subscriber on every node: one cluster, not three brokers. */
async function waitForOneCluster(nodes: readonly ClusterNode[], limitMs: number): Promise<void> {
  const topic = `cluster-check/${process.pid}`;
  const clients: MqttClient[] = [];
  try {
    const heard = new Set<string>();
    for (const node of nodes) {
      const client = await mqtt.connectAsync(node.url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 });
      clients.push(client);
      client.on('message', () => heard.add(node.name));
      await client.subscribeAsync(topic, { qos: 1 });
    }
    const deadline = Date.now() + limitMs;
    while (heard.size < nodes.length) {
      if (Date.now() > deadline) {
        const missing = nodes.filter((node) => !heard.has(node.name)).map((node) => node.name);
        throw new Error(`the RabbitMQ nodes did not form one cluster within ${limitMs} ms: ${missing.join(', ')} heard nothing from ${nodes[0]!.name}`);
      }
      await clients[0]!.publishAsync(topic, 'ping', { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await Promise.all(clients.map((client) => client.endAsync(true).catch(() => undefined)));
  }
}
