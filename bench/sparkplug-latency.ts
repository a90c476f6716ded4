/**
 * Two Sparkplug latencies on a real mosquitto:
 * - process start → NBIRTH on the wire: spawn of bin/boothd until a subscriber receives NBIRTH;
 * - DCMD Door/Locked=false → the simulated relay drops: publish of the command by a host until
 *   the lock's `bolt` event, in a booth built in this process (same clock for both ends).
 *   Baseline in the same run: an MQTT round trip (publish → receive) through the same broker.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import { systemClock } from '../hal/clock.ts';
import type { DoorLock } from '../hal/index.ts';
import { DataType } from '../protocols/sparkplug/datatypes.ts';
import { encodePayload } from '../protocols/sparkplug/payload.ts';
import { Booth } from '../runtime/booth.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { builtinDrivers } from '../runtime/devices/builtin-drivers.ts';
import { createLogger } from '../runtime/logging/logger.ts';
import { distribution } from './startup.ts';

const ROOT = join(import.meta.dirname, '..');

function boothYaml(stateDir: string, url: string): string {
  const sim = readFileSync(join(ROOT, 'config', 'booth.sim.yaml'), 'utf8');
  return sim
    .replace(/^stateDir:.*$/m, `stateDir: ${stateDir}`)
    .replace(/^captures:.*\n(  .*\n)+/m, '')
    .replace(/^mqtt:\n(  .*\n)+/m, `mqtt:\n  url: ${url}\n`)
    .replace(/^sparkplug:\n(  .*\n)+/m, 'sparkplug:\n  dataBatchMs: 0\n');
}

/** spawn → NBIRTH received, `runs` times, each with a fresh state dir. */
export async function startToBirth(url: string, runs: number): Promise<ReturnType<typeof distribution>> {
  const observer = await mqtt.connectAsync(url, { protocolVersion: 4 });
  await observer.subscribeAsync('spBv1.0/+/NBIRTH/+', { qos: 0 });
  const samples: number[] = [];
  try {
    for (let run = 0; run <= runs; run += 1) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-birth-'));
      writeFileSync(join(dir, 'booth.yaml'), boothYaml(join(dir, 'state'), url));
      const born = new Promise<number>((resolve) => observer.once('message', () => resolve(performance.now())));
      const started = performance.now();
      const child = spawn(join(ROOT, 'bin', 'boothd'), ['--config', join(dir, 'booth.yaml')], {
        env: { ...process.env, BOOTH_LOG_FORMAT: 'json', BOOTH_LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
      const at = await born;
      if (run > 0) samples.push(at - started); // run 0 warms the compile cache
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await observer.endAsync();
  }
  return distribution(samples);
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 100) / 100;
}

/** DCMD unlock → bolt event, and the plain MQTT round trip as its baseline. */
export async function commandLatency(url: string, runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dcmd-'));
  const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const loaded = parseConfig(boothYaml(join(dir, 'state'), url), join(dir, 'booth.yaml'), { registry: builtinDrivers(), env: {} });
  const booth = new Booth(loaded, { clock: systemClock, logger: createLogger({ level: 'warn', pretty: false, destination: quiet }) });
  const host = await mqtt.connectAsync(url, { protocolVersion: 4 });
  try {
    await booth.start();
    while (booth.sparkplug.node.state !== 'online') await new Promise((resolve) => setTimeout(resolve, 10));
    const door = booth.devices.find('door-lock') as DoorLock;
    const topic = `spBv1.0/${loaded.config.booth.group}/DCMD/${loaded.config.booth.id}/${door.id}`;
    const unlock = Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Door/Locked', datatype: DataType.Boolean, value: false }] }));
    const command: number[] = [];
    for (let run = 0; run < runs + 10; run += 1) {
      await booth.door.lock('bench');
      const released = new Promise<number>((resolve) => door.once('bolt', () => resolve(performance.now())));
      const executed = new Promise((resolve) => booth.sparkplug.node.once('executed', resolve));
      const sent = performance.now();
      await host.publishAsync(topic, unlock, { qos: 0 });
      const at = await released;
      await executed; // the unlock command has finished; the next lock may start
      if (run >= 10) command.push(at - sent); // the first ten warm the JIT
    }
    // Baseline: the same bytes from the host's connection to another subscriber, through the same broker.
    const receiver = await mqtt.connectAsync(url, { protocolVersion: 4 });
    await receiver.subscribeAsync('bench/echo', { qos: 0 });
    const roundTrip: number[] = [];
    for (let run = 0; run < runs + 10; run += 1) {
      const back = new Promise<number>((resolve) => receiver.once('message', () => resolve(performance.now())));
      const sent = performance.now();
      await host.publishAsync('bench/echo', unlock, { qos: 0 });
      const at = await back;
      if (run >= 10) roundTrip.push(at - sent);
    }
    await receiver.endAsync();
    return {
      runs,
      dcmdToRelay: { p50Ms: percentile(command, 50), p99Ms: percentile(command, 99), maxMs: percentile(command, 100) },
      mqttRoundTrip: { p50Ms: percentile(roundTrip, 50), p99Ms: percentile(roundTrip, 99), maxMs: percentile(roundTrip, 100) },
    };
  } finally {
    await host.endAsync();
    await booth.shutdown('bench over');
    rmSync(dir, { recursive: true, force: true });
  }
}
