/**
 * The broker of the fleet benchmark: Debian's mosquitto (MQTT 5) on an ephemeral port of
 * 127.0.0.1, configured as a production broker would be rather than as the tests' one (which
 * logs every packet): errors, warnings, notices and start-up lines only, no per-connection lines, no
 * persistence, no limit on connections, chunk-sized packets allowed. Started as a child of the
 * bench, so it inherits the open-file limit the bench raised first.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, MosquittoProcess } from '../runtime/rig/mosquitto-process.ts';

export interface FleetBroker {
  url: string;
  pid: number;
  version: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startFleetBroker(): Promise<FleetBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-mosquitto-'));
  const mosquitto = new MosquittoProcess({
    dir,
    port: await freePort(),
    config: [
      'connection_messages false', // the default logging only (mosquitto-process.ts), no line per client
      'set_tcp_nodelay true',
      'max_connections -1',
      'max_packet_size 1048576',
    ],
  });
  try {
    await mosquitto.start();
  } catch (error) {
    const log = mosquitto.log();
    await mosquitto.stop();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}: ${log}`);
  }
  return {
    url: mosquitto.url,
    pid: mosquitto.pid!,
    version: /mosquitto version (\S+)/.exec(spawnSync('mosquitto', ['-h'], { encoding: 'utf8' }).stdout)?.[1] ?? 'unknown',
    log: () => mosquitto.log(),
    stop: async () => {
      await mosquitto.stop(3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
