/**
 * A Firmata booth for tests: a socat PTY pair, the board twin on its device end, the booth's
 * wiring on the twin's pins, and the manifest `props` of the three Firmata compatibles that match
 * that wiring (the layout of docs/drivers/firmata.md on an Arduino Uno).
 */
import { existsSync } from 'node:fs';
import type { DeviceErrorCode } from '../../hal/errors.ts';
import { FirmataBoardTwin, type FirmataTwinOptions } from '../../simulator/wire/firmata-board-twin.ts';
import { FirmataBoothRig, type BoothWiring } from '../../simulator/wire/firmata-booth-wiring.ts';
import { PtyPair } from '../../simulator/wire/pty-pair.ts';

/** Uno pins of the booth layout (A0 = 14 … A5 = 19). */
export const PIN = {
  exitButton: 2,
  fireAlarm: 3,
  doorContact: 4,
  scannerLeds: 5,
  relay: 7,
  boltSensor: 8,
  keyLight: 9,
  fillLight: 10,
  ambientLight: 11,
  occupancy: 12,
  tamper: 13,
  sensorDoorContact: 15, // A1 as a digital input (sensor board's own door contact)
  ups: 16, // A2
  statusLed: 17, // A3
} as const;

export const TEMPERATURE = { pin: 'A4', channel: 4, zero: -40, fullScale: 60 } as const;
export const HUMIDITY = { pin: 'A5', channel: 5, zero: 0, fullScale: 100 } as const;

/** Board settings fast enough for tests: a silent board is found within ~0.5 s. */
export const FAST_BOARD = { heartbeatMs: 100, heartbeatTimeoutMs: 400, samplingIntervalMs: 20 };

export const DOOR_PROPS = {
  relay: { pin: PIN.relay },
  boltSensor: { pin: PIN.boltSensor },
  doorContact: { pin: PIN.doorContact, activeLow: true, pullUp: true },
  board: FAST_BOARD,
};

export const SENSORS_PROPS = {
  inputs: {
    'exit-button': { pin: PIN.exitButton, activeLow: true, pullUp: true },
    'fire-alarm': { pin: PIN.fireAlarm, activeLow: true, pullUp: true },
    occupancy: { pin: PIN.occupancy },
    'door-contact': { pin: PIN.sensorDoorContact, activeLow: true, pullUp: true },
    tamper: { pin: PIN.tamper, activeLow: true, pullUp: true },
    ups: { pin: PIN.ups, activeLow: true, pullUp: true },
  },
  climate: {
    temperature: { pin: TEMPERATURE.pin, zero: TEMPERATURE.zero, fullScale: TEMPERATURE.fullScale },
    humidity: { pin: HUMIDITY.pin, zero: HUMIDITY.zero, fullScale: HUMIDITY.fullScale },
  },
  board: FAST_BOARD,
};

export const LIGHTING_PROPS = {
  channels: {
    key: { pin: PIN.keyLight },
    fill: { pin: PIN.fillLight },
    ambient: { pin: PIN.ambientLight },
    scanner: { pin: PIN.scannerLeds },
    status: { pin: PIN.statusLed, dimmable: false },
  },
  scenes: {
    idle: { key: 0, fill: 0, ambient: 40, scanner: 0, status: 100 },
    portrait: { key: 90, fill: 70, ambient: 50 },
    fingerprint: { key: 20, fill: 20, ambient: 60, scanner: 100 },
  },
  board: FAST_BOARD,
};

export const BOOTH_WIRING: BoothWiring = {
  relay: { pin: PIN.relay },
  boltSensor: { pin: PIN.boltSensor },
  doorContacts: [
    { pin: PIN.doorContact, activeLow: true },
    { pin: PIN.sensorDoorContact, activeLow: true },
  ],
  exitButton: { pin: PIN.exitButton, activeLow: true },
  fireAlarm: { pin: PIN.fireAlarm, activeLow: true },
  occupancy: { pin: PIN.occupancy },
  tamper: { pin: PIN.tamper, activeLow: true },
  ups: { pin: PIN.ups, activeLow: true },
  climate: {
    temperature: { channel: TEMPERATURE.channel, zero: TEMPERATURE.zero, fullScale: TEMPERATURE.fullScale },
    humidity: { channel: HUMIDITY.channel, zero: HUMIDITY.zero, fullScale: HUMIDITY.fullScale },
  },
};

export interface FirmataBooth {
  pair: PtyPair;
  twin: FirmataBoardTwin;
  rig: FirmataBoothRig;
  /** The contract hooks every device class shares, played by the twin. */
  common: {
    unplug(): Promise<void>;
    replug(): Promise<void>;
    hangNextCommand(): void;
    failNextCommand(code: DeviceErrorCode): void;
  };
  close(): Promise<void>;
}

export async function firmataBooth(options: FirmataTwinOptions = {}, wiring: BoothWiring = BOOTH_WIRING): Promise<FirmataBooth> {
  const pair = await PtyPair.open();
  const twin = await FirmataBoardTwin.start(pair, options);
  const rig = new FirmataBoothRig(twin, wiring);
  return {
    pair,
    twin,
    rig,
    common: {
      unplug: () => twin.unplug(),
      replug: () => {
        // socat is started synchronously; wait (bounded) until the driver's end exists so that a
        // caller that does not await (the door contract) can open right away. The twin's own end
        // attaches a moment later; the driver asks its handshake again until it answers.
        const replugged = twin.replug();
        waitSyncFor(() => existsSync(pair.driverPath), 5000);
        return replugged;
      },
      hangNextCommand: () => twin.hangNextQuery(),
      failNextCommand: (code) => {
        if (code !== 'EIO') throw new Error(`a Firmata board can only fail a read-back (EIO), not ${code}`);
        twin.failNextQuery();
      },
    },
    close: async () => {
      rig.dispose();
      await twin.close();
      await pair.close();
    },
  };
}

/** Blocks the thread in 2 ms steps until `condition` holds (used only where a hook must be synchronous). */
function waitSyncFor(condition: () => boolean, limitMs: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${limitMs} ms`);
    Atomics.wait(cell, 0, 0, 2);
  }
}

/**
 * A boothd manifest with the three Firmata devices on one board at `path`; `board` replaces the
 * test-speed board settings (the benchmark uses the production defaults: `{}`).
 */
export function firmataManifest(stateDir: string, path: string, brokerPort: number, board: object = FAST_BOARD): string {
  const bus = `{ type: serial, path: "${path}", baudRate: 57600 }`;
  const props = (base: object) => JSON.stringify({ ...base, board });
  return `
booth: { id: fw-01, group: tests }
stateDir: ${stateDir}
mqtt: { embeddedBroker: { port: ${brokerPort} } }
supervisor: { retryInitialMs: 100, retryMaxMs: 1000, retryJitter: 0.3 }
devices:
  - { id: door, compatible: "firmata,door-lock", bus: ${bus}, props: ${props(DOOR_PROPS)} }
  - { id: sensors, compatible: "firmata,sensors", bus: ${bus}, props: ${props(SENSORS_PROPS)} }
  - { id: lights, compatible: "firmata,pwm-lighting", bus: ${bus}, props: ${props(LIGHTING_PROPS)} }
`;
}
