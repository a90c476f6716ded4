/**
 * `booth-rig fleet`: runs N simulated booths against a broker and reports whether the broker,
 * the booths' process(es) and the central side keep up (runtime/rig/fleet/, docs/scaling.md).
 *   booth-rig fleet --booths N --broker URL [--duration S] [--telemetry-seconds 10]
 *                   [--captures-per-hour R] [--capture-bytes B] [--receivers K] [--central-out DIR]
 *                   [--json FILE] [--processes P] [--ramp-per-second R] [--session-seconds S]
 *                   [--captures-per-package K] [--drain-seconds S] [--broker-pid PID] [--seed N]
 *                   [--state-dir DIR]
 * Exit status: 0 sustained, 1 not sustained (the report says why), 64 bad usage, 69 when the
 * open-file limit is too low for the fleet.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FileLimitError } from './fleet/file-limit.ts';
import { FLEET_DEFAULTS, type FleetOptions } from './fleet/fleet-options.ts';
import { formatReport } from './fleet/fleet-report.ts';
import { runFleet } from './fleet/fleet-runner.ts';

export const FLEET_USAGE = `booth-rig fleet --booths N --broker URL [--duration S] [--telemetry-seconds 10] [--captures-per-hour R]
                [--capture-bytes B] [--receivers K] [--central-out DIR] [--json FILE] [--processes P]
                [--ramp-per-second R] [--session-seconds S] [--captures-per-package K] [--drain-seconds S]
                [--broker-pid PID] [--seed N] [--state-dir DIR]`;

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
  'broker-pid': { key: 'brokerPid', min: 1 },
  seed: { key: 'seed', min: 0 },
} as const;

/** Parses the arguments into fleet options, or returns the usage error to print. */
export function parseFleetArgs(argv: string[], log: (line: string) => void): FleetOptions | string {
  let values: Record<string, string | undefined>;
  try {
    const options = Object.fromEntries([...Object.keys(NUMBER_OPTIONS), 'broker', 'central-out', 'state-dir', 'json'].map((name) => [name, { type: 'string' as const }]));
    values = parseArgs({ args: argv, options, strict: true }).values as Record<string, string | undefined>;
  } catch (error) {
    return (error as Error).message;
  }
  if (!values.booths || !values.broker) return 'fleet needs --booths N and --broker URL';
  const options: FleetOptions = { ...FLEET_DEFAULTS, booths: 0, brokerUrl: values.broker, log };
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
