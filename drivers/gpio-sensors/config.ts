/**
 * `props` of `gpio,sensors`: the booth's binary inputs on input lines of the booth PC's GPIO chip
 * (the manifest bus `{ type: gpio, chip }`), keyed by the HAL capability they provide.
 */
import { z } from 'zod';
import { checkDistinctLines, gpioWatchSettings, lineInput } from '../gpio/config.ts';

export const gpioSensorsProps = z
  .object({
    /** "Active" is the state the name says: pressed, alarm, motion, open, tampered, on battery. */
    inputs: z
      .object({
        'exit-button': lineInput({ debounce: 'leading', debounceMs: 30 }).optional(),
        'fire-alarm': lineInput({ debounce: 'leading', debounceMs: 30 }).optional(),
        occupancy: lineInput({ debounce: 'settle', debounceMs: 50 }).optional(),
        'door-contact': lineInput({ debounce: 'settle', debounceMs: 20 }).optional(),
        tamper: lineInput({ debounce: 'settle', debounceMs: 50 }).optional(),
        ups: lineInput({ debounce: 'settle', debounceMs: 100 }).optional(),
      })
      .strict(),
    ...gpioWatchSettings,
  })
  .strict()
  .superRefine((props, context) => {
    const lines: Array<[(string | number)[], number]> = Object.entries(props.inputs)
      .filter((entry): entry is [string, NonNullable<(typeof entry)[1]>] => entry[1] !== undefined)
      .map(([name, input]) => [['inputs', name, 'line'], input.line]);
    if (lines.length === 0) context.addIssue({ code: 'custom', path: ['inputs'], message: 'name at least one input' });
    checkDistinctLines(lines, context);
  });
export type GpioSensorsProps = z.infer<typeof gpioSensorsProps>;
