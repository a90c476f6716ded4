/**
 * The composition root: builds the whole object graph of one booth from a checked manifest and
 * injected clock, logger and randomness. Nothing in the runtime reaches for a global; tests
 * build a booth the same way with a fake clock.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { AnyDevice, Clock } from '../hal/index.ts';
import { loadPublicKey } from '../protocols/capture/keys.ts';
import { CommandAuthority } from '../protocols/sparkplug/command-authority.ts';
import { EdgeNode } from '../protocols/sparkplug/edge-node.ts';
import { EdgeModel } from '../protocols/sparkplug/metric-model.ts';
import { SessionStore } from '../protocols/sparkplug/session-store.ts';
import { AuditLog } from './audit/audit-log.ts';
import { EmbeddedBroker } from './broker/embedded-broker.ts';
import type { LoadedConfig } from './config/load.ts';
import { ControlServer } from './control/control-server.ts';
import { logDeviceEvents } from './devices/device-event-log.ts';
import { DeviceManager } from './devices/device-manager.ts';
import { DeviceLocks } from './devices/device-locks.ts';
import { mqttTlsOptions } from './config/mqtt-tls.ts';
import { usesEmbeddedBroker } from './config/schema.ts';
import type { BoothLogger } from './logging/logger.ts';
import { DoorGuard } from './safety/door-guard.ts';
import type { RandomSource } from '../hal/backoff.ts';
import { Supervisor, type Component } from './supervisor/supervisor.ts';
import { CaptureService } from './captures/capture-service.ts';
import { BoothTelemetry } from './telemetry/booth-telemetry.ts';
import { SessionOrchestrator } from './session/session-orchestrator.ts';
import { SessionMetrics } from './session/session-metrics.ts';
import { logSessionProgress } from './session/session-log.ts';
import { PersonInterface } from './session/person-interface.ts';
import { MessageCatalogue } from './i18n/catalogue.ts';
import { CommandExecutor } from './telemetry/command-executor.ts';
import { PngThreadEncoder } from './imaging/png-thread-encoder.ts';

export interface BoothDependencies {
  clock: Clock;
  logger: BoothLogger;
  random?: RandomSource;
}

export interface BoothStatus {
  boothId: string;
  group: string;
  startedAt: number;
  uptimeMs: number;
  door: { state: string; fireAlarm: boolean };
  session?: { state: string; sessionId?: string; reason?: string };
  sparkplug: { state: string; broker?: string; bdSeq?: number; storedMessages: number; droppedMessages: number };
  outbox?: { depth: number; bytes: number; oldestAt?: number; overdue: number; full: boolean };
  /** The capture uploads' own connection (it may be on another broker of `mqtt.urls` than Sparkplug). */
  uploads?: { broker?: string; connected: boolean };
  devices: Awaited<ReturnType<DeviceManager['health']>>;
  components: ReturnType<Supervisor['status']>;
}

export interface BoothEvents {
  /** A remote command asked boothd to restart; the entry point stops and exits for systemd. */
  'restart-requested': [reason: string];
}

export class Booth extends EventEmitter<BoothEvents> {
  readonly config: LoadedConfig['config'];
  readonly clock: Clock;
  readonly logger: BoothLogger;
  readonly audit: AuditLog;
  readonly devices: DeviceManager;
  readonly door: DoorGuard;
  readonly control: ControlServer;
  readonly supervisor: Supervisor;
  readonly sparkplug: { model: EdgeModel; store: SessionStore; node: EdgeNode; telemetry: BoothTelemetry };
  /** The capture path (outbox, sealing, uploads); undefined when the manifest has no `captures`. */
  readonly captures: CaptureService | undefined;
  /** The enrolment session; undefined when the manifest has no `session`. */
  readonly session: SessionOrchestrator | undefined;
  /** The kiosk API and the spoken prompts; present with a session. */
  readonly person: PersonInterface | undefined;
  /** PNG-encodes the session's slaps and palms on a worker thread (started on the first image); present with a session. */
  readonly pngEncoder: PngThreadEncoder | undefined;
  readonly #serials = new Map<string, string>();
  #broker: EmbeddedBroker | undefined;
  #brokerUrl: string | undefined;
  #startedAt = 0;
  readonly #manifest: { file: string; sha256: string; overrides: string[] };

