/**
 * The child process of tests/integration/firmata-headless.test.ts: opens a Firmata door lock and
 * sensors on the board at argv[2], locks, and reports on stdout (one JSON line per stage) what
 * johnny-five did to the process: signal and exit handlers, its module-wide board list. It takes
 * SIGINT itself (as boothd does) and carries on; then closes and ends by itself — it never calls
 * process.exit, so it ends only if nothing (a REPL on stdin, a timer) is left holding the loop.
 */
import { createRequire } from 'node:module';
import { FirmataBoards } from '../../drivers/firmata/board-registry.ts';
import { FirmataDoorLock, firmataDoorLockProps } from '../../drivers/firmata-door-lock/index.ts';
import { FirmataSensors, firmataSensorsProps } from '../../drivers/firmata-sensors/index.ts';
import { systemClock } from '../../hal/clock.ts';
import { DOOR_PROPS, SENSORS_PROPS } from './firmata-rig.ts';

const path = process.argv[2]!;
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const listeners = () => ({
  sigint: process.listenerCount('SIGINT'),
  sigterm: process.listenerCount('SIGTERM'),
  exit: process.listenerCount('exit'),
  uncaught: process.listenerCount('uncaughtException'),
});
const fiveBoards = () => (createRequire(import.meta.url)('johnny-five') as { Board: { cache: unknown[] } }).Board.cache.length;

const before = listeners();
const onSigint = () => void afterSigint();
process.on('SIGINT', onSigint);

const boards = new FirmataBoards();
const on = { boards, path, baudRate: 57_600 };
const door = new FirmataDoorLock({ id: 'door', compatible: 'firmata,door-lock', clock: systemClock }, firmataDoorLockProps.parse(DOOR_PROPS), on);
const sensors = new FirmataSensors({ id: 'sensors', compatible: 'firmata,sensors', clock: systemClock }, firmataSensorsProps.parse(SENSORS_PROPS), on);
await door.open({ timeoutMs: 5000 });
await sensors.open({ timeoutMs: 5000 });
const status = await door.lock();
say({ stage: 'locked', bolt: status.bolt, before, after: listeners(), fiveBoards: fiveBoards() });

async function afterSigint(): Promise<void> {
  // Still here, and the board still answers: johnny-five's SIGINT handler would have exited.
  const stillLocked = await door.status({ timeoutMs: 2000 });
  say({ stage: 'after-sigint', bolt: stillLocked.bolt });
  await sensors.close();
  await door.close();
  process.off('SIGINT', onSigint);
  say({ stage: 'closed', fiveBoards: fiveBoards(), boards: boards.size, listeners: listeners() });
}
