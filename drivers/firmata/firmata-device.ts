/**
 * The shared half of the Firmata devices: a DeviceCore that holds a lease on its board while
 * open, sets up its pins after the board is connected, turns board failures into its own HAL
 * errors, becomes `lost` with the board, and reports garbage on the line as an EBADMSG fault.
 */
import type { DeviceContext } from '../../hal/device-core.ts';
import { DeviceCore } from '../../hal/device-core.ts';
import type { DeviceInfo, HealthReport } from '../../hal/device.ts';
import { DeviceError } from '../../hal/errors.ts';
import type { FirmataBoard } from './board.ts';
import type { BoardLease, FirmataBoards } from './board-registry.ts';
import type { BoardSettings } from './config.ts';
import { isBoardError } from './errors.ts';

/** How long closing waits for the board to confirm its outputs are safe. */
const CLOSE_READBACK_MS = 500;

export interface FirmataDeviceOptions {
  boards: FirmataBoards;
  path: string;
  baudRate: number;
  board: BoardSettings;
}

export abstract class FirmataDevice<Own extends Record<keyof Own, unknown[]>, Capability extends string> extends DeviceCore<Own, Capability> {
  readonly #options: FirmataDeviceOptions;
  #lease: BoardLease | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(context: DeviceContext, options: FirmataDeviceOptions) {
    super(context);
    this.#options = options;
  }

  /** What the device is called in DeviceInfo.model, e.g. "door lock (relay D7)". */
  protected abstract describe(): string;
  /** Claims and sets up the device's pins on a connected board; ends with a read-back. */
  protected abstract configure(board: FirmataBoard, signal: AbortSignal): Promise<void>;
  /** Puts outputs in their safe state and reads them back before the device lets go of the board. */
  protected abstract unconfigure(board: FirmataBoard, signal: AbortSignal): Promise<void>;
  /** A round trip that proves the device's pins are set up (used by `open` on an open device). */
  protected abstract verify(board: FirmataBoard, signal: AbortSignal): Promise<void>;
  /** The board went away or the device closed: forget input states. */
  protected abstract forget(): void;

  /** The connected board, or ENODEV. */
  protected board(operation: string): FirmataBoard {
    const board = this.#lease?.board;
    if (!board || board.state !== 'ready') throw this.error('ENODEV', operation, 'board not connected');
    return board;
  }

  /** Runs board work, turning a BoardError into this device's DeviceError with the same code. */
  protected async onBoard<T>(operation: string, work: () => Promise<T> | T): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.asDeviceError(error, operation);
    }
  }

  protected asDeviceError(error: unknown, operation: string): unknown {
    if (error instanceof DeviceError) return error;
    if (isBoardError(error)) return this.error(error.code, operation, error.message, error);
    return error;
  }

  protected override async doOpen(signal: AbortSignal): Promise<DeviceInfo> {
    return this.onBoard('open', async () => {
      const current = this.#lease?.board;
      if (current?.state === 'ready' && !this.#lease?.released) {
        try {
          await this.verify(current, signal);
          return this.info(current);
        } catch (error) {
          if (current.state === 'ready') throw error;
          // The board went away during the check (unplugged, and maybe plugged back already):
          // this open connects afresh instead.
        }
      }
      await this.letGo();
      const { boards, path, baudRate, board: settings } = this.#options;
      const lease = boards.acquire({ path, baudRate }, settings, this.clock, this.id);
      this.#lease = lease;
      const board = lease.board;
      // While opening, a lost board fails (or restarts) the open itself; `lost` is for a ready device.
      const onLost = (error: Error) => {
        if (this.state !== 'opening') this.markLost(error.message);
      };
      const onGarbage = (bytes: number, reason: string) =>
        this.reportFault('EBADMSG', `${bytes} byte(s) of garbage from the board (${reason}); inputs re-read`);
      board.on('lost', onLost);
      board.on('garbage', onGarbage);
      this.#unsubscribe = () => {
        board.off('lost', onLost);
        board.off('garbage', onGarbage);
      };
      await board.connect(signal);
      await this.configure(board, signal);
      return this.info(board);
    });
  }

  protected override async doClose(): Promise<void> {
    const board = this.#lease?.board;
    if (board?.state === 'ready') {
      // Bounded: a board that stopped answering must not keep the close waiting.
      const limit = new AbortController();
      const timer = this.clock.setTimeout(() => limit.abort(new Error('no read-back')), CLOSE_READBACK_MS);
      try {
        await this.unconfigure(board, limit.signal);
      } catch {
        // gone or silent: an unpowered board leaves every output off anyway
      } finally {
        timer.cancel();
      }
    }
    await this.letGo();
  }

  protected override async doHealth(signal: AbortSignal): Promise<Omit<HealthReport, 'state' | 'lastError'>> {
    signal.throwIfAborted();
    const board = this.#lease?.board;
    if (!board) return { ok: false, detail: { link: 'down' } };
    return { ok: board.alive, detail: { ...board.health(), ...this.healthDetail() } };
  }

  protected healthDetail(): Record<string, string | number | boolean> {
    return {};
  }

  private info(board: FirmataBoard): DeviceInfo {
    const identity = board.identity;
    return {
      model: `Firmata I/O board ${this.describe()}`,
      serial: board.target.path,
      firmware: identity ? `${identity.firmwareName} ${identity.firmwareVersion} (protocol ${identity.protocolVersion})` : 'unknown',
    };
  }

  private async letGo(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.forget();
    if (!lease) return;
    lease.board.pins.release(this.id);
    await lease.release();
  }
}
