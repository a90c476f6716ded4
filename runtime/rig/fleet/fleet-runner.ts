/**
 * Runs a simulated fleet and measures it: N booths (booth-host.ts, spread over `processes`
 * event loops, started at `rampPerSecond`), one primary host with a telemetry monitor
 * (central-host.ts), K capture receivers sharing `$share/fleet-central/…` (receiver-host.ts;
 * one receiver subscribes plainly), on one broker or spread over a cluster's nodes. Once the
 * primary host sees every booth online, a window of `durationSeconds` is measured, with the
 * broker kills of `kills` inside it (failover.ts judges what followed); then sessions stop, the
 * outboxes drain, everything stops and the run's temporary folder (every booth's SessionStore
 * and outbox) is removed — also on SIGINT/SIGTERM or an exception, and no child process
 * outlives the run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureLedger } from './capture-ledger.ts';
import { boothBrokers, failoverFigures, type BrokerKill } from './failover.ts';
import { ChildHost } from './child-host.ts';
import { brokerLimitProblem, ensureOpenFileLimit, FileLimitError, FILES_OVERHEAD, FILES_PER_BOOTH } from './file-limit.ts';
import { makeFleetKeys, writeBoothPublicKeys, type FleetKeys } from './fleet-keys.ts';
import { processesFor, type FleetOptions } from './fleet-options.ts';
import { verdict, type FleetReport } from './fleet-report.ts';
import type { BoothHostStats, CentralStats, FromBoothHost, FromCentralHost, FromReceiverHost, ToBoothHost, ToCentralHost, ToReceiverHost } from './ipc.ts';
import { spread } from './percentiles.ts';
import { MACHINE, ProcWatcher } from './proc-stats.ts';

const HERE = new URL('./', import.meta.url);
const PRIMARY_HOST = 'fleet-central';
const SHARE_GROUP = 'fleet-central';

type BoothChild = ChildHost<ToBoothHost, FromBoothHost>;
type ReceiverChild = ChildHost<ToReceiverHost, FromReceiverHost>;
type CentralChild = ChildHost<ToCentralHost, FromCentralHost>;

export async function runFleet(options: FleetOptions): Promise<FleetReport> {
  const run = new FleetRun(options);
  try {
    return await run.execute();
  } finally {
    await run.cleanup();
  }
}

class FleetRun {
  readonly #options: FleetOptions;
  readonly #processes: number;
  readonly #work: string;
  /** The receivers' folder when the caller gave none (on the system's temporary folder: central has its own disks). */
  readonly #centralTemp: string | undefined;
  readonly #ledger = new CaptureLedger();
  readonly #watcher = new ProcWatcher(Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })), Date.now);
  readonly #boothStats: BoothHostStats[] = [];
  readonly #latestBoothStats = new Map<BoothChild, BoothHostStats>();
  #central: CentralChild | undefined;
  #receivers: ReceiverChild[] = [];
  #boothHosts: BoothChild[] = [];
  #centralStats: CentralStats = { type: 'central-stats', online: 0, births: 0, deaths: 0, seqGaps: 0 };
  readonly #safetyNet = (): void => this.killAllSync();
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.killAllSync();
    process.off(signal, this.#onSignal);
    process.kill(process.pid, signal);
  };

  constructor(options: FleetOptions) {
    this.#options = options;
    this.#processes = processesFor(options);
    this.#work = mkdtempSync(join(options.stateDir ?? tmpdir(), 'booth-fleet-'));
    this.#centralTemp = options.centralOut ? undefined : mkdtempSync(join(tmpdir(), 'booth-fleet-central-'));
    process.on('exit', this.#safetyNet);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, this.#onSignal);
  }

  async execute(): Promise<FleetReport> {
    const o = this.#options;
    const perProcess = Math.ceil(o.booths / this.#processes);
    ensureOpenFileLimit(perProcess * FILES_PER_BOOTH + FILES_OVERHEAD, `${perProcess} booths in one process`);
    for (const kill of o.kills) {
      if (kill.broker < 1 || kill.broker >= o.brokers.length) throw new Error(`kills: broker ${kill.broker} is not one of brokers 1…${o.brokers.length - 1} (0 carries central)`);
      if (o.brokerPids?.[kill.broker] === undefined) throw new Error(`kills: broker ${kill.broker} (${o.brokers[kill.broker]}) has no pid in brokerPids`);
      if (kill.atSecond >= o.durationSeconds) throw new Error(`kills: at ${kill.atSecond} s is not inside the ${o.durationSeconds} s window`);
    }
    const brokerProblem = o.brokerPids?.[0] === undefined ? undefined : brokerLimitProblem(o.brokerPids[0], o.booths);
    if (brokerProblem) throw new FileLimitError(brokerProblem);
    const boothIds = Array.from({ length: o.booths }, (_, index) => `booth-${String(index + 1).padStart(5, '0')}`);
    const keys = makeFleetKeys(boothIds);
    const outDir = o.centralOut ?? this.#centralTemp!;
    mkdirSync(outDir, { recursive: true });
    writeBoothPublicKeys(join(this.#work, 'booth-keys.json'), keys);

    await this.startCentral();
    await this.startReceivers(keys, outDir);
    for (const pid of o.brokerPids ?? []) this.#watcher.watch('broker', pid);
    this.#watcher.start();
    const rampStart = Date.now();
    await this.startBoothHosts(boothIds, keys);
    o.log(`fleet: ${o.booths} booths starting at ${o.rampPerSecond}/s in ${this.#processes} process(es)`);
    const allOnline = await this.waitForAllOnline(rampStart);
    const windowStart = Date.now();
    const onlineAtStart = this.#centralStats.online;
    const deathsBefore = this.#centralStats.deaths;
    o.log(`fleet: ${allOnline === undefined ? `only ${onlineAtStart} online` : `all online after ${allOnline} s`}; measuring ${o.durationSeconds} s`);
    const kills = await this.windowWithKills(windowStart);
    const windowEnd = Date.now();
    const onlineAtEnd = this.#centralStats.online;
    const deathsInWindow = this.#centralStats.deaths - deathsBefore;
    await this.stopSessions();
    this.#central!.send({ type: 'window', from: windowStart, to: windowEnd });
    const window = await this.#central!.waitFor('window-report', 30_000);
    this.#central!.send({ type: 'births' });
    const births = await this.#central!.waitFor('births-report', 30_000);
    const brokersAtEnd = this.brokersNow();
    o.log(`fleet: window done; draining ${this.#ledger.undelivered} packages (at most ${o.drainSeconds} s)`);
    const drainDeadline = Date.now() + o.drainSeconds * 1000;
    while (this.#ledger.undelivered > 0 && Date.now() < drainDeadline) await sleep(250);
    this.#watcher.stop();
    const onDisk = this.#ledger.onDisk(new Set(readdirSync(outDir).filter((name) => !name.startsWith('.'))));
    await this.stopAll();

    const seconds = (windowEnd - windowStart) / 1000;
    const captures = this.#ledger.figures(windowStart, windowEnd);
    const inWindow = this.#boothStats.filter((stats) => stats.at >= windowStart && stats.at <= windowEnd + 2000);
    const lastStats = [...this.#latestBoothStats.values()];
    const expectedSamples = Math.round((o.booths * seconds) / o.telemetrySeconds);
    // Each booth's phase is its own, so a window holds ⌊W/T⌋ or ⌈W/T⌉ of its samples: fewer
    // than ⌊W/T⌋ is a sample missing (or so late it fell out of the window).
    const atLeast = Math.floor(seconds / o.telemetrySeconds);
    const heard = Object.values(window.perNode);
    const missingSamples = (o.booths - heard.length) * atLeast + heard.reduce((sum, count) => sum + Math.max(0, atLeast - count), 0);
    const figures = {
      booths: o.booths,
      processes: this.#processes,
      receivers: o.receivers,
      telemetrySeconds: o.telemetrySeconds,
      capturesPerHour: o.capturesPerHour,
      packageBytes: o.captureBytes,
      windowSeconds: Math.round(seconds),
      ramp: { perSecond: o.rampPerSecond, allOnlineAfterS: allOnline },
      sparkplug: { online: onlineAtStart, onlineAtEnd, births: this.#centralStats.births, deathsInWindow, seqGaps: this.#centralStats.seqGaps },
      telemetry: {
        expectedSamples,
        boothsHeard: Object.keys(window.perNode).length,
        samples: window.samples,
        otherData: window.otherData,
        missingSamples,
        deliveredRatio: atLeast === 0 ? 1 : Math.round((1 - missingSamples / (o.booths * atLeast)) * 10_000) / 10_000,
        maxGapS: Math.round(window.maxGapMs / 100) / 10,
        messagesPerSecond: Math.round(((window.samples + window.otherData) / seconds) * 10) / 10,
        bytesPerSecond: Math.round(window.dataBytes / seconds),
        lagMs: spread(window.lagMs),
        sampleLateMs: spread(inWindow.flatMap((stats) => stats.telemetryLateMs)),
      },
      captures: {
        accepted: captures.accepted,
        acceptedInWindow: captures.acceptedInWindow,
        storedDistinct: onDisk.stored,
        storedByReceiver: Array.from({ length: o.receivers }, (_, index) => this.#ledger.storedBy[index] ?? 0),
        unknownStored: onDisk.unknown,
        storedReports: captures.storedReports,
        storedReportedTwice: captures.storedTwice,
        duplicatesAcked: this.#ledger.events.duplicate,
        rejected: this.#ledger.events.rejected,
        resumes: this.#ledger.events.resume,
        lost: onDisk.lost,
        refused: this.#ledger.events.refused,
        sealedBytesPerSecond: Math.round(captures.sealedBytesInWindow / seconds),
        latencyMs: captures.latencyMs,
        roundTripMs: captures.roundTripMs,
        acceptMs: captures.acceptMs,
        outboxCallsMs: {
          read: spread(inWindow.flatMap((stats) => stats.outboxCallMs.read)),
          attempt: spread(inWindow.flatMap((stats) => stats.outboxCallMs.attempt)),
          erase: spread(inWindow.flatMap((stats) => stats.outboxCallMs.erase)),
        },
        outboxDepth: { windowStart: this.#ledger.depthAt(windowStart), windowEnd: this.#ledger.depthAt(windowEnd), max: this.#ledger.maxDepth(windowStart, windowEnd) },
      },
      ...(kills.length > 0 ? { failover: failoverFigures(kills, births.births, brokersAtEnd, boothIds, o.brokers, windowStart) } : {}),
      eventLoop: { p99Ms: Math.max(0, ...inWindow.map((stats) => stats.loopP99Ms)), maxMs: Math.max(0, ...inWindow.map((stats) => stats.loopMaxMs)) },
      warnings: {
        count: lastStats.reduce((sum, stats) => sum + stats.warnings + stats.errors, 0),
        ...(lastStats.find((stats) => stats.lastWarning) ? { last: lastStats.find((stats) => stats.lastWarning)!.lastWarning! } : {}),
      },
      run: { childPids: this.children().map((child) => child.pid), tempDirs: [this.#work, ...(this.#centralTemp ? [this.#centralTemp] : [])] },
      cpuAndMemory: Object.fromEntries(['broker', 'booths', 'receivers', 'central', MACHINE].map((group) => [group, this.#watcher.figures(group, windowStart, windowEnd)])),
    };
    if (this.#ledger.lastRejection) o.log(`fleet: last rejection: ${this.#ledger.lastRejection}`);
    return { ...figures, ...verdict(figures) };
  }

  private async startCentral(): Promise<void> {
    const o = this.#options;
    const central: CentralChild = new ChildHost('central host', new URL('central-host.ts', HERE));
    this.#central = central;
    central.on('message', (message) => {
      if (message.type === 'central-stats') this.#centralStats = message;
    });
    central.send({ type: 'start', brokers: [...o.brokers], mqttVersion: o.mqttVersion, hostId: PRIMARY_HOST, group: o.group });
    await central.waitFor('ready', 20_000);
    this.#watcher.watch('central', central.pid);
  }

  private async startReceivers(keys: FleetKeys, outDir: string): Promise<void> {
    const o = this.#options;
    for (let index = 0; index < o.receivers; index += 1) {
      const receiver: ReceiverChild = new ChildHost(`receiver ${index + 1}`, new URL('receiver-host.ts', HERE));
      this.#receivers.push(receiver);
      receiver.on('message', (message) => {
        if (message.type === 'receiver-event') this.#ledger.receiverEvent(index, message.event, message.packageId, message.at, message.detail);
      });
      receiver.send({
        type: 'start',
        config: {
          brokerUrl: o.brokers[0]!,
          outDir,
          ...(o.receivers > 1 ? { shareGroup: SHARE_GROUP } : {}),
          mqttVersion: o.mqttVersion,
          centralPrivateKeyPem: keys.central.privateKey,
          boothKeysFile: join(this.#work, 'booth-keys.json'),
        },
      });
      this.#watcher.watch('receivers', receiver.pid);
    }
    await Promise.all(this.#receivers.map((receiver) => receiver.waitFor('ready', 20_000)));
  }

  private async startBoothHosts(boothIds: string[], keys: FleetKeys): Promise<void> {
    const o = this.#options;
    const entry = o.boothHost ?? new URL('booth-host.ts', HERE);
    for (let index = 0; index < this.#processes; index += 1) {
      const host: BoothChild = new ChildHost(`booth host ${index + 1}`, entry, o.boothHostNodeOptions);
      this.#boothHosts.push(host);
      host.on('message', (message) => this.onBoothMessage(host, message));
      this.#watcher.watch('booths', host.pid);
    }
    await Promise.all(this.#boothHosts.map((host) => host.waitFor('ready', 20_000)));
    this.#boothHosts.forEach((host, index) => {
      const mine = boothIds.map((boothId, number) => ({ boothId, number })).filter(({ number }) => number % this.#processes === index);
      host.send({
        type: 'start',
        config: {
          group: o.group,
          primaryHost: PRIMARY_HOST,
          mqttVersion: o.mqttVersion,
          booths: mine.map(({ boothId, number }) => ({
            boothId,
            dir: join(this.#work, 'booths', boothId),
            privateKeyPem: keys.booths.get(boothId)!.privateKey,
            brokers: boothBrokers(o.brokers, number),
          })),
          centralPublicKeyPem: keys.central.publicKey,
          rampPerSecond: o.rampPerSecond / this.#processes,
          telemetryMs: o.telemetrySeconds * 1000,
          capturesPerHour: o.capturesPerHour,
          sessionMs: o.sessionSeconds * 1000,
          captureBytes: o.captureBytes,
          capturesPerPackage: o.capturesPerPackage,
          maxChunkBytes: o.maxChunkBytes,
          seed: o.seed * 1000 + index,
        },
      });
    });
  }

  private onBoothMessage(host: BoothChild, message: FromBoothHost): void {
    if (message.type === 'accepted') this.#ledger.accepted(message.boothId, message.packageId, message.at, message.acceptMs, message.bytes);
    else if (message.type === 'delivered') this.#ledger.delivered(message.packageId, message.at);
    else if (message.type === 'refused') this.#ledger.refused();
    else if (message.type === 'stats') {
      this.#boothStats.push(message);
      this.#latestBoothStats.set(host, message);
    }
  }

  /**
   * Waits out the measurement window, killing the brokers `kills` names on time; returns, per
   * kill, when it happened and how many booths were online on that broker just before.
   */
  private async windowWithKills(windowStart: number): Promise<BrokerKill[]> {
    const o = this.#options;
    const done: BrokerKill[] = [];
    for (const kill of [...o.kills].sort((a, b) => a.atSecond - b.atSecond)) {
      await sleep(Math.max(0, windowStart + kill.atSecond * 1000 - Date.now()));
      const url = o.brokers[kill.broker]!;
      const boothsOnIt = this.brokersNow()[url] ?? 0;
      const pid = o.brokerPids![kill.broker]!;
      process.kill(pid, 'SIGKILL');
      done.push({ broker: url, pid, at: Date.now(), boothsOnIt });
      o.log(`fleet: killed broker ${url} (pid ${pid}) with ${boothsOnIt} booths on it`);
    }
    await sleep(Math.max(0, windowStart + o.durationSeconds * 1000 - Date.now()));
    return done;
  }

  /** Booths online per broker, from each booth host's latest stats (at most 2 s old). */
  private brokersNow(): Record<string, number> {
    const total: Record<string, number> = {};
    for (const stats of this.#latestBoothStats.values()) {
      for (const [url, count] of Object.entries(stats.brokers)) total[url] = (total[url] ?? 0) + count;
    }
    return total;
  }

  /** Seconds from the first start until the primary host sees every booth online; undefined if it never does. */
  private async waitForAllOnline(rampStart: number): Promise<number | undefined> {
    const o = this.#options;
    const deadline = rampStart + (o.booths / o.rampPerSecond) * 1000 + 60_000;
    while (this.#centralStats.online < o.booths && Date.now() < deadline) {
      for (const host of this.children()) {
        if (!host.running) throw new Error(`${host.name} exited during the ramp`);
      }
      await sleep(200);
    }
    return this.#centralStats.online >= o.booths ? Math.round((Date.now() - rampStart) / 100) / 10 : undefined;
  }

  /**
   * No new sessions anywhere, and every package a booth accepted before that is in the ledger:
   * without the answer, a host whose event loop ran late could report an accept after the drain
   * had already found the ledger empty (a package counted accepted but not looked for on disk).
   */
  private async stopSessions(): Promise<void> {
    await Promise.all(
      this.#boothHosts.map(async (host) => {
        host.send({ type: 'stop-sessions' });
        await host.waitFor('sessions-stopped', 30_000).catch((error: unknown) => this.#options.log(`fleet: ${(error as Error).message}`));
      }),
    );
  }

  private async stopAll(): Promise<void> {
    await Promise.all(this.#boothHosts.map((host) => host.stop({ type: 'stop' }, 60_000)));
    await Promise.all(this.#receivers.map((receiver) => receiver.stop({ type: 'stop' }, 10_000)));
    await this.#central?.stop({ type: 'stop' }, 10_000);
  }

  private children(): Array<BoothChild | ReceiverChild | CentralChild> {
    return [...this.#boothHosts, ...this.#receivers, ...(this.#central ? [this.#central] : [])];
  }

  async cleanup(): Promise<void> {
    const children = this.children();
    for (const child of children) child.killNow();
    await Promise.all(children.map((child) => child.exited));
    this.#watcher.stop();
    this.removeTemporaryFolders();
    process.off('exit', this.#safetyNet);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, this.#onSignal);
  }

  private killAllSync(): void {
    for (const child of this.children()) child.killNow();
    this.removeTemporaryFolders();
  }

  private removeTemporaryFolders(): void {
    for (const dir of [this.#work, this.#centralTemp]) if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
