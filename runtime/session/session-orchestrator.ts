/**
 * The enrolment session, end to end: waits for a person, checks the booth, runs the configured
 * steps (session-steps.ts), commits the package durably to the outbox, and ends every session —
 * completed, refused, cancelled, abandoned, escalated or interrupted by the fire alarm — with the
 * door unlocked. The person's screen follows through `state`/`prompt`/`preview`/`quality`
 * events (the kiosk API carries them); officers decide on escalated sessions through `officer()`.
 *
 * Door policy: lock only once a session starts with the person inside (and only when the manifest
 * says the booth locks), release on every ending; the DoorGuard itself adds the max lock time,
 * the exit button, the fire alarm and device faults.
 */
import { EventEmitter } from 'node:events';
import type { AnyDevice, Clock, DeviceError, Sensors, TimerHandle } from '../../hal/index.ts';
import { newUuidV7 } from '../../protocols/capture/package-codec.ts';
import type { PngEncoder } from '../../protocols/imaging/png.ts';
import type { AuditSink } from '../audit/audit-log.ts';
import type { BoothLogger } from '../logging/logger.ts';
import { ActionWaiter } from './action-waiter.ts';
import { neededClasses, precheck } from './precheck.ts';
import type { SessionConfig } from './session-config.ts';
import {
  ALLOWED_ACTIONS,
  SessionActionError,
  type CaptureTarget,
  type Language,
  type PersonAction,
  type Prompt,
  type SessionEvents,
  type SessionPort,
  type SessionSnapshot,
  type SessionState,
  type SessionStep,
} from '../../protocols/kiosk/session-contract.ts';
import { SessionEnd } from './session-end.ts';
import { SessionRecord } from '../../protocols/capture/session-record.ts';
import { SessionStats } from './session-stats.ts';
import { runStep, stepsOf } from './session-steps.ts';
import type { StepContext } from './step-context.ts';
import { checkAction } from './action-checks.ts';
import { AfterSession, type OfficerDecision } from './after-session.ts';

/** What the session needs from the door guard. */
export interface SessionDoor {
  readonly state: 'released' | 'locking' | 'locked';
  readonly fireAlarmActive: boolean;
  lock(reason: string): Promise<void>;
  release(reason: string): Promise<void>;
}

/** What the session needs from the capture path. */
export interface SessionCaptures {
  submit(pkg: ReturnType<SessionRecord['build']>): unknown;
  admission(expectedBytes: number): { ok: true } | { ok: false; reason: string };
}

/** What the session needs from the device manager. */
export interface SessionDevices {
  readonly devices: readonly AnyDevice[];
  on(event: 'lost' | 'fault', listener: (device: AnyDevice, error: DeviceError) => void): unknown;
  off(event: 'lost' | 'fault', listener: (device: AnyDevice, error: DeviceError) => void): unknown;
}

export interface SessionOrchestratorOptions {
  config: SessionConfig;
  boothId: string;
  devices: SessionDevices;
  door: SessionDoor;
  captures: SessionCaptures | undefined;
  clock: Clock;
  logger: BoothLogger;
  audit: AuditSink;
  serialOf(deviceId: string): string;
  /** A catalogue text (for the signature pad's own screen). */
  text(language: Language, key: string): string;
  /** Encodes the slaps and palms off the event loop (boothd: a worker thread); absent: on it, as they are kept. */
  pngEncoder?: PngEncoder;
}

/** A full session with uncompressed slaps and palms: what must fit in the outbox to start one. */
const TYPICAL_SESSION_BYTES = 16 * 1024 * 1024;

export class SessionOrchestrator extends EventEmitter<SessionEvents> implements SessionPort {
  readonly #options: SessionOrchestratorOptions;
  readonly #steps: SessionStep[];
  readonly #waiter: ActionWaiter;
  readonly #after: AfterSession;
  #state: SessionState = 'idle';
  #prompt: Prompt | undefined;
  #promptBeforeQuestion: Prompt | undefined;
  #target: CaptureTarget | undefined;
  #reason: string | undefined;
  #stepIndex = 0;
  #record: SessionRecord | undefined;
  #controller: AbortController | undefined;
  #stats: SessionStats | undefined;
  #running: Promise<void> | undefined;
  #sessionTimer: TimerHandle | undefined;
  #leaveTimer: TimerHandle | undefined;
  /** undefined: no occupancy sensor. */
  #occupied: boolean | undefined;
  /** After a session, occupancy must clear before it may start the next one. */
  #needsVacancy = false;
  #stopped = false;
  readonly #detach: Array<() => void> = [];

