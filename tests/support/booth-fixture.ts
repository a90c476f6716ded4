/**
 * Builds a whole simulated booth in-process, the way boothd does, with a fake clock and an
 * in-memory logger, in a temporary state dir. Tests reach the simulators through `sim(id)`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Booth } from '../../runtime/booth.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { builtinDrivers } from '../../runtime/devices/builtin-drivers.ts';
import type { AuditEntry } from '../../runtime/audit/audit-log.ts';
import { FakeClock } from './fake-clock.ts';
import { memoryLogger, type LogLine } from './memory-logger.ts';

export const SIM_DEVICES_YAML = `
  - id: door
    compatible: sim,door-lock
    props: { latencyMs: 10 }
  - id: lights
    compatible: sim,lighting
    props: { latencyMs: 5 }
  - id: sensors
    compatible: sim,sensors
    props: { latencyMs: 5 }
`;

/** All seven simulated device classes, as the demo visit (`make run`) needs them. */
export const ALL_SIM_DEVICES_YAML = `
  - { id: door, compatible: "sim,door-lock", props: { latencyMs: 10 } }
  - { id: lights, compatible: "sim,lighting" }
  - { id: sensors, compatible: "sim,sensors" }
  - { id: scanner, compatible: "sim,fingerprint", props: { placeDelayMs: 200 } }
  - { id: camera, compatible: "sim,camera" }
  - { id: pad, compatible: "sim,signature-pad", props: { signingMs: 500 } }
  - { id: passport, compatible: "sim,document-reader" }
`;

export interface BoothFixture {
  booth: Booth;
  clock: FakeClock;
  stateDir: string;
  lines: LogLine[];
  sim<T>(id: string): T;
  audit(): AuditEntry[];
  cleanup(): Promise<void>;
}

export function boothFixture(options: { maxLockSeconds?: number; devicesYaml?: string; stateDir?: string; extraYaml?: string } = {}): BoothFixture {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'booth-'));
  const yaml = `
booth: { id: fixture-01, group: tests }
stateDir: ${stateDir}
door: { maxLockSeconds: ${options.maxLockSeconds ?? 60} }
mqtt: { embeddedBroker: { port: 0 } }
supervisor: { retryInitialMs: 100, retryMaxMs: 1000, retryJitter: 0.5 }
${options.extraYaml ?? ''}
devices:${options.devicesYaml ?? SIM_DEVICES_YAML}`;
  const loaded = parseConfig(yaml, 'fixture.yaml', { registry: builtinDrivers(), env: {} });
  const clock = new FakeClock();
  const { logger, lines } = memoryLogger();
  const booth = new Booth(loaded, { clock, logger, random: () => 0.5 });
  return {
    booth,
    clock,
    stateDir,
    lines,
    sim: <T>(id: string) => booth.devices.get(id) as T,
    audit: () =>
      readFileSync(join(stateDir, 'audit.log'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as AuditEntry),
    cleanup: async () => {
      await clock.drive(booth.shutdown('test over'));
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
