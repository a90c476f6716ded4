/**
 * `make run-wire`: the booth of config/booth.example.yaml on its REAL drivers, against the
 * wire-level simulators. Every serial path of the manifest becomes a socat PTY pair with a twin on
 * its device end (the Firmata I/O board with the booth's wiring, the signature pad, the
 * environment sensor, the DMX widget); the vendor SDK is the simulated one (build/sdk/). A derived
 * manifest goes to <dir>/booth.yaml (state in <dir>/state, the embedded broker, the keys of
 * var/keys), and the real bin/boothd runs on it as a child process with `--demo`: boothd plays the
 * booth's half of a visit through its drivers (lock, scenes, slaps, portrait, signature, capture
 * upload to the simulated central side) while this script plays the person on the twins — the PIR
 * sees them come in, the pad signs when prompted, every other person presses the exit button,
 * the door contact opens as they leave — and the booth's temperature drifts on the env sensor.
 * boothd's log and a readable line for every twin action are shown together.
 *
 * Ctrl-C (SIGINT, or SIGTERM/SIGHUP) stops boothd with SIGTERM and waits for it, then the twins
 * and the PTY pairs, and exits 0. boothd and socat run in process groups of their own, so the
 * terminal's Ctrl-C reaches this script only and the order holds; a second Ctrl-C kills boothd.
 *
 *   node simulator/wire/run-wire.ts [--config FILE] [--dir DIR] [--keys DIR] [--port N] [--sdk FILE]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pinoPretty from 'pino-pretty';
import type { PtyPair } from './pty-pair.ts';
import { SignaturePadTwin } from './signature-pad-twin.ts';
import type { PadButton } from '../../hal/signature-pad.ts';
import { WireBooth, type WireBoard, type WireDmx } from './wire-booth.ts';
import { dmxLevels, planWireBooth } from './wire-manifest.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BOOTHD = join(ROOT, 'bin', 'boothd');
const PRIMARY_HOST = 'central-sim';

const USAGE = `usage: node simulator/wire/run-wire.ts [options]   (make run-wire)

Runs boothd on the real drivers of a booth manifest against wire-level simulators.
  --config FILE  the manifest on real drivers (default config/booth.example.yaml)
  --dir DIR      where the derived manifest, the state and the PTY pairs go (default var/booth-wire)
  --keys DIR     booth.key, central.pub (and central.key), commands.pub (default var/keys)
  --port N       the embedded broker's port, 0 = any free one (default 18831; make run uses 18830)
  --sdk FILE     the simulated vendor SDK (default build/sdk/libbooth_bio_sdk.so, from make sdk)
Ctrl-C stops boothd, then the simulators, and exits 0.`;

/** How long the person waits after the door locked before pressing the exit button (odd visits). */
const EXIT_BUTTON_AFTER_LOCK_MS = 2000;
const DRIFT_EVERY_MS = 4000;
const BOOTHD_STOP_LIMIT_MS = 20_000;

// ------------------------------------------------------------------------------------ output

/** boothd's JSON lines and this script's own, as they are (JSON) or as boothd prints in a terminal. */
class Narrator {
  readonly #pretty: ((line: string) => string) | undefined;

  constructor(pretty: boolean, colour: boolean) {
    this.#pretty = pretty
      ? pinoPretty.prettyFactory({
          colorize: colour,
          translateTime: 'SYS:HH:MM:ss.l',
          hideObject: true,
          messageFormat: '{if component}[{component}] {end}{msg}',
          customLevels: 'audit:35',
          customColors: 'audit:magenta',
          useOnlyCustomProps: false,
        })
      : undefined;
    process.stdout.on('error', () => undefined); // a reader that went away must not end the cleanup
  }

  /** A line of boothd's standard output. */
  line(text: string): void {
    if (!this.#pretty || !text.startsWith('{')) return void process.stdout.write(`${text}\n`);
    const pretty = this.#pretty(text);
    process.stdout.write(pretty.endsWith('\n') ? pretty : `${pretty}\n`);
  }

  /** A line of this script: `component` is "run-wire" or "twin:<line>". */
  say(component: string, msg: string, fields: Record<string, unknown> = {}, level = 30): void {
    this.line(JSON.stringify({ level, time: new Date().toISOString(), component, ...fields, msg }));
  }
}

// ------------------------------------------------------------------------------ the twins

/** The signature pad twin, telling what the person at the pad does. */
class NarratedPadTwin extends SignaturePadTwin {
  readonly #say: (msg: string, fields?: Record<string, unknown>) => void;
  #signing = true;

