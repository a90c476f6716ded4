/**
 * The Firmata I/O board layer shared by `firmata,door-lock`, `firmata,sensors` and
 * `firmata,pwm-lighting` (docs/drivers/firmata.md): one connection per serial path, counted by
 * the devices that use it.
 */
export { FirmataBoards, BoardLease } from './board-registry.ts';
export { FirmataBoard, type BoardIdentity, type BoardState, type BoardTarget } from './board.ts';
export { boardSettings, DEFAULT_BOARD_SETTINGS, inputSpec, outputSpec, pinRef, serialTarget, type BoardSettings, type PinRef } from './config.ts';
export { BoardError } from './errors.ts';
