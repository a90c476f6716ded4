/**
 * boothd entry point: parse arguments, check the manifest (exit 2 before touching hardware when
 * it is wrong), build the booth, tie the door to the process's life, start, and run until a
 * signal. The only place besides the other entry points allowed to call process.exit.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../hal/clock.ts';
import { simControlCommands } from '../simulator/control-hooks.ts';
import { sdkSimCommands } from '../simulator/sdk/control-commands.ts';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadPrivateKey, loadPublicKey } from '../protocols/capture/keys.ts';
import { createX25519Crypto } from '../protocols/capture/x25519-aes-gcm.ts';
import { CaptureReceiver } from '../simulator/central/capture-receiver.ts';
import { PrimaryHost } from '../simulator/central/primary-host.ts';
import { usesEmbeddedBroker, type BoothConfig as LoadedConfigType } from './config/schema.ts';
import { DemoVisit } from '../simulator/scenarios/demo-visit.ts';
import { DemoCrowd } from '../simulator/people/demo-crowd.ts';
import { personDevicesOf } from '../simulator/people/person-devices.ts';
import { syntheticPackage } from '../simulator/captures/synthetic-package.ts';
import { Booth } from './booth.ts';
import { ConfigError } from './config/errors.ts';
import { loadConfigFile } from './config/load.ts';
import { builtinDrivers } from './devices/builtin-drivers.ts';
import { createLogger } from './logging/logger.ts';
import { RecentLogs } from './logging/recent-logs.ts';
import { registerTechnicianCommands } from './control/technician-commands.ts';
import { readFileSync } from 'node:fs';
import { installProcessGuard } from './safety/process-guard.ts';
import { SystemdService } from './systemd/service.ts';

const USAGE = `usage: boothd --config <file> [--demo]
       boothd --check-config <file>

  --config <file>        run the booth described by this manifest
  --check-config <file>  validate the manifest and exit (0 valid, 2 invalid)
  --demo                 play a scripted visit on the simulated booth, again and again, with a
                         simulated central primary host showing what it receives (the booth's
                         half goes through the manifest's drivers, real ones under make run-wire)
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
  const recentLogs = new RecentLogs();
  const logger = createLogger({ level: loaded.config.log.level, pretty: format === 'pretty', base: { booth: loaded.config.booth.id }, tee: recentLogs });
  let booth: Booth;
  try {
    booth = new Booth(loaded, { clock: systemClock, logger });
  } catch (error) {
    // e.g. a capture key file that is missing or of the wrong type: nothing has been touched yet.
    process.stderr.write(`boothd: cannot start: ${(error as Error).message}\n`);
    return EXIT_CONFIG;
  }
  // Type=notify: READY after start, the watchdog while healthy, STOPPING on the way out.
  const systemd = new SystemdService(booth, { env: process.env, pid: process.pid, logger: logger.child({ component: 'systemd' }) });
  const serials = new Map<string, string>();
  booth.devices.on('ready', (device, info) => serials.set(device.id, info.serial));
  const captures = booth.captures;
  // With a session in the manifest the demo sends simulated people through real sessions; without
  // one (make run-wire's real drivers) it plays the scripted visit through HAL calls.
  const demo = !values.demo
    ? undefined
    : booth.session
    ? new DemoCrowd(booth.session, personDevicesOf(booth.devices.devices), { clock: systemClock, logger: logger.child({ component: 'demo' }) })
    : new DemoVisit(booth.devices.devices, {
        clock: systemClock,
        logger: logger.child({ component: 'demo' }),
        door: booth.door,
        boothId: loaded.config.booth.id,
        serialOf: (id) => serials.get(id) ?? 'unknown',
        ...(captures ? { submit: (pkg: Parameters<typeof captures.submit>[0]) => void captures.submit(pkg) } : {}),
      });

  let central: PrimaryHost | undefined;
  let receiver: CaptureReceiver | undefined;
  installProcessGuard(process, {
    releaseDoor: (reason) => booth.door.release(reason),
    shutdown: async (reason) => {
      systemd.stopping(reason);
      await demo?.stop();
      // The demo's central side first: its MQTT clients talk to the broker inside the booth,
      // and an MQTT client ending after its broker has gone may wait for ever. On the booth's own
      // broker it leaves without announcing itself offline: that broker keeps nothing once it stops,
      // and the announcement would only make the booth disconnect and reconnect its Sparkplug
      // session on the way out (a warning on every Ctrl-C of make run). On an outside broker the
      // retained online STATE would outlive the demo, so there it says goodbye.
      await central?.stop({ announceOffline: !usesEmbeddedBroker(loaded.config.mqtt) });
      await receiver?.stop();
      await booth.shutdown(reason);
      logger.info({ reason }, 'boothd stopped; door released');
    },
    onFatal: (error, origin) => logger.fatal({ err: error, origin }, `boothd ${origin}; releasing the door and exiting`),
  });

  booth.on('restart-requested', (reason) => {
    logger.warn({ reason }, `restart requested: ${reason}`);
    systemd.stopping(`restart requested: ${reason}`);
    void booth.shutdown(reason).finally(() => process.exit(EXIT_RESTART));
  });

  registerTechnicianCommands(booth, { recentLogs, configFile: resolve(file), version: packageVersion() });
  for (const command of simControlCommands(booth.devices.devices)) booth.control.register(command.command, command.describe, command.handler);
  const sdkLibraries = loaded.devices.flatMap(({ entry }) => (entry.bus.type === 'sdk' ? [entry.bus.library] : []));
  for (const command of sdkSimCommands(sdkLibraries)) booth.control.register(command.command, command.describe, command.handler);
  if (booth.devices.devices.every((device) => device.compatible.startsWith('sim,'))) {
    // Fault injection for tests and booth-rig; only on an all-simulated booth.
    if (captures) {
      booth.control.register('captures.submit-synthetic', 'seal and store a synthetic package {captures, bytes}; answers once durable', (args) => {
        const count = Number(args.captures ?? 1);
        const bytes = Number(args.bytes ?? 100_000);
        if (!Number.isInteger(count) || count < 1 || count > 256) throw new Error('args.captures must be an integer 1..256');
        if (!Number.isInteger(bytes) || bytes < 1 || bytes > 64 * 1024 * 1024) throw new Error('args.bytes must be an integer 1..67108864');
        return captures.submit(syntheticPackage({ boothId: loaded.config.booth.id, now: Date.now(), captures: count, captureBytes: bytes }));
      });
    }
    booth.control.register('sim.block-loop', 'block the event loop for {ms} (the systemd watchdog test); STATUS marks start and end', (args) => {
      const ms = Number(args.ms ?? 1000);
      if (!Number.isInteger(ms) || ms < 1 || ms > 60_000) throw new Error('args.ms must be an integer 1..60000');
      systemd.status(`sim: event loop blocked for ${ms} ms`);
      // Atomics.wait parks the main thread like a hung handler would: no timer, no I/O runs.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      systemd.status('sim: event loop free again');
      return { blockedMs: ms };
    });
    booth.control.register('sim.crash', 'throw an uncaught exception inside boothd', () => {
      setImmediate(() => {
        throw new Error('injected crash (sim.crash)');
      });
    });
  }

  logger.info({ config: file, stateDir: loaded.config.stateDir, processId: process.pid }, `boothd starting booth ${loaded.config.booth.id}`);
  await booth.start();
  systemd.ready();
  logger.info({ socket: booth.control.path, broker: booth.brokerUrl }, 'boothd running; Ctrl-C stops it and releases the door');
  if (booth.person?.url) logger.info({ kiosk: booth.person.url }, `kiosk screen at ${booth.person.url}/ (open it in a browser to watch the sessions)`);
  if (demo) {
    const centralLog = logger.child({ component: 'central' });
    central = new PrimaryHost({
      hostId: loaded.config.mqtt.primaryHost ?? 'central-sim',
      brokerUrl: booth.brokerUrl!,
      report: (line) => (line.important ? centralLog.info({ topic: line.topic }, line.text) : centralLog.debug({ topic: line.topic }, line.text)),
    });
    await central.start();
    receiver = await startDemoReceiver(loaded.config, booth.brokerUrl!, centralLog);
    demo.start();
  }
  return -1; // keep running until a signal
}

/**
 * For the demo: the central receiver in this process, when the central private key lies next to
 * the central public key the booth encrypts to (make run generates both into var/keys).
 */