  constructor(pair: PtyPair, say: (msg: string, fields?: Record<string, unknown>) => void) {
    super(pair, {});
    this.#say = say;
  }

  /** The person walks away: no more signatures. */
  walkAway(): void {
    this.#signing = false;
    this.setAutoSign(false);
  }

  protected override handle(verb: string, fields: Record<string, string>) {
    if (verb === 'PROMPT' && this.#signing) this.#say(`the pad shows "${fields.text ?? ''}": the person signs`, { action: 'sign' });
    return super.handle(verb, fields);
  }

  override pressButton(button: PadButton): void {
    this.#say(`the person presses ${button.toUpperCase()} on the pad`, { action: 'pad-button', button });
    super.pressButton(button);
  }
}

// -------------------------------------------------------------------------------- the life

/**
 * The person and the room, played on the twins: follows the visits boothd's demo announces in
 * its log, and shows what the twins see (the lock's relay, the lamps' DMX levels).
 */
class Life {
  readonly #booth: WireBooth;
  readonly #say: (who: string, msg: string, fields?: Record<string, unknown>) => void;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #drift: ReturnType<typeof setInterval> | undefined;
  #visit = 0;
  #occupied = false;
  #climate = { temperatureC: 22.5, humidityPct: 40 };
  #stopped = false;

  constructor(booth: WireBooth, say: (who: string, msg: string, fields?: Record<string, unknown>) => void) {
    this.#booth = booth;
    this.#say = say;
    for (const board of booth.boards) this.watchRelay(board);
    for (const dmx of booth.dmx) this.watchLamps(dmx);
  }

  get #board(): WireBoard | undefined {
    return this.#booth.boards[0];
  }

