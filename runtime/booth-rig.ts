/**
 * booth-rig entry point (the test engineer's tool). Implemented today:
 *   booth-rig load --captures N --size BYTES --accepted-log FILE [--per-package K] [--state-dir DIR]
 * submits N synthetic capture packages (K captures of BYTES each, default K = 1) to a running
 * boothd through the same path a session uses (seal → outbox), and appends one line
 * `<packageId> <sha256 of each capture …>` to FILE per package, only after boothd has confirmed
 * it durable.
 *   booth-rig run [--rig RIG.yaml] [--junit FILE] [--html FILE] [--json FILE] [--keep] SCENARIO.yaml…
 * plays scenarios against the real boothd, on a fresh simulated booth each (runtime/rig/).
 */
import { appendFileSync, closeSync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sendControlCommand } from './control/control-client.ts';
import type { AcceptedPackage } from './captures/capture-pipeline.ts';

const USAGE = `usage: booth-rig load --captures N --size BYTES --accepted-log FILE [--per-package K] [--state-dir DIR]
       booth-rig fleet --booths N --broker URL [--duration S] [--telemetry-seconds 10] [--captures-per-hour R] [--capture-bytes B] [--receivers K] [--central-out DIR] [--json FILE] (more: booth-rig fleet --help)
       booth-rig run [--rig RIG.yaml] [--junit FILE] [--html FILE] [--json FILE] [--keep] SCENARIO.yaml…`;

async function load(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      captures: { type: 'string' },
      size: { type: 'string' },
      'accepted-log': { type: 'string' },
      'per-package': { type: 'string', default: '1' },
      'state-dir': { type: 'string' },
    },
  });
  const count = Number(values.captures);
  const size = Number(values.size);
  const perPackage = Number(values['per-package']);
  const log = values['accepted-log'];
  const stateDir = values['state-dir'] ?? process.env.BOOTH_STATE_DIR;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(size) || size < 1 || !Number.isInteger(perPackage) || perPackage < 1 || !log || !stateDir) {
    process.stderr.write(`booth-rig: load needs --captures N, --size BYTES, --accepted-log FILE and --state-dir (or BOOTH_STATE_DIR)\n${USAGE}\n`);
    return 64;
  }
  const socket = join(stateDir, 'boothd.sock');
  for (let i = 0; i < count; i += 1) {
    const answer = await sendControlCommand(socket, 'captures.submit-synthetic', { captures: perPackage, bytes: size }, 60_000);
    if (!answer.ok) {
      process.stderr.write(`booth-rig: package ${i + 1} of ${count} refused: ${answer.error}\n`);
      return 1;
    }
    const accepted = answer.result as AcceptedPackage;
    appendDurably(log, `${accepted.packageId} ${accepted.captures.map((capture) => capture.sha256).join(' ')}\n`);
  }
  process.stdout.write(`${count} packages accepted by boothd and logged to ${log}\n`);
  return 0;
}

/** The log line must survive a crash of the rig too, or the torture test would under-count. */
function appendDurably(file: string, line: string): void {
  appendFileSync(file, line);
  const fd = openSync(file, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

/**
 * The scenario runner (runtime/rig/, docs/booth-rig.md), loaded only when asked for. The first
 * Ctrl-C (or SIGTERM) interrupts the run and lets the current scenario tear its booth down; a
 * second one, or the rig dying, kills every process it started by PID.
 */
async function run(argv: string[]): Promise<number> {
  const [{ runCommand }, { ChildRegistry }, { systemClock }] = await Promise.all([
    import('./rig/run-command.ts'),
    import('./rig/child-registry.ts'),
    import('../hal/clock.ts'),
  ]);
  const registry = new ChildRegistry();
  const interrupt = new AbortController();
  process.on('exit', () => registry.killAllNow());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) {
        registry.killAllNow();
        process.exit(130);
      }
      process.stderr.write(`booth-rig: ${signal}: stopping after the current scenario's teardown (again to kill at once)\n`);
      interrupt.abort(new Error(`interrupted by ${signal}`));
    });
  }
  return runCommand(argv, {
    clock: systemClock,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    interrupt: interrupt.signal,
    registry,
  });
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'load') return load(rest);
  if (command === 'run') return run(rest);
  if (command === 'fleet') return (await import('./rig/fleet-command.ts')).fleet(rest);
  process.stderr.write(`booth-rig: ${command ? `unknown command "${command}"` : 'no command given'}\n${USAGE}\n`);
  return 64;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`booth-rig: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