async function startDemoReceiver(
  config: LoadedConfigType,
  brokerUrl: string,
  log: { info(object: object, message: string): void; warn(object: object, message: string): void },
): Promise<CaptureReceiver | undefined> {
  if (!config.captures) return undefined;
  const centralKey = join(dirname(config.captures.centralPublicKeyFile), 'central.key');
  const boothPublic = config.captures.boothKeyFile.replace(/\.key$/, '.pub');
  if (!existsSync(centralKey) || !existsSync(boothPublic)) return undefined;
  const boothKey = loadPublicKey(boothPublic, 'booth');
  const receiver = new CaptureReceiver({
    brokerUrl,
    outDir: join(config.stateDir, 'central-received'),
    crypto: createX25519Crypto({ centralPrivateKey: loadPrivateKey(centralKey, 'central') }),
    boothKey: (boothId) => (boothId === config.booth.id ? boothKey : undefined),
    protocolVersion: 4,
    report: (report) =>
      report.event === 'rejected'
        ? log.warn({ packageId: report.packageId }, `capture package ${report.packageId} REJECTED: ${report.detail}`)
        : log.info({ packageId: report.packageId }, `capture package ${report.packageId} ${report.event}: ${report.detail}`),
  });
  await receiver.start();
  return receiver;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
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
