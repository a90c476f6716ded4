/**
 * One physical I/O board serves several HAL devices (door lock, sensors, lighting). They share
 * one connection per serial path, counted by leases: the first device to open connects, the last
 * to close disconnects, and a lost board is lost for all of them — each re-opens on its own, and
 * the first to do so connects a fresh board the others then join.
 *
 * Not a module singleton: the composition root makes one registry (runtime/devices/
 * builtin-drivers.ts) and hands it to every Firmata device it creates; a test makes its own.
 */
import type { Clock } from '../../hal/clock.ts';
import { FirmataBoard, type BoardTarget } from './board.ts';
import type { BoardSettings } from './config.ts';
import { BoardError } from './errors.ts';

export class BoardLease {
  readonly board: FirmataBoard;
  readonly owner: string;
  #released = false;
  readonly #onRelease: (lease: BoardLease) => Promise<void>;

  constructor(board: FirmataBoard, owner: string, onRelease: (lease: BoardLease) => Promise<void>) {
    this.board = board;
    this.owner = owner;
    this.#onRelease = onRelease;
  }

  get released(): boolean {
    return this.#released;
  }

  /** Lets go of the board; the last lease closes it. Safe to call twice. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.#onRelease(this);
  }
}

interface Entry {
  board: FirmataBoard;
  leases: Set<BoardLease>;
}

export class FirmataBoards {
  readonly #entries = new Map<string, Entry>();
  /** The last board of each path, so a new one waits until the old one has closed the port. */
  readonly #previous = new Map<string, FirmataBoard>();

  /** Boards connected or connecting now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The live board on a path, if any (for tests and health). */
  board(path: string): FirmataBoard | undefined {
    return this.#entries.get(path)?.board;
  }

  /**
   * A lease on the board at `target.path`, made if there is none (or the one there was lost).
   * EBUSY when the board is already open with another baud rate or other board settings.
   */
  acquire(target: BoardTarget, settings: BoardSettings, clock: Clock, owner: string): BoardLease {
    let entry = this.#entries.get(target.path);
    if (entry && (entry.board.state === 'lost' || entry.board.state === 'closed')) {
      this.#entries.delete(target.path);
      entry = undefined;
    }
    if (entry) {
      const mismatch = differences(entry.board.target, entry.board.settings, target, settings);
      if (mismatch) {
        const holders = [...entry.leases].map((lease) => lease.owner).join(', ');
        throw new BoardError('EBUSY', `board on ${target.path} is already open by ${holders} with ${mismatch}`);
      }
    } else {
      const board = new FirmataBoard(target, settings, clock, this.#previous.get(target.path)?.closed);
      this.#previous.set(target.path, board);
      entry = { board, leases: new Set() };
      this.#entries.set(target.path, entry);
      const forget = () => {
        if (this.#entries.get(target.path)?.board === board) this.#entries.delete(target.path);
      };
      board.once('lost', forget);
    }
    const held = entry;
    const lease = new BoardLease(held.board, owner, async (released) => {
      held.leases.delete(released);
      if (held.leases.size > 0) return;
      if (this.#entries.get(target.path) === held) this.#entries.delete(target.path);
      await held.board.close();
    });
    held.leases.add(lease);
    return lease;
  }
}

function differences(openTarget: BoardTarget, openSettings: BoardSettings, target: BoardTarget, settings: BoardSettings): string | undefined {
  const found: string[] = [];
  if (openTarget.baudRate !== target.baudRate) found.push(`baudRate ${openTarget.baudRate} (asked: ${target.baudRate})`);
  for (const key of Object.keys(openSettings) as Array<keyof BoardSettings>) {
    if (openSettings[key] !== settings[key]) found.push(`board.${key} ${openSettings[key]} (asked: ${settings[key]})`);
  }
  return found.length > 0 ? found.join(', ') : undefined;
}
