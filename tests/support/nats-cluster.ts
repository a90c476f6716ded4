/**
 * A 3-node NATS cluster with its MQTT gateway on loopback (Debian's nats-server): each node with
 * a `server_name`, client and cluster ports on 127.0.0.1 (routes to all three), JetStream with its
 * own temp store dir (the MQTT gateway keeps sessions, retained messages and QoS 1 messages in
 * JetStream streams), and `mqtt { listen, stream_replicas: 3 }` so those streams are replicated
 * on every node. Started and stopped by PID; ready when every node answers an MQTT CONNECT
 * (the first one also creates the MQTT streams, which takes a second or two), all bounded.
 *
 * Used by broker-failover-nats.test.ts to show why the Sparkplug cluster test runs on RabbitMQ.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto.ts';
import { hasExited, spawnTracked, stopTracked, tail, waitForConnack } from './cluster-process.ts';
import type { BrokerCluster, ClusterNode } from './rabbitmq-cluster.ts';

const NATS_SERVER = '/usr/sbin/nats-server';

export async function startNatsCluster(options: { size?: number; readyLimitMs?: number } = {}): Promise<BrokerCluster> {
  const size = options.size ?? 3;
  const readyLimitMs = options.readyLimitMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'nats-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => stopTracked(child, 3000)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = Date.now();
    const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), cluster: await freePort(), mqtt: await freePort() })));
    const routes = ports.map((port) => `nats-route://127.0.0.1:${port.cluster}`);
    const nodes: ClusterNode[] = [];
    for (const [index, port] of ports.entries()) {
      const name = `booth-nats-${index + 1}`;
      const nodeDir = join(dir, name);
      mkdirSync(join(nodeDir, 'jetstream'), { recursive: true });
      const configFile = join(nodeDir, 'nats.conf');
      writeFileSync(
        configFile,
        [
          `server_name: ${name}`,
          `listen: 127.0.0.1:${port.client}`,
          `jetstream { store_dir: "${join(nodeDir, 'jetstream')}", max_memory_store: 64MB, max_file_store: 256MB }`,
          `cluster { name: booths, listen: 127.0.0.1:${port.cluster}, routes: [${routes.join(', ')}] }`,
          `mqtt { listen: 127.0.0.1:${port.mqtt}, stream_replicas: ${size} }`,
          '',
        ].join('\n'),
      );
      const logFile = join(nodeDir, 'nats.log');
      const child = await spawnTracked(NATS_SERVER, ['-c', configFile], { env: {}, logFile });
      children.push(child);
      nodes.push({
        name,
        url: `mqtt://127.0.0.1:${port.mqtt}`,
        pid: child.pid!,
        logFile,
        alive: () => !hasExited(child),
        kill: () => {
          if (!hasExited(child)) process.kill(child.pid!, 'SIGKILL');
        },
      });
    }
    const deadline = started + readyLimitMs;
    for (const node of nodes) {
      await waitForConnack(node.url, Math.max(1, deadline - Date.now()), node.alive).catch((error: unknown) => {
        throw new Error(`NATS node ${node.name}: ${(error as Error).message}\n--- ${node.logFile} ---\n${tail(node.logFile)}`);
      });
    }
    return { nodes, readyMs: Date.now() - started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
