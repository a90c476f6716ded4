/**
 * Exit button → door relay released, on the Firmata drivers (issue 5's benchmark, goal p99 < 50 ms).
 * The Firmata board twin sits on a socat PTY pair in this process and timestamps both ends with
 * performance.now(): the press when it puts the input report on the wire, the release when it
 * applies the relay write. Per press: lock, press (held), wait for the release, let go, pause past
 * the button's 30 ms debounce lock-out.
 *
 * Three series in the same run, each on its own board twin:
 * - boothd: the real daemon (bin/boothd, a child process) with the door lock, sensors and
 *   lighting on the one board; the door guard's exit-button path (release → unlock → audit).
 * - driver: the same two drivers in this process, the exit-button event calling unlock directly
 *   (the twin ↔ driver round trip without boothd).
 * - firmata-io: a bare firmata-io on serialport 13 answering the input report with a
 *   SET_DIGITAL_PIN_VALUE (the floor: PTY, socat and firmata-io's parser).
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { FirmataBoards } from '../drivers/firmata/board-registry.ts';
import { FirmataDoorLock, firmataDoorLockProps } from '../drivers/firmata-door-lock/index.ts';
import { FirmataSensors, firmataSensorsProps } from '../drivers/firmata-sensors/index.ts';
import { systemClock } from '../hal/clock.ts';
import { BoothdSandbox } from '../tests/support/boothd-process.ts';
import { DOOR_PROPS, firmataBooth, firmataManifest, PIN, SENSORS_PROPS, type FirmataBooth } from '../tests/support/firmata-rig.ts';
import { freePort } from '../tests/support/mosquitto.ts';

const WARMUP = 10;
/** Longer than the exit button's 30 ms lock-out, so every press is a new edge. */
const PAUSE_MS = 45;

export interface LatencySeries {
  presses: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface FirmataLatency {
  boothd: LatencySeries;
  driver: LatencySeries;
  firmataIo: LatencySeries;
}

export async function measureFirmataExitLatency(presses: number): Promise<FirmataLatency> {
  return {
    boothd: await throughBoothd(presses),
    driver: await throughDrivers(presses),
    firmataIo: await throughFirmataIo(presses),
  };
}

/** Lock, press, time press → relay released, let go, pause; `presses` times after a warm-up. */
async function pressSeries(booth: FirmataBooth, presses: number, lock: () => Promise<void>): Promise<LatencySeries> {
  const samples: number[] = [];
  for (let press = 0; press < presses + WARMUP; press += 1) {
    await lock();
    if (!booth.rig.relayEnergised) throw new Error('the relay is not energised after locking');
    const from = booth.twin.records.length;
    booth.rig.setExitButton(true);
    const pressed = booth.twin.records.slice(from).find((record) => record.kind === 'input' && record.pin === PIN.exitButton);
    if (!pressed) throw new Error('the press did not reach the wire (input not reporting?)');
    const released = await booth.twin.waitForRecord((r) => r.kind === 'digital' && r.pin === PIN.relay && r.value === 0, 'the relay released', 2000, from);
    if (press >= WARMUP) samples.push(released.at - pressed.at);
    booth.rig.setExitButton(false);
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  return summary(samples);
}

async function throughBoothd(presses: number): Promise<LatencySeries> {
  const booth = await firmataBooth();
  const port = await freePort();
  const box = new BoothdSandbox((stateDir) => firmataManifest(stateDir, booth.pair.driverPath, port, {}));
  try {
    const run = box.start(['--config', box.configFile], { BOOTH_LOG_LEVEL: 'info' });
    await run.waitForLine((line) => line.msg === 'all 3 devices ready', 'boothd with its three Firmata devices ready', 20_000);
    await run.waitForLine((line) => line.msg?.startsWith('boothd running') ?? false, 'boothd running');
    return await pressSeries(booth, presses, async () => {
      const answer = await run.control('door.lock', { reason: 'bench' });
      if (!answer.ok) throw new Error(`door.lock refused: ${answer.error}`);
    });
  } finally {
    await box.cleanup();
    await booth.close();
  }
}

async function throughDrivers(presses: number): Promise<LatencySeries> {
  const booth = await firmataBooth();
  const boards = new FirmataBoards();
  const on = { boards, path: booth.pair.driverPath, baudRate: 57_600 };
  const door = new FirmataDoorLock({ id: 'door', compatible: 'firmata,door-lock', clock: systemClock }, firmataDoorLockProps.parse({ ...DOOR_PROPS, board: {} }), on);
  const sensors = new FirmataSensors({ id: 'sensors', compatible: 'firmata,sensors', clock: systemClock }, firmataSensorsProps.parse({ ...SENSORS_PROPS, board: {} }), on);
  try {
    await door.open({ timeoutMs: 5000 });
    await sensors.open({ timeoutMs: 5000 });
    (sensors as unknown as EventEmitter).on('exit-button', () => void door.unlock().catch(() => undefined));
    return await pressSeries(booth, presses, async () => {
      await waitIdle(door);
      await door.lock();
    });
  } finally {
    await sensors.close();
    await door.close();
    await booth.close();
  }
}

/** The unlock started by the press may still be confirming the bolt; a lock now would get EBUSY. */
async function waitIdle(door: FirmataDoorLock): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      await door.status();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  throw new Error('the door lock stayed busy');
}

interface BareFirmata extends EventEmitter {
  isReady: boolean;
  pinMode(pin: number, mode: number): void;
  reportDigitalPin(pin: number, value: number): void;
  reportVersionTimeoutId: ReturnType<typeof setTimeout>;
}

async function throughFirmataIo(presses: number): Promise<LatencySeries> {
  const booth = await firmataBooth();
  const port = new SerialPort({ path: booth.pair.driverPath, baudRate: 57_600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const { Firmata } = createRequire(import.meta.url)('firmata-io') as { Firmata: new (port: SerialPort, options: object) => BareFirmata };
  const io = new Firmata(port, { reportVersionTimeout: 10 });
  try {
    await new Promise<void>((resolve) => io.once('ready', () => resolve()));
    io.pinMode(PIN.relay, 0x01);
    io.pinMode(PIN.boltSensor, 0x00);
    io.pinMode(PIN.doorContact, 0x0b);
    io.pinMode(PIN.exitButton, 0x0b);
    io.reportDigitalPin(PIN.exitButton, 1);
    io.on(`digital-read-${PIN.exitButton}`, (value: number) => {
      if (value === 0) port.write(Buffer.from([0xf5, PIN.relay, 0]));
    });
    return await pressSeries(booth, presses, async () => {
      const from = booth.twin.records.length;
      port.write(Buffer.from([0xf5, PIN.relay, 1]));
      await booth.twin.waitForRecord((r) => r.kind === 'digital' && r.pin === PIN.relay && r.value === 1, 'the relay energised', 2000, from);
    });
  } finally {
    clearTimeout(io.reportVersionTimeoutId);
    await new Promise<void>((resolve) => port.close(() => resolve()));
    await booth.close();
  }
}

function summary(samples: number[]): LatencySeries {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    presses: sorted.length,
    p50Ms: round(at(50)),
    p99Ms: round(at(99)),
    maxMs: round(sorted.at(-1)!),
    meanMs: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
  };
}
