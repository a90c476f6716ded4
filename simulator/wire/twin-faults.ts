/**
 * How each kind of twin on a serial line plays the faults booth-rig asks for: one player per
 * kind (the Firmata board, a line-protocol device such as the pad or the environment sensor, the
 * DMX widget), so a fault is played the same way whatever hangs on the line, and said in words.
 */
import type { DeviceErrorCode } from '../../hal/errors.ts';
import type { DmxWidgetTwin } from './dmx-widget-twin.ts';
import type { EnvSensorTwin } from './env-sensor-twin.ts';
import type { FirmataBoardTwin } from './firmata-board-twin.ts';
import type { SignaturePadTwin } from './signature-pad-twin.ts';
import type { TwinKind } from './wire-manifest.ts';

/** What the rig (or a test) can do to a line: the device faults of booth-rig's vocabulary. */
export type WireFault = 'unplug' | 'replug' | 'hang' | 'fail-next' | 'slow';

/**
 * Why a fault cannot be played on a line of this kind, or undefined when it can. A StandardFirmata
 * board has no error answers (its writes are never acknowledged), so of `fail-next` it can only
 * play the garbage (EBADMSG).
 */
export function wireFaultRefusal(kind: TwinKind, fault: WireFault, code?: DeviceErrorCode): string | undefined {
  if (kind === 'firmata' && fault === 'fail-next' && code !== 'EBADMSG') {
    return `a StandardFirmata board has no error answers (its writes are never acknowledged), so it cannot fail a command with ${code}; only EBADMSG (garbage on the line) can be played`;
  }
  return undefined;
}

/** A twin's way to play each fault; `failNext` says in words what it did. */
export interface FaultPlayer {
  unplug(): Promise<void>;
  replug(): Promise<void>;
  hang(): void;
  slow(latencyMs: number): void;
  failNext(code: DeviceErrorCode): string;
}

/** What each kind of line does for a fault, in words (for a timeline). */
const FAULT_TEXT: Record<TwinKind, Record<Exclude<WireFault, 'fail-next'>, string>> = {
  firmata: { unplug: 'the I/O board is unplugged (power and cable)', replug: 'the I/O board is plugged back in and powers up', hang: 'the board firmware hangs (nothing read, answered or reported until it powers up again)', slow: 'the board handles every message late' },
  'signature-pad': { unplug: 'the pad is unplugged', replug: 'the pad is plugged back in', hang: 'the pad never answers its next request', slow: 'the pad answers every request late' },
  'env-sensor': { unplug: 'the sensor is unplugged', replug: 'the sensor is plugged back in', hang: 'the sensor never answers its next request', slow: 'the sensor answers every request late' },
  dmx: { unplug: 'the DMX widget is unplugged', replug: 'the DMX widget is plugged back in', hang: 'the widget never answers its next request', slow: 'the widget answers every request late' },
};

/** Plays `fault` on the twin of a line of `kind`; returns what happened, in words. */
export async function playFault(player: FaultPlayer, kind: TwinKind, fault: WireFault, args: { code: DeviceErrorCode; latencyMs: number }): Promise<string> {
  switch (fault) {
    case 'unplug':
      await player.unplug();
      break;
    case 'replug':
      await player.replug();
      break;
    case 'hang':
      player.hang();
      break;
    case 'slow':
      player.slow(args.latencyMs);
      break;
    case 'fail-next':
      return player.failNext(args.code);
  }
  return FAULT_TEXT[kind][fault];
}

/** The Firmata board: `fail-next` is garbage on the line whatever the code (a board has no error answers). */
export function boardFaults(twin: FirmataBoardTwin): FaultPlayer {
  return {
    unplug: () => twin.unplug(),
    async replug() {
      // A hung firmware is cured only by power: a board still on its cable is power-cycled.
      if (twin.pair.connected) await twin.unplug();
      await twin.replug();
    },
    hang: () => twin.goSilent(true),
    slow: (latencyMs) => twin.setLatency(latencyMs),
    failNext() {
      twin.sendGarbage();
      return 'the board sends bytes no Firmata board sends (garbage on the line)';
    },
  };
}

/** A device speaking a request/answer line protocol (the signature pad, the environment sensor). */
export function lineDeviceFaults(twin: SignaturePadTwin | EnvSensorTwin): FaultPlayer {
  return {
    unplug: () => twin.unplug(),
    async replug() {
      twin.setSilent(false);
      await twin.replug();
    },
    hang: () => twin.hangNextCommand(),
    slow: (latencyMs) => twin.setLatency(latencyMs),
    failNext(code) {
      if (code === 'EBADMSG') {
        twin.garbleNextAnswer();
        return 'the next request is answered with bytes that are not the protocol (garbage on the line)';
      }
      twin.failNextCommand(code);
      return `the next request is answered with the ERR code the host reads as ${code}`;
    },
  };
}

/** The DMX widget (Enttec USB Pro protocol). */
export function widgetFaults(twin: DmxWidgetTwin): FaultPlayer {
  return {
    unplug: () => twin.unplug(),
    replug: () => twin.replug(),
    hang: () => twin.hangNextRequest(),
    slow: (latencyMs) => twin.setAnswerDelay(latencyMs),
    failNext(code) {
      twin.failNextRequest(code);
      return `the next request is answered the way the driver reads as ${code}`;
    },
  };
}
