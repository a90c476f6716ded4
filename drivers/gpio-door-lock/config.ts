/**
 * `props` of `gpio,door-lock`: the lock relay on an output line of the booth PC's GPIO chip (the
 * manifest bus `{ type: gpio, chip }`), and the optional bolt sensor and door contact on input lines.
 */
import { z } from 'zod';
import { checkDistinctLines, gpioWatchSettings, lineInput, lineOutput } from '../gpio/config.ts';

export const gpioDoorLockProps = z
  .object({
    /**
     * The relay that powers the lock. Energised (the line active) = locked: the lock is fail-safe.
     * `activeLow: true` for a relay stage switched by a LOW pin; prefer an active-high stage, whose
     * pin is LOW (released) while the PC boots and after boothd lets go of the line.
     */
    relay: lineOutput,
    /** Active = the bolt is engaged (locked). Without it the relay line is the bolt state. */
    boltSensor: lineInput({ debounce: 'settle', debounceMs: 10 }).optional(),
    /** Active = the door is open. Enables refusing to lock an open door and forced-entry events. */
    doorContact: lineInput({ debounce: 'settle', debounceMs: 20 }).optional(),
    /** How long the bolt sensor gets to confirm a lock or an unlock. */
    boltConfirmMs: z.number().int().min(10).max(10_000).default(500),
    ...gpioWatchSettings,
  })
  .strict()
  .superRefine((props, context) => {
    const lines: Array<[(string | number)[], number]> = [[['relay', 'line'], props.relay.line]];
    if (props.boltSensor) lines.push([['boltSensor', 'line'], props.boltSensor.line]);
    if (props.doorContact) lines.push([['doorContact', 'line'], props.doorContact.line]);
    checkDistinctLines(lines, context);
  });
export type GpioDoorLockProps = z.infer<typeof gpioDoorLockProps>;
