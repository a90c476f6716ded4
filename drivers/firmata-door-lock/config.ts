/**
 * `props` of `firmata,door-lock`: the lock relay on a board output, and the optional bolt sensor
 * and door contact on board inputs. Pins are Firmata pin numbers, "D<n>" or "A<n>".
 */
import { z } from 'zod';
import { boardSettings, checkDistinctPins, DEFAULT_BOARD_SETTINGS, inputSpec, outputSpec } from '../firmata/config.ts';

export const firmataDoorLockProps = z
  .object({
    /**
     * The relay that powers the lock. Energised = locked: the lock is fail-safe, so a board that
     * loses power, resets or is unplugged leaves the door unlocked. Keep it active-high:
     * StandardFirmata drives every output LOW after a reset, which energises an active-low relay.
     */
    relay: outputSpec,
    /** Active = the bolt is engaged (locked). Without it the relay read-back is the bolt state. */
    boltSensor: inputSpec({ debounce: 'settle', debounceMs: 10 }).optional(),
    /** Active = the door is open. Enables refusing to lock an open door and forced-entry events. */
    doorContact: inputSpec({ debounce: 'settle', debounceMs: 20 }).optional(),
    /** How long the bolt sensor gets to confirm a lock or an unlock. */
    boltConfirmMs: z.number().int().min(10).max(10_000).default(500),
    board: boardSettings.default(DEFAULT_BOARD_SETTINGS),
  })
  .strict()
  .superRefine((props, context) => {
    const pins: Array<[(string | number)[], z.infer<typeof outputSpec>['pin']]> = [[['relay', 'pin'], props.relay.pin]];
    if (props.boltSensor) pins.push([['boltSensor', 'pin'], props.boltSensor.pin]);
    if (props.doorContact) pins.push([['doorContact', 'pin'], props.doorContact.pin]);
    checkDistinctPins(pins, context);
  });
export type FirmataDoorLockProps = z.infer<typeof firmataDoorLockProps>;