  /** One line of boothd's log (parsed JSON). */
  onBoothdLine(line: Record<string, unknown>): void {
    if (this.#stopped) return;
    const msg = typeof line.msg === 'string' ? line.msg : '';
    if (/^all \d+ devices ready$/.test(msg)) this.startDrift();
    else if (msg === 'a person walks into the booth') this.personEnters();
    else if (msg === 'the person leaves the booth') this.later(500, () => this.personLeaves());
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#drift);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const { twin } of this.#booth.pads) if (twin instanceof NarratedPadTwin) twin.walkAway();
  }

  private personEnters(): void {
    this.#visit += 1;
    this.#occupied = true;
    const board = this.#board;
    if (!board) return;
    board.rig.setOccupied(true);
    this.#say(`twin:${board.line.name}`, `PIR: motion, a person is inside (visit ${this.#visit})`, { action: 'occupancy', value: true, visit: this.#visit });
  }

  private personLeaves(): void {
    const board = this.#board;
    if (!board) return;
    const who = `twin:${board.line.name}`;
    board.rig.openDoor();
    this.#say(who, 'door contact: the person opens the door and walks out', { action: 'door', open: true });
    this.later(1500, () => {
      board.rig.closeDoor();
      board.rig.setOccupied(false);
      this.#occupied = false;
      this.#say(who, 'door contact: closed; PIR: no motion, the booth is empty', { action: 'occupancy', value: false });
    });
  }

  /** Logs the relay as the twin drives it; on odd visits the person presses the exit button once locked. */
  private watchRelay(board: WireBoard): void {
    if (board.relayPin === undefined) return;
    let energised = false;
    let pressedOnVisit = 0;
    const who = `twin:${board.line.name}`;
    board.twin.on('record', (record) => {
      if (record.pin !== board.relayPin || record.kind !== 'digital' || this.#stopped) return;
      if (board.rig.relayEnergised === energised) return;
      energised = board.rig.relayEnergised;
      this.#say(who, energised ? 'relay energised: the magnet holds the door' : 'relay released: the door is free', { action: 'relay', energised });
      if (!energised || this.#visit % 2 === 0 || pressedOnVisit === this.#visit) return;
      pressedOnVisit = this.#visit;
      this.later(EXIT_BUTTON_AFTER_LOCK_MS, () => {
        if (!board.rig.relayEnergised) return;
        this.#say(who, 'the person changes their mind and presses the exit button', { action: 'exit-button', visit: this.#visit });
        board.rig.pressExitButton(150);
      });
    });
  }

  /** Logs the lamps' levels from the DMX frames once they have settled (fades send 40 frames a second). */
  private watchLamps({ line, twin, patch }: WireDmx): void {
    let shown = '';
    let pending = '';
    let settle: ReturnType<typeof setTimeout> | undefined;
    twin.on('frame', () => {
      if (this.#stopped) return;
      const levels = dmxLevels(patch, (n) => twin.slot(n));
      const key = Object.entries(levels)
        .map(([name, level]) => `${name} ${level}%`)
        .join(', ');
      if (key === pending) return;
      pending = key;
      if (settle) this.#timers.delete(settle);
      clearTimeout(settle);
      settle = setTimeout(() => {
        this.#timers.delete(settle!);
        if (pending === shown || this.#stopped) return;
        shown = pending;
        this.#say(`twin:${line.name}`, `lamps: ${shown}`, { action: 'dmx', levels });
      }, 250);
      this.#timers.add(settle);
    });
  }

  /** The booth warms up with a person inside and cools down when empty, with a little noise. */
  private startDrift(): void {
    if (this.#drift || this.#booth.envs.length === 0) return;
    this.#drift = setInterval(() => {
      const target = this.#occupied ? { t: 24.5, rh: 47 } : { t: 22.5, rh: 40 };
      const before = this.#climate;
      const temperatureC = round1(before.temperatureC + (target.t - before.temperatureC) * 0.2 + (Math.random() - 0.5) * 0.2);
      const humidityPct = round1(before.humidityPct + (target.rh - before.humidityPct) * 0.2 + (Math.random() - 0.5) * 0.6);
      if (temperatureC === before.temperatureC && humidityPct === before.humidityPct) return;
      this.#climate = { temperatureC, humidityPct };
      for (const { line, twin } of this.#booth.envs) {
        twin.setClimate(temperatureC, humidityPct);
        this.#say(`twin:${line.name}`, `${temperatureC.toFixed(1)} °C, ${humidityPct.toFixed(1)} %RH`, { action: 'climate', temperatureC, humidityPct });
      }
    }, DRIFT_EVERY_MS);
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopped) action();
    }, ms);
    this.#timers.add(timer);
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;

// ----------------------------------------------------------------------------- the process

interface PidFile {
  runWire: number;
  boothd?: number;
}

function alive(pid: number | undefined, marker: string): boolean {
  if (!pid) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** Refuses to start over a run-wire (or the boothd of one) still running on the same folder. */
function claimDir(pidFile: string, manifest: string): void {
  if (existsSync(pidFile)) {
    const previous = JSON.parse(readFileSync(pidFile, 'utf8')) as PidFile;
    if (alive(previous.runWire, 'run-wire')) throw new Error(`another run-wire is running on this folder (pid ${previous.runWire}); stop it first`);
    if (alive(previous.boothd, manifest)) throw new Error(`the boothd of an earlier run-wire is still running (pid ${previous.boothd}): end it first`);
  }
  writeFileSync(pidFile, JSON.stringify({ runWire: process.pid } satisfies PidFile));
}

function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') || isAbsolute(fromHere) ? path : fromHere;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: 'string', default: join(ROOT, 'config', 'booth.example.yaml') },
        dir: { type: 'string', default: join(ROOT, 'var', 'booth-wire') },
        keys: { type: 'string', default: join(ROOT, 'var', 'keys') },
        port: { type: 'string', default: '18831' },
        sdk: { type: 'string', default: join(ROOT, 'build', 'sdk', 'libbooth_bio_sdk.so') },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`run-wire: ${(error as Error).message}\n${USAGE}\n`);
    return 64;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const source = resolve(values.config);
  const dir = resolve(values.dir);
  const keys = resolve(values.keys);
  const sdk = resolve(values.sdk);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`run-wire: --port must be 0–65535\n`);
    return 64;
  }
  const missing = [sdk, join(keys, 'booth.key'), join(keys, 'central.pub'), join(keys, 'commands.pub')].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    process.stderr.write(`run-wire: missing ${missing.map(shown).join(', ')}: \`make run-wire\` builds the SDK and generates the keys\n`);
    return 66;
  }

  const format = process.env.BOOTH_LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const narrator = new Narrator(format === 'pretty', process.stdout.isTTY === true && !process.env.NO_COLOR);
  const say = (who: string, msg: string, fields?: Record<string, unknown>) => narrator.say(who, msg, fields);