  constructor(loaded: LoadedConfig, dependencies: BoothDependencies) {
    super();
    const { clock, logger, random } = dependencies;
    const { config } = loaded;
    this.config = config;
    this.clock = clock;
    this.logger = logger;
    this.audit = new AuditLog(join(config.stateDir, 'audit.log'), clock, logger.child({ component: 'audit' }), config.audit);
    this.#manifest = { file: loaded.file, sha256: loaded.sha256, overrides: loaded.overrides };
    const devices: AnyDevice[] = loaded.devices.map(({ entry, driver, props }) =>
      driver.create({ id: entry.id, compatible: entry.compatible, bus: entry.bus, clock, stateDir: config.stateDir }, props),
    );
    const backoff = {
      initialMs: config.supervisor.retryInitialMs,
      maxMs: config.supervisor.retryMaxMs,
      jitter: config.supervisor.retryJitter,
    };
    this.devices = new DeviceManager({
      devices,
      clock,
      logger: logger.child({ component: 'devices' }),
      backoff,
      locks: new DeviceLocks(config.stateDir, 'boothd'),
      ...(random ? { random } : {}),
    });
    logDeviceEvents(this.devices, logger.child({ component: 'devices' }), this.audit);
    this.door = new DoorGuard({
      manager: this.devices,
      clock,
      audit: this.audit,
      logger: logger.child({ component: 'door' }),
      maxLockSeconds: config.door.maxLockSeconds,
      lockTimeoutMs: config.door.lockTimeoutMs,
    });
    this.captures = config.captures ? new CaptureService({ config, clock, audit: this.audit, logger }) : undefined;
    this.devices.on('ready', (device, info) => this.#serials.set(device.id, info.serial));
    // A broken catalogue stops the start (every problem listed) before a person sees a missing text.
    const catalogue = config.session ? MessageCatalogue.load() : undefined;
    this.pngEncoder = config.session ? new PngThreadEncoder() : undefined;
    this.session = config.session
      ? new SessionOrchestrator({
          config: config.session,
          boothId: config.booth.id,
          devices: this.devices,
          door: this.door,
          captures: this.captures,
          clock,
          logger: logger.child({ component: 'session' }),
          audit: this.audit,
          serialOf: (id) => this.serialOf(id),
          text: (language, key) => catalogue!.text(language, key),
          ...(this.pngEncoder ? { pngEncoder: this.pngEncoder } : {}),
        })
      : undefined;
    if (this.session) logSessionProgress(this.session, logger.child({ component: 'session' }));
    this.person =
      this.session && catalogue
        ? new PersonInterface({ config, manifestFile: loaded.file, session: this.session, catalogue, clock, logger: logger.child({ component: 'kiosk' }) })
        : undefined;
    this.sparkplug = this.buildSparkplug(dependencies);
    this.control = new ControlServer(join(config.stateDir, 'boothd.sock'), logger.child({ component: 'control' }));
    this.registerControlCommands();
    this.supervisor = new Supervisor({ clock, logger: logger.child({ component: 'supervisor' }), backoff, ...(random ? { random } : {}) });
    this.supervisor
      .add(this.doorSafetyComponent())
      .add(this.devicesComponent())
      .add(this.brokerComponent())
      .add(this.telemetryComponent())
      .add(this.capturesComponent())
      .add(this.sessionComponent())
      .add(this.kioskComponent())
      .add(this.controlComponent());
  }

  /** Starts everything in order; the door is released before any other device is opened. */
  async start(): Promise<void> {
    this.#startedAt = this.clock.now();
    this.audit.record('boothd.starting', { booth: this.config.booth.id });
    const { file, sha256, overrides } = this.#manifest;
    this.audit.record('config.loaded', { file, sha256, ...(overrides.length > 0 ? { overrides: overrides.join(',') } : {}) });
    // The whole kept chain is verified in the background (the door release does not wait for it).
    void this.audit.selfCheck().catch((error: unknown) => this.logger.error({ err: error }, `audit self-check failed to run: ${(error as Error).message}`));
    await this.supervisor.start();
  }

  /** Releases the door first, then stops every component in reverse order. */
  async shutdown(reason: string): Promise<void> {
    await this.door.release(`shutdown: ${reason}`);
    await this.supervisor.stop();
    // The session has ended (and dropped what it did not commit): its encoder thread goes too.
    await this.pngEncoder?.close();
    // Closed here, not when the telemetry component stops: a component the supervisor restarts
    // (e.g. while the broker is down) must find its store still open.
    this.sparkplug.store.close();
    this.audit.record('boothd.stopped', { reason });
    this.audit.close();
  }

  async status(): Promise<BoothStatus> {
    return {
      boothId: this.config.booth.id,
      group: this.config.booth.group,
      startedAt: this.#startedAt,
      uptimeMs: this.clock.now() - this.#startedAt,
      door: { state: this.door.state, fireAlarm: this.door.fireAlarmActive },
      ...(this.session ? { session: sessionStatus(this.session.snapshot()) } : {}),
      sparkplug: this.sparkplugStatus(),
      ...(this.captures ? { outbox: this.captures.stats() } : {}),
      ...(this.captures ? { uploads: uploadsStatus(this.captures.uploader) } : {}),
      devices: await this.devices.health(),
      components: this.supervisor.status(),
    };
  }

  private sparkplugStatus(): BoothStatus['sparkplug'] {
    const { node, store } = this.sparkplug;
    const stats = store.stats();
    return {
      state: node.state,
      ...(this.brokerUrl ? { broker: this.brokerUrl } : {}),
      ...(node.bdSeq === undefined ? {} : { bdSeq: node.bdSeq }),
      storedMessages: stats.pending,
      droppedMessages: stats.dropped,
    };
  }

  private doorSafetyComponent(): Component {
    return {
      name: 'door-safety',
      start: () => this.door.releaseAtStartup(),
      stop: async () => this.door.dispose(),
    };
  }

  private devicesComponent(): Component {
    return {
      name: 'devices',
      start: () => this.devices.openAll(),
      stop: () => this.devices.closeAll(),
    };
  }

  /**
   * The broker URL in use by Sparkplug (of several in `mqtt.urls`, the one connected or being
   * tried), else the manifest's first, or the embedded broker's once it runs.
   */
  get brokerUrl(): string | undefined {
    return this.sparkplug.node.broker ?? this.config.mqtt.url ?? this.config.mqtt.urls?.[0] ?? this.#brokerUrl;
  }

  private buildSparkplug({ clock, logger, random }: BoothDependencies): Booth['sparkplug'] {
    const { config } = this;
    // A missing or wrong command key stops the start (exit 2) before anything is opened.
    const commandKeyFile = config.commands.centralPublicKeyFile;
    const commandKey = commandKeyFile ? loadPublicKey(commandKeyFile, 'commands') : undefined;
    const model = new EdgeModel();
    const store = new SessionStore(join(config.stateDir, 'sparkplug.db'), {
      maxBytes: config.sparkplug.storeMaxBytes,
      maxAgeMs: config.sparkplug.storeMaxAgeSeconds * 1000,
    });
    let telemetry: BoothTelemetry | undefined;
    const authority = new CommandAuthority({
      group: config.booth.group,
      node: config.booth.id,
      publicKey: commandKey,
      skewMs: config.commands.clockSkewSeconds * 1000,
      clock,
      ledger: store,
    });
    if (!commandKey) logger.warn({}, 'no commands.centralPublicKeyFile in the manifest: state-changing remote commands will be refused (unlock and rebirth still work)');
    const executor = new CommandExecutor({
      authorize: (batch) => authority.authorize(batch),
      devices: this.devices,
      door: this.door,
      audit: this.audit,
      requestRestart: (reason) => this.emit('restart-requested', reason),
      report: (device, result) => telemetry?.reportCommandResult(device, result),
    });
    const node = new EdgeNode({
      group: config.booth.group,
      node: config.booth.id,
      ...(config.mqtt.primaryHost ? { primaryHost: config.mqtt.primaryHost } : {}),
      model,
      store,
      clock,
      logger: logger.child({ component: 'sparkplug' }),
      execute: (batch) => executor.execute(batch),
      reconnect: { initialMs: config.supervisor.retryInitialMs, maxMs: config.supervisor.retryMaxMs, jitter: config.supervisor.retryJitter },
      ...(random ? { random } : {}),
      mqttOptions: mqttTlsOptions(config.mqtt.tls),
      dataBatchMs: config.sparkplug.dataBatchMs,
      replayPerSecond: config.sparkplug.replayPerSecond,
      rebirthDebounceMs: config.sparkplug.rebirthDebounceMs,
    });
    telemetry = new BoothTelemetry({
      model,
      devices: this.devices,
      door: this.door,
      clock,
      stateDir: config.stateDir,
      sampleMs: config.sparkplug.sampleSeconds * 1000,
      logger: logger.child({ component: 'telemetry' }),
      counters: {
        commandsExecuted: () => node.counters.executed,
        commandsRejected: () => node.counters.rejected,
        badMessages: () => node.counters.badMessages,
        storePending: () => store.stats().pending,
        storeDropped: () => store.stats().dropped,
      },
      ...(this.captures ? { outbox: () => this.captures!.stats() } : {}),
      audit: () => this.audit.summary(),
    });
    if (this.session) new SessionMetrics(model, this.session, clock); // lives as long as the model: listeners only
    return { model, store, node, telemetry };
  }

  /**
   * The broker to connect to. Without one (the embedded broker did not start) this throws, so the
   * supervisor retries the component with backoff — MQTT.js would otherwise quietly fall back to
   * 127.0.0.1:1883 and publish to whatever listens there.
   */
  private requireBroker(): readonly string[] {
    const { url, urls } = this.config.mqtt;
    const brokers = urls ?? [url ?? this.#brokerUrl].filter((broker): broker is string => Boolean(broker));
    if (brokers.length === 0) throw new Error('no broker: mqtt.url(s) is not set and the embedded broker is not running');
    return brokers;
  }

  private brokerComponent(): Component {
    return {
      name: 'broker',
      start: async () => {
        if (!usesEmbeddedBroker(this.config.mqtt)) return;
        const { host, port } = this.config.mqtt.embeddedBroker;
        this.#broker = new EmbeddedBroker({ host, port, logger: this.logger.child({ component: 'broker' }) });
        this.#brokerUrl = (await this.#broker.start()).url;
      },
      stop: async () => {
        await this.#broker?.stop();
        this.#broker = undefined;
      },
    };
  }

  private telemetryComponent(): Component {
    const { node, telemetry } = this.sparkplug;
    return {
      name: 'telemetry',
      start: async () => {
        const brokers = this.requireBroker(); // before anything starts, so a retry starts from clean
        telemetry.start();
        node.start(brokers);
      },
      stop: async () => {
        await node.stop();
        telemetry.stop();
      },
    };
  }

  private capturesComponent(): Component {
    return {
      name: 'captures',
      start: async () => this.captures?.start(this.requireBroker()),
      stop: async () => this.captures?.stop(),
    };
  }

  /** The serial number a device reported when it was last opened. */
  serialOf(deviceId: string): string {
    return this.#serials.get(deviceId) ?? '';
  }

  private sessionComponent(): Component {
    return { name: 'session', start: async () => this.session?.start(), stop: async () => this.session?.stop() };
  }

  private kioskComponent(): Component {
    return { name: 'kiosk', start: async () => this.person?.start(), stop: async () => this.person?.stop() };
  }

  private controlComponent(): Component {
    return { name: 'control', start: () => this.control.start(), stop: () => this.control.stop() };
  }

  private registerControlCommands(): void {
    const reasonOf = (args: Record<string, unknown>, fallback: string) =>
      typeof args.reason === 'string' && args.reason !== '' ? args.reason.slice(0, 200) : fallback;
    this.control.register('status', 'booth, door and device status', () => this.status());
    this.control.register('door.lock', 'lock the door {reason} (refused when unsafe)', async (args) => {
      await this.door.lock(reasonOf(args, 'control socket'));
      return { state: this.door.state };
    });
    this.control.register('outbox.status', 'capture outbox depth, bytes and pending packages (ids and sizes only)', () => {
      if (!this.captures) throw new Error('this booth has no capture path (no `captures` in the manifest)');
      return { ...this.captures.stats(), pending: this.captures.outbox.pending(100) };
    });
    this.control.register('session.status', 'the enrolment session: state, step, door, and why when escalated or out of service', () => {
      if (!this.session) throw new Error('this booth runs no sessions (no `session` in the manifest)');
      const { prompt: _prompt, ...view } = this.session.snapshot();
      return view;
    });
    this.control.register('session.officer', "an officer's decision on the escalated session {decision: resume|commit|discard, officer}", (args) => {
      if (!this.session) throw new Error('this booth runs no sessions (no `session` in the manifest)');
      const decision = args.decision;
      if (decision !== 'resume' && decision !== 'commit' && decision !== 'discard') throw new Error('args.decision must be resume, commit or discard');
      if (typeof args.officer !== 'string' || !/^[\w.@-]{1,64}$/.test(args.officer)) throw new Error('args.officer must be an officer id (1-64 letters, digits, . _ @ -)');
      return this.session.officer(decision, args.officer);
    });
    this.control.register('door.unlock', 'release the door {reason}; always accepted', async (args) => {
      await this.door.release(reasonOf(args, 'control socket'));
      return { state: this.door.state };
    });
  }
}


function uploadsStatus(uploader: NonNullable<Booth['captures']>['uploader']): NonNullable<BoothStatus['uploads']> {
  const broker = uploader.broker;
  return { ...(broker === undefined ? {} : { broker }), connected: uploader.connected };
}

function sessionStatus(snapshot: ReturnType<SessionOrchestrator['snapshot']>): NonNullable<BoothStatus['session']> {
  return {
    state: snapshot.state,
    ...(snapshot.sessionId ? { sessionId: snapshot.sessionId } : {}),
    ...(snapshot.reason ? { reason: snapshot.reason } : {}),
  };
}
