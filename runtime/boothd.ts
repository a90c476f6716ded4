/**
 * boothd entry point: parse arguments, check the manifest (exit 2 before touching hardware when
 * it is wrong), build the booth, tie the door to the process's life, start, and run until a
 * signal. The only place besides the other entry points allowed to call process.exit.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../hal/clock.ts';
import { simControlCommands } from '../simulator/control-hooks.ts';
import { PrimaryHost } from '../simulator/central/primary-host.ts';
import { DemoVisit } from '../simulator/scenarios/demo-visit.ts';
import { syntheticPackage } from '../simulator/captures/synthetic-package.ts';
import { Booth } from './booth.ts';
import { ConfigError } from './config/errors.ts';
import { loadConfigFile } from './config/load.ts';
import { builtinDrivers } from './devices/builtin-drivers.ts';
import { createLogger } from './logging/logger.ts';
import { installProcessGuard } from './safety/process-guard.ts';

const USAGE = `usage: boothd --config <file> [--demo]
       boothd --check-config <file>

  --config <file>        run the booth described by this manifest
  --check-config <file>  validate the manifest and exit (0 valid, 2 invalid)
  --demo                 play a scripted visit on the simulated booth, again and again, with a
                         simulated central primary host showing what it receives
  --help                 show this text

environment: BOOTH_ID, BOOTH_MQTT_URL, BOOTH_STATE_DIR, BOOTH_LOG_LEVEL, BOOTH_PRIMARY_HOST override
the manifest; BOOTH_LOG_FORMAT=json|pretty chooses the log format (default: pretty on a terminal).`;

const EXIT_USAGE = 64;
const EXIT_CONFIG = 2;
/** Asked to restart (Node Control/Reboot): systemd's Restart=always brings boothd back. */
const EXIT_RESTART = 75;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: 'string' },
        'check-config': { type: 'string' },
        demo: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`boothd: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = values['check-config'] ?? values.config;
  if (!file) {
    process.stderr.write(`boothd: --config <file> is required\n${USAGE}\n`);
    return EXIT_USAGE;
  }

  const registry = builtinDrivers();
  let loaded;
  try {
    loaded = loadConfigFile(file, { registry, env: process.env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`boothd: ${error.message}\n`);
    return EXIT_CONFIG;
  }
  if (values['check-config']) {
    const { config } = loaded;
    process.stdout.write(`${file}: valid (booth ${config.booth.id}, ${config.devices.length} devices)\n`);
    return 0;
  }

  const format = process.env.BOOTH_LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const logger = createLogger({ level: loaded.config.log.level, pretty: format === 'pretty', base: { booth: loaded.config.booth.id } });
  let booth: Booth;
  try {
    booth = new Booth(loaded, { clock: systemClock, logger });
  } catch (error) {
    // e.g. a capture key file that is missing or of the wrong type: nothing has been touched yet.
    process.stderr.write(`boothd: cannot start: ${(error as Error).message}\n`);
    return EXIT_CONFIG;
  }
  const demo = values.demo ? new DemoVisit(booth.devices.devices, { clock: systemClock, logger: logger.child({ component: 'demo' }), door: booth.door }) : undefined;

  let central: PrimaryHost | undefined;
  installProcessGuard(process, {
    releaseDoor: (reason) => booth.door.release(reason),
    shutdown: async (reason) => {
      await demo?.stop();
      await booth.shutdown(reason);
      await central?.stop();
      logger.info({ reason }, 'boothd stopped; door released');
    },
    onFatal: (error, origin) => logger.fatal({ err: error, origin }, `boothd ${origin}; releasing the door and exiting`),
  });

  booth.on('restart-requested', (reason) => {
    logger.warn({ reason }, `restart requested: ${reason}`);
    void booth.shutdown(reason).finally(() => process.exit(EXIT_RESTART));
  });

  for (const command of simControlCommands(booth.devices.devices)) booth.control.register(command.command, command.describe, command.handler);
  if (booth.devices.devices.every((device) => device.compatible.startsWith('sim,'))) {
    // Fault injection for tests and booth-rig; only on an all-simulated booth.
    const captures = booth.captures;
    if (captures) {
      booth.control.register('captures.submit-synthetic', 'seal and store a synthetic package {captures, bytes}; answers once durable', (args) => {
        const count = Number(args.captures ?? 1);
        const bytes = Number(args.bytes ?? 100_000);
        if (!Number.isInteger(count) || count < 1 || count > 256) throw new Error('args.captures must be an integer 1..256');
        if (!Number.isInteger(bytes) || bytes < 1 || bytes > 64 * 1024 * 1024) throw new Error('args.bytes must be an integer 1..67108864');
        return captures.submit(syntheticPackage({ boothId: loaded.config.booth.id, now: Date.now(), captures: count, captureBytes: bytes }));
      });
    }
    booth.control.register('sim.crash', 'throw an uncaught exception inside boothd', () => {
      setImmediate(() => {
        throw new Error('injected crash (sim.crash)');
      });
    });
  }

  logger.info({ config: file, stateDir: loaded.config.stateDir, processId: process.pid }, `boothd starting booth ${loaded.config.booth.id}`);
  await booth.start();
  logger.info({ socket: booth.control.path, broker: booth.brokerUrl }, 'boothd running; Ctrl-C stops it and releases the door');
  if (demo) {
    const centralLog = logger.child({ component: 'central' });
    central = new PrimaryHost({
      hostId: loaded.config.mqtt.primaryHost ?? 'central-sim',
      brokerUrl: booth.brokerUrl!,
      report: (line) => (line.important ? centralLog.info({ topic: line.topic }, line.text) : centralLog.debug({ topic: line.topic }, line.text)),
    });
    await central.start();
    demo.start();
  }
  return -1; // keep running until a signal
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`boothd: fatal: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(70);
  },
);