  let text: string;
  let plan: ReturnType<typeof planWireBooth>;
  try {
    text = readFileSync(source, 'utf8');
    plan = planWireBooth(text, shown(source));
  } catch (error) {
    process.stderr.write(`run-wire: ${(error as Error).message}\n`);
    return 2;
  }
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, 'booth.yaml');
  const pidFile = join(dir, 'run-wire.pid');
  claimDir(pidFile, manifest);

  const booth = new WireBooth(plan, {
    ptyDir: join(dir, 'pty'),
    makePad: (pair, line) => new NarratedPadTwin(pair, (msg, fields) => narrator.say(`twin:${line.name}`, msg, fields)),
    onTwin: (line, description, pair) => narrator.say(`twin:${line.name}`, description, { path: line.path, pty: pair.driverPath }),
  });
  let life: Life | undefined;
  let boothd: ChildProcess | undefined;
  let boothdExited: Promise<void> = Promise.resolve();
  let boothdOutputDone: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;

  const stop = (reason: string, code: number): Promise<void> => {
    if (stopping) {
      if (boothd && boothd.exitCode === null && boothd.signalCode === null) {
        say('run-wire', 'asked again: killing boothd');
        boothd.kill('SIGKILL');
      }
      return stopping;
    }
    stopping = (async () => {
      life?.stop();
      if (boothd && boothd.exitCode === null && boothd.signalCode === null) {
        say('run-wire', `${reason}: stopping boothd (SIGTERM) and waiting for it`);
        boothd.kill('SIGTERM');
        const limit = setTimeout(() => {
          narrator.say('run-wire', `boothd still running after ${BOOTHD_STOP_LIMIT_MS / 1000} s: killing it`, {}, 50);
          boothd?.kill('SIGKILL');
        }, BOOTHD_STOP_LIMIT_MS);
        await boothdExited;
        clearTimeout(limit);
      }
      await boothdOutputDone;
      await booth.close();
      rmSync(pidFile, { force: true });
      say('run-wire', 'stopped: boothd, the twins and the PTY pairs are gone');
      process.exit(code);
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal, 0));

  try {
    say('run-wire', `the booth of ${shown(source)} on its real drivers, against wire-level simulators in ${shown(dir)}`);
    await booth.start();
    writeFileSync(
      manifest,
      booth.deriveManifest(text, { sourceName: shown(source), stateDir: join(dir, 'state'), keysDir: keys, sdkLibrary: sdk, brokerPort: port, primaryHost: PRIMARY_HOST }),
    );
    say('run-wire', `vendor SDK: the simulated one (${shown(sdk)}); derived manifest ${shown(manifest)}`);
  } catch (error) {
    narrator.say('run-wire', `cannot start the simulators: ${(error as Error).message}`, {}, 50);
    await booth.close();
    rmSync(pidFile, { force: true });
    return 1;
  }

  life = new Life(booth, say);
  const env: NodeJS.ProcessEnv = { ...process.env, BOOTH_LOG_FORMAT: 'json' };
  // The derived manifest says where everything is; overrides meant for another booth must not apply.
  for (const name of ['BOOTH_STATE_DIR', 'BOOTH_MQTT_URL', 'BOOTH_ID', 'BOOTH_PRIMARY_HOST', 'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) delete env[name];
  const child = spawn(BOOTHD, ['--config', manifest, '--demo'], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  boothd = child;
  writeFileSync(pidFile, JSON.stringify({ runWire: process.pid, boothd: child.pid } satisfies PidFile));
  boothdExited = new Promise((done) => child.once('exit', () => done()));
  boothdOutputDone = new Promise((done) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      narrator.line(line);
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof parsed.msg === 'string' && parsed.msg.startsWith('boothd running')) {
        say('run-wire', `poke it from a second terminal: BOOTH_STATE_DIR=${shown(join(dir, 'state'))} bin/boothctl status`);
      }
      life?.onBoothdLine(parsed);
    });
    lines.on('close', () => done());
  });
  child.once('error', (error) => void stop(`cannot start boothd: ${error.message}`, 1));
  child.once('exit', (code, signal) => {
    if (stopping) return;
    narrator.say('run-wire', `boothd exited on its own (${signal ?? `exit code ${code}`})`, { code, signal }, 50);
    void stop('boothd is gone', code === 0 ? 0 : (code ?? 1));
  });
  return -1; // runs until a signal or boothd's exit
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`run-wire: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
