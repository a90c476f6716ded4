/**
 * `booth-rig fleet`: runs N simulated booths against a broker and reports whether the broker,
 * the booths' process(es) and the central side keep up (runtime/rig/fleet/, docs/scaling.md).
 *   booth-rig fleet --booths N --broker URL [--broker URL …] [--duration S] [--telemetry-seconds 10]
 *                   [--captures-per-hour R] [--capture-bytes B] [--receivers K] [--central-out DIR]
 *                   [--json FILE] [--processes P] [--ramp-per-second R] [--session-seconds S]
 *                   [--captures-per-package K] [--drain-seconds S] [--broker-pid PID …] [--seed N]
 *                   [--state-dir DIR] [--mqtt-version 4|5] [--kill-broker N@S …]
 * Several --broker: the nodes of a clustered broker; every booth fails over across all of them
 * and starts on node (its number mod n); central sits on the first. --broker-pid, in the same
 * order, lets the run measure them and --kill-broker N@S SIGKILL the Nth (2…) S seconds into
 * the window.
 * Exit status: 0 sustained, 1 not sustained (the report says why), 64 bad usage, 69 when the
 * open-file limit is too low for the fleet.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FileLimitError } from './fleet/file-limit.ts';
import { FLEET_DEFAULTS, type FleetOptions } from './fleet/fleet-options.ts';
import { formatReport } from './fleet/fleet-report.ts';
import { runFleet } from './fleet/fleet-runner.ts';

export const FLEET_USAGE = `booth-rig fleet --booths N --broker URL [--broker URL …] [--duration S] [--telemetry-seconds 10]
                [--captures-per-hour R] [--capture-bytes B] [--receivers K] [--central-out DIR] [--json FILE]
                [--processes P] [--ramp-per-second R] [--session-seconds S] [--captures-per-package K]
                [--drain-seconds S] [--broker-pid PID …] [--seed N] [--state-dir DIR] [--mqtt-version 4|5]
                [--kill-broker N@S …]   (kill the Nth --broker, N ≥ 2, S seconds into the window)`;

const NUMBER_OPTIONS = {
  booths: { key: 'booths', min: 1 },
  duration: { key: 'durationSeconds', min: 1 },
  'telemetry-seconds': { key: 'telemetrySeconds', min: 0.1 },
  'captures-per-hour': { key: 'capturesPerHour', min: 0 },
  'capture-bytes': { key: 'captureBytes', min: 1 },
  receivers: { key: 'receivers', min: 1 },
  processes: { key: 'processes', min: 1 },
  'ramp-per-second': { key: 'rampPerSecond', min: 0.1 },
  'session-seconds': { key: 'sessionSeconds', min: 0 },
  'captures-per-package': { key: 'capturesPerPackage', min: 1 },
  'drain-seconds': { key: 'drainSeconds', min: 0 },
  seed: { key: 'seed', min: 0 },
} as const;

/** Parses the arguments into fleet options, or returns the usage error to print. */
export function parseFleetArgs(argv: string[], log: (line: string) => void): FleetOptions | string {
  let values: Record<string, string | undefined>;
  let lists: Record<'broker' | 'broker-pid' | 'kill-broker', string[]>;
  try {
    const single = Object.fromEntries([...Object.keys(NUMBER_OPTIONS), 'central-out', 'state-dir', 'json', 'mqtt-version'].map((name) => [name, { type: 'string' as const }]));
    const multiple = Object.fromEntries(['broker', 'broker-pid', 'kill-broker'].map((name) => [name, { type: 'string' as const, multiple: true as const, default: [] as string[] }]));
    const parsed = parseArgs({ args: argv, options: { ...single, ...multiple }, strict: true }).values as Record<string, string | string[] | undefined>;
    lists = { broker: parsed.broker as string[], 'broker-pid': parsed['broker-pid'] as string[], 'kill-broker': parsed['kill-broker'] as string[] };
    values = Object.fromEntries(Object.keys(single).map((name) => [name, parsed[name] as string | undefined]));
  } catch (error) {
    return (error as Error).message;
  }
  if (!values.booths || lists.broker.length === 0) return 'fleet needs --booths N and --broker URL';
  const options: FleetOptions = { ...FLEET_DEFAULTS, booths: 0, brokers: lists.broker, log };
  const pids = lists['broker-pid'].map(Number);
  const badPid = lists['broker-pid'].find((text) => !/^[1-9]\d*$/.test(text));
  if (badPid !== undefined) return `--broker-pid must be a process id, got "${badPid}"`;
  if (pids.length > lists.broker.length) return `${pids.length} --broker-pid for ${lists.broker.length} --broker`;
  if (pids.length > 0) options.brokerPids = pids;
  const kills: Array<{ broker: number; atSecond: number }> = [];
  for (const text of lists['kill-broker']) {
    const match = /^(\d+)@(\d+(?:\.\d+)?)$/.exec(text);
    if (!match) return `--kill-broker takes N@SECONDS (the Nth --broker, seconds into the window), got "${text}"`;
    const broker = Number(match[1]) - 1;
    if (broker < 1 || broker >= lists.broker.length) return `--kill-broker ${text}: N must be 2…${lists.broker.length}, a position in the --broker list (--broker 1 carries central)`;
    if (pids[broker] === undefined) return `--kill-broker ${text}: --broker ${broker + 1} has no --broker-pid`;
    kills.push({ broker, atSecond: Number(match[2]) });
  }
  options.kills = kills;
  if (values['mqtt-version'] !== undefined) {
    if (values['mqtt-version'] !== '4' && values['mqtt-version'] !== '5') return `--mqtt-version must be 4 (3.1.1) or 5, got "${values['mqtt-version']}"`;
    options.mqttVersion = Number(values['mqtt-version']) as 4 | 5;
  }
  for (const [name, { key, min }] of Object.entries(NUMBER_OPTIONS)) {
    const text = values[name];
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) return `--${name} must be a number ≥ ${min}, got "${text}"`;
    (options as unknown as Record<string, number>)[key] = value;
  }
  for (const name of ['booths', 'receivers', 'processes', 'capture-bytes', 'captures-per-package'] as const) {
    if (values[name] !== undefined && !Number.isInteger(Number(values[name]))) return `--${name} must be a whole number`;
  }
  if (values['central-out']) options.centralOut = values['central-out'];
  if (values['state-dir']) options.stateDir = values['state-dir'];
  const late = options.kills.find((kill) => kill.atSecond >= options.durationSeconds);
  if (late) return `--kill-broker ${late.broker + 1}@${late.atSecond}: not inside the ${options.durationSeconds} s window (--duration)`;
  return options;
}

export async function fleet(argv: string[]): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (argv.includes('--help')) {
    process.stdout.write(`usage: ${FLEET_USAGE}\n`);
    return 0;
  }
  const options = parseFleetArgs(argv, log);
  if (typeof options === 'string') {
    process.stderr.write(`booth-rig: ${options}\nusage: ${FLEET_USAGE}\n`);
    return 64;
  }
  const json = parseArgs({ args: argv, options: { json: { type: 'string' } }, strict: false }).values.json;
  try {
    const report = await runFleet(options);
    process.stdout.write(`${formatReport(report)}\n`);
    if (typeof json === 'string') writeFileSync(json, `${JSON.stringify({ date: new Date().toISOString(), options: { ...options, log: undefined }, report }, null, 2)}\n`);
    return report.sustained ? 0 : 1;
  } catch (error) {
    if (error instanceof FileLimitError) {
      process.stderr.write(`booth-rig fleet: ${error.message}\n`);
      return 69;
    }
    throw error;
  }
}