  constructor(options: SessionOrchestratorOptions) {
    super();
    this.#options = options;
    this.#steps = stepsOf(options.config);
    const { timeouts } = options.config;
    this.#waiter = new ActionWaiter({
      clock: options.clock,
      inactivityMs: timeouts.inactivitySeconds * 1000,
      stillThereMs: timeouts.stillThereSeconds * 1000,
      askStillThere: () => {
        this.#promptBeforeQuestion = this.#prompt;
        this.say('inactivity.still-there');
      },
      restorePrompt: () => {
        const previous = this.#promptBeforeQuestion;
        if (previous) this.say(previous.key, previous.params);
      },
      abandon: () => this.abort(new SessionEnd('abandoned', 'no answer on the screen')),
    });
    this.#after = new AfterSession({ clock: options.clock, waiter: this.#waiter, occupied: () => this.#occupied, fireAlarm: () => options.door.fireAlarmActive });
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Watches occupancy, the fire alarm and device faults; the booth is idle until someone comes. */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#after.resume();
    for (const sensors of this.occupancySensors()) {
      const onChange = (sensor: string, value: boolean) => {
        if (sensor === 'occupied') this.onOccupancy(value);
      };
      sensors.on('change', onChange);
      this.#detach.push(() => sensors.off('change', onChange));
      if (sensors.state === 'ready') this.#occupied = (await sensors.read({ timeoutMs: 2000 }).catch(() => undefined))?.occupied ?? false;
      else this.#occupied ??= false;
    }
    for (const sensors of this.sensors()) {
      const onFire = (active: boolean) => this.onFireAlarm(active);
      sensors.on('fire-alarm', onFire);
      this.#detach.push(() => sensors.off('fire-alarm', onFire));
    }
    const onTrouble = (device: AnyDevice, error: DeviceError) => this.onDeviceTrouble(device, error);
    this.#options.devices.on('lost', onTrouble);
    this.#options.devices.on('fault', onTrouble);
    this.#detach.push(() => {
      this.#options.devices.off('lost', onTrouble);
      this.#options.devices.off('fault', onTrouble);
    });
    this.enter('idle', 'idle.welcome');
    if (this.#occupied && this.#options.config.startOnOccupancy) this.begin('occupancy');
  }

  /** Ends any session (door released, data discarded) and stops watching. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.abort(new SessionEnd('cancelled', 'boothd stopping'));
    this.#after.interrupt('stopping');
    await this.#running;
    for (const detach of this.#detach.splice(0)) detach();
    this.#leaveTimer?.cancel();
  }

  /** Resolves when the session running now (if any) has fully ended. */
  get settled(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  snapshot(): SessionSnapshot {
    const record = this.#record;
    return {
      state: this.#state,
      ...(record ? { sessionId: record.sessionId } : {}),
      ...(record?.language ? { language: record.language } : {}),
      steps: [...this.#steps],
      stepIndex: this.#stepIndex,
      ...(this.#target ? { target: this.#target } : {}),
      ...(this.#prompt ? { prompt: this.#prompt } : {}),
      allowedActions: ALLOWED_ACTIONS[this.#state],
      door: this.#options.door.state,
      missingFingers: record ? [...record.missing.keys()].sort((a, b) => a - b) : [],
      ...(this.#reason ? { reason: this.#reason } : {}),
    };
  }

  act(action: PersonAction): void {
    checkAction(action, this.#state, this.#options.config);
    switch (action.action) {
      case 'start':
        this.begin('start button');
        return;
      case 'cancel':
        this.abort(new SessionEnd('cancelled', 'the person cancelled'));
        return;
      case 'help':
        this.abort(new SessionEnd('escalated', 'the person asked for help', this.#steps[this.#stepIndex]));
        return;
      default:
        this.#waiter.deliver(action);
    }
  }

  /** An officer's decision on the escalated session. Throws when none is waiting. */
  officer(decision: OfficerDecision, officerId: string): { sessionId: string; decision: OfficerDecision } {
    const record = this.#record;
    if (this.#state !== 'escalated' || !record) throw new Error(`no escalated session (the booth is ${this.#state})`);
    this.#options.audit.record('session.officer', { sessionId: record.sessionId, decision, officer: officerId });
    this.#after.decide(decision);
    return { sessionId: record.sessionId, decision };
  }

  // ---- the session's life ----

  /** Starts a session (after the pre-check); `checkOnly` runs the pre-check alone (a device failed while idle). */
  private begin(trigger: string, checkOnly = false): void {
    if (this.#running || this.#stopped || this.#state !== 'idle') return;
    this.#running = this.run(trigger, checkOnly)
      .catch((error: unknown) => this.#options.logger.error({ err: error }, `session runner failed: ${(error as Error).message}`))
      .finally(() => {
        this.#running = undefined;
        if (!this.#stopped && this.#state === 'idle' && this.#occupied && !this.#needsVacancy && this.#options.config.startOnOccupancy) this.begin('occupancy');
      });
  }

  private async run(trigger: string, checkOnly: boolean): Promise<void> {
    const { clock, config, door } = this.#options;
    this.enter('precheck', 'precheck.wait');
    let outOfService = false;
    for (;;) {
      if (door.fireAlarmActive) await this.fireAlarmScreen();
      if (this.#stopped) return this.enter('idle', 'idle.welcome');
      const check = await precheck({
        config,
        devices: this.#options.devices.devices,
        fireAlarmActive: door.fireAlarmActive,
        ...(this.#options.captures ? { admission: () => this.#options.captures!.admission(TYPICAL_SESSION_BYTES) } : {}),
      });
      if (check.ok) break;
      outOfService = true;
      this.outOfService(check.reason);
      const woke = await this.#after.pause(config.timeouts.recheckSeconds * 1000);
      if (woke === 'stopping') return;
    }
    if (checkOnly && !outOfService) return this.enter('idle', 'idle.welcome');
    if (outOfService) {
      // Back in service: the person who was sent to the desk is not pulled into a session.
      this.#options.audit.record('session.in-service', {});
      this.#reason = undefined;
      this.#needsVacancy = this.#occupied === true;
      return this.enter('idle', 'idle.welcome');
    }
    const pngEncoder = this.#options.pngEncoder;
    const record = new SessionRecord(newUuidV7(clock.now()), clock.now(), pngEncoder ? { pngEncoder } : {});
    this.#record = record;
    this.#reason = undefined;
    this.#stats = new SessionStats(clock, record.sessionId);
    this.#options.audit.record('session.started', { sessionId: record.sessionId, trigger });
    this.#options.logger.info({ sessionId: record.sessionId, trigger }, `session ${record.sessionId} started (${trigger})`);
    let from = 0;
    for (;;) {
      const end = await this.runSteps(record, from);
      const next = await this.finish(record, end);
      if (next === undefined) break;
      from = next;
    }
    this.#record = undefined;
    this.#stats = undefined;
    this.#stepIndex = 0;
    this.enter('idle', 'idle.welcome');
  }

  /** Runs the steps from `from`, then commits. Resolves with how the session ended. */
  private async runSteps(record: SessionRecord, from: number): Promise<SessionEnd> {
    const { config, clock } = this.#options;
    const controller = new AbortController();
    this.#controller = controller;
    this.#sessionTimer = clock.setTimeout(
      () => this.abort(new SessionEnd('escalated', `session longer than ${config.timeouts.sessionMinutes} min`, this.#steps[this.#stepIndex])),
      config.timeouts.sessionMinutes * 60_000,
    );
    if (this.#occupied === false && this.#leaveTimer === undefined) this.armLeaveTimer();
    await this.lockDoor(record);
    const context = this.stepContext(record, controller.signal);
    try {
      for (let index = from; index < this.#steps.length; index += 1) {
        this.#stepIndex = index;
        const step = this.#steps[index]!;
        this.#stats!.enterStep(step);
        await runStep(step, context);
        this.#stats!.leaveStep();
      }
      this.enter('committing', 'committing.wait');
      await this.commit(record, 'COMPLETED', '');
      return new SessionEnd('completed', '');
    } catch (error) {
      if (error instanceof SessionEnd) return error;
      if (controller.signal.reason instanceof SessionEnd) return controller.signal.reason;
      this.#options.logger.error({ err: error }, 'session step failed unexpectedly');
      return new SessionEnd('escalated', `internal error in ${this.#steps[this.#stepIndex]}: ${(error as Error).message}`, this.#steps[this.#stepIndex]);
    } finally {
      this.#stats!.leaveStep();
      this.#sessionTimer?.cancel();
      this.#controller = undefined;
      if (!controller.signal.aborted) controller.abort(new SessionEnd('completed', 'steps finished'));
    }
  }

  /**
   * Ends the session: the door is released first, then the person is told. Resolves with the step
   * index to resume from (an officer resumed an escalation), or undefined when it is over.
   */
  private async finish(record: SessionRecord, end: SessionEnd): Promise<number | undefined> {
    const { door, config, audit, logger } = this.#options;
    this.#leaveTimer?.cancel();
    this.#leaveTimer = undefined;
    await door.release(`session ${end.outcome}${end.reason ? `: ${end.reason}` : ''}`);
    const summary = this.#stats!.summary(end, record);
    audit.record('session.ended', { sessionId: record.sessionId, outcome: end.outcome, ...(end.reason ? { reason: end.reason } : {}) });
    logger.info({ session: summary }, `session ${record.sessionId} ${end.outcome}${end.reason ? ` (${end.reason})` : ''}`);
    this.emit('ended', summary);
    this.#needsVacancy = this.#occupied === true;
    this.#target = undefined;
    const goodbye = config.timeouts.goodbyeSeconds * 1000;
    switch (end.outcome) {
      case 'completed':
        this.enter('goodbye', 'goodbye.done');
        await this.#after.untilLeft(goodbye);
        break;
      case 'refused':
      case 'cancelled':
        record.discard();
        this.enter(end.outcome === 'refused' ? 'refused' : 'goodbye', end.outcome === 'refused' ? 'refused.goodbye' : 'cancelled.goodbye');
        await this.#after.untilLeft(goodbye);
        break;
      case 'abandoned':
        record.discard();
        break;
      case 'fire-alarm':
        record.discard();
        await this.fireAlarmScreen();
        break;
      case 'escalated':
        return this.escalated(record, end);
    }
    if (this.#options.door.fireAlarmActive) await this.fireAlarmScreen();
    return undefined;
  }

  private async escalated(record: SessionRecord, end: SessionEnd): Promise<number | undefined> {
    const { audit, config } = this.#options;
    this.#reason = end.reason;
    audit.record('session.escalated', { sessionId: record.sessionId, reason: end.reason, ...(end.resumeAt ? { step: end.resumeAt } : {}) });
    this.enter('escalated', 'escalated.wait');
    const decision = await this.#after.officerDecision(config.timeouts.escalationHoldMinutes * 60_000);
    this.#reason = undefined;
    if (decision === 'resume' && end.resumeAt) {
      this.#needsVacancy = false;
      return Math.max(0, this.#steps.indexOf(end.resumeAt));
    }
    if (decision === 'commit') {
      this.enter('committing', 'committing.wait');
      try {
        await this.commit(record, 'ESCALATED', end.reason);
      } catch (error) {
        this.#options.logger.error({ err: error, sessionId: record.sessionId }, `escalated session could not be committed: ${(error as Error).message}`);
      }
    }
    record.discard(); // after a commit the package is in the outbox; otherwise it is dropped
    if (decision === 'fire-alarm' || this.#options.door.fireAlarmActive) await this.fireAlarmScreen();
    return undefined;
  }

  private async fireAlarmScreen(): Promise<void> {
    this.enter('fire-alarm', 'fireAlarm.leave');
    await this.#after.untilFireAlarmClears();
  }

  /**
   * Waits for the capture images still being encoded, then seals and stores the package; throws
   * (an image not encoded, outbox full, disk error) as a SessionEnd escalation.
   */
  private async commit(record: SessionRecord, result: 'COMPLETED' | 'ESCALATED', reason: string): Promise<void> {
    const captures = this.#options.captures;
    if (!captures) throw new SessionEnd('escalated', 'no capture path configured', 'review');
    try {
      await record.encoded();
    } catch (error) {
      this.#options.logger.error({ err: error, sessionId: record.sessionId }, `session ${record.sessionId}: capture images not encoded: ${(error as Error).message}`);
      throw new SessionEnd('escalated', `capture images not encoded: ${(error as Error).message}`, 'review');
    }
    try {
      captures.submit(record.build(this.#options.boothId, result, reason, this.#options.clock.now()));
      this.#stats?.committed();
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'EIO';
      throw new SessionEnd('escalated', `outbox refused the package: ${code}`, 'review');
    }
  }

  private async lockDoor(record: SessionRecord): Promise<void> {
    const { config, door, logger } = this.#options;
    if (!config.lockDoor || door.state !== 'released') return;
    // Inside means the occupancy sensor says so; a booth without one trusts the person who started on its screen.
    if (this.#occupied === false) return;
    try {
      await door.lock(`session ${record.sessionId}`);
    } catch (error) {
      // Unlocked is the safe side: the session goes on, the guard has audited why.
      logger.warn({ err: error, sessionId: record.sessionId }, `door not locked for this session: ${(error as Error).message}`);
    }
    this.emit('state', this.snapshot());
  }

  private abort(end: SessionEnd): void {
    const controller = this.#controller;
    if (controller && !controller.signal.aborted) controller.abort(end);
  }

  private outOfService(reason: string): void {
    if (this.#state !== 'out-of-service' || this.#reason !== reason) {
      this.#options.logger.warn({ reason }, `booth out of service: ${reason}`);
      this.#options.audit.record('session.out-of-service', { reason });
    }
    this.#reason = reason;
    void this.#options.door.release('out of service');
    this.enter('out-of-service', 'outOfService.body');
  }

  // ---- what happens around the session ----

  private onOccupancy(occupied: boolean): void {
    this.#occupied = occupied;
    this.#after.notify();
    if (!occupied) {
      this.#needsVacancy = false;
      if (this.#controller) this.armLeaveTimer();
      return;
    }
    this.#leaveTimer?.cancel();
    this.#leaveTimer = undefined;
    if (this.#state === 'idle' && this.#options.config.startOnOccupancy && !this.#needsVacancy) this.begin('occupancy');
  }

  private armLeaveTimer(): void {
    this.#leaveTimer?.cancel();
    this.#leaveTimer = this.#options.clock.setTimeout(() => {
      this.#leaveTimer = undefined;
      this.abort(new SessionEnd('abandoned', 'the person left the booth'));
    }, this.#options.config.timeouts.leaveGraceSeconds * 1000);
  }

  private onFireAlarm(active: boolean): void {
    if (!active) {
      this.#after.notify();
      return;
    }
    this.abort(new SessionEnd('fire-alarm', 'fire alarm'));
    this.#after.interrupt('fire-alarm');
    if (!this.#running && (this.#state === 'idle' || this.#state === 'out-of-service')) {
      this.#running = this.fireAlarmScreen()
        .then(() => this.enter('idle', 'idle.welcome'))
        .finally(() => {
          this.#running = undefined;
        });
    }
  }

  private onDeviceTrouble(device: AnyDevice, error: DeviceError): void {
    if (!neededClasses(this.#options.config).includes(device.deviceClass)) return;
    // While idle the screen should say "out of service" before anyone walks in.
    if (!this.#controller) return this.begin(`${device.id} ${error.code}`, true);
    this.abort(new SessionEnd('escalated', `device fault: ${device.id} ${error.code}`, this.#steps[this.#stepIndex]));
  }

  // ---- the screen ----

  private enter(state: SessionState, key: string, params: Record<string, string | number> = {}, target?: CaptureTarget): void {
    this.#state = state;
    this.#target = target;
    this.#prompt = { key, params, language: this.language() };
    this.emit('state', this.snapshot());
    this.emit('prompt', this.#prompt);
  }

  private say(key: string, params: Record<string, string | number> = {}): void {
    this.#prompt = { key, params, language: this.language() };
    this.emit('prompt', this.#prompt);
    this.emit('state', this.snapshot());
  }

  private language(): Language {
    return this.#record?.language ?? this.#options.config.languages[0]!;
  }

  private stepContext(record: SessionRecord, signal: AbortSignal): StepContext {
    const options = this.#options;
    return {
      config: options.config,
      clock: options.clock,
      record,
      signal,
      show: (state, key, params, target) => this.enter(state, key, params, target),
      prompt: (key, params) => this.say(key, params),
      feedback: (feedback) => this.emit('quality', feedback),
      preview: (frame) => this.emit('preview', frame),
      waitFor: (accepted, waitOptions) => this.#waiter.wait(accepted, signal, waitOptions),
      onAction: (accepted, listener) => this.#waiter.listen(accepted, listener),
      noteAttempts: (name, attempts, quality) => this.#stats?.attempts(name, attempts, quality),
      device: (deviceClass, step) => {
        const device = options.devices.devices.find((candidate) => candidate.deviceClass === deviceClass && candidate.state === 'ready');
        if (!device) throw new SessionEnd('escalated', `no ready ${deviceClass} device for ${step}`, step);
        return device as never;
      },
      optionalDevice: (deviceClass) => options.devices.devices.find((candidate) => candidate.deviceClass === deviceClass && candidate.state === 'ready') as never,
      io: (timeoutMs) => ({ signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
      serialOf: options.serialOf,
      text: (key) => options.text(this.language(), key),
    };
  }

  private sensors(): Sensors[] {
    return this.#options.devices.devices.filter((device): device is Sensors => device.deviceClass === 'sensors');
  }

  private occupancySensors(): Sensors[] {
    return this.sensors().filter((sensors) => sensors.capabilities.has('occupancy'));
  }
}
