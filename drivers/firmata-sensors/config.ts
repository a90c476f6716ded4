/**
 * `props` of `firmata,sensors`: binary inputs on board pins, keyed by the HAL capability they
 * provide, and an optional climate reading from two analog transmitters.
 */
import { z } from 'zod';
import { boardSettings, checkDistinctPins, DEFAULT_BOARD_SETTINGS, inputSpec, pinRef, type PinRef } from '../firmata/config.ts';

/** A linear analog transmitter: `zero` at 0 V, `fullScale` at the ADC's top (e.g. -40 … 60 °C). */
const analogSpec = z
  .object({
    pin: pinRef,
    zero: z.number(),
    fullScale: z.number(),
  })
  .strict()
  .refine((spec) => spec.zero !== spec.fullScale, { message: 'zero and fullScale must differ', path: ['fullScale'] });

export const firmataSensorsProps = z
  .object({
    /** "Active" is the state the name says: pressed, alarm, motion, open, tampered, on battery. */
    inputs: z
      .object({
        'exit-button': inputSpec({ debounce: 'leading', debounceMs: 30 }).optional(),
        'fire-alarm': inputSpec({ debounce: 'leading', debounceMs: 30 }).optional(),
        occupancy: inputSpec({ debounce: 'settle', debounceMs: 50 }).optional(),
        'door-contact': inputSpec({ debounce: 'settle', debounceMs: 20 }).optional(),
        tamper: inputSpec({ debounce: 'settle', debounceMs: 50 }).optional(),
        ups: inputSpec({ debounce: 'settle', debounceMs: 100 }).optional(),
      })
      .strict()
      .default({}),
    climate: z
      .object({
        temperature: analogSpec,
        humidity: analogSpec,
        /** Readings closer than this to the last reported one are not reported again. */
        deadband: z.number().min(0).max(10).default(0.3),
      })
      .strict()
      .optional(),
    board: boardSettings.default(DEFAULT_BOARD_SETTINGS),
  })
  .strict()
  .superRefine((props, context) => {
    const pins: Array<[(string | number)[], PinRef]> = Object.entries(props.inputs)
      .filter((entry): entry is [string, NonNullable<(typeof entry)[1]>] => entry[1] !== undefined)
      .map(([name, input]) => [['inputs', name, 'pin'], input.pin]);
    if (props.climate) {
      pins.push([['climate', 'temperature', 'pin'], props.climate.temperature.pin]);
      pins.push([['climate', 'humidity', 'pin'], props.climate.humidity.pin]);
    }
    if (pins.length === 0) context.addIssue({ code: 'custom', path: ['inputs'], message: 'name at least one input or the climate pins' });
    checkDistinctPins(pins, context);
  });
export type FirmataSensorsProps = z.infer<typeof firmataSensorsProps>;
