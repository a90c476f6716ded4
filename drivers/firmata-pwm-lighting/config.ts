/**
 * `props` of `firmata,pwm-lighting`: named channels on board pins — PWM for dimmable light
 * (LED drivers with a PWM input), plain outputs for on/off lamps and status LEDs — and scenes.
 */
import { z } from 'zod';
import { boardSettings, checkDistinctPins, DEFAULT_BOARD_SETTINGS, pinRef, type PinRef } from '../firmata/config.ts';

const level = z.number().min(0).max(100);

const channelSpec = z
  .object({
    pin: pinRef,
    /** The driver input is inverted: duty 0 is full light. */
    activeLow: z.boolean().default(false),
    /** false: an on/off output (any level above 0 is on, reported as 100). */
    dimmable: z.boolean().default(true),
  })
  .strict();
export type ChannelSpec = z.infer<typeof channelSpec>;

export const firmataPwmLightingProps = z
  .object({
    channels: z
      .record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a lower-case channel name'), channelSpec)
      .refine((channels) => Object.keys(channels).length > 0, 'name at least one channel'),
    /** Scene name → channel levels; channels a scene does not name keep their level. "off" is added when absent. */
    scenes: z.record(z.string().min(1), z.record(z.string(), level)).default({}),
    board: boardSettings.default(DEFAULT_BOARD_SETTINGS),
  })
  .strict()
  .superRefine((props, context) => {
    const names = Object.keys(props.channels);
    for (const [scene, levels] of Object.entries(props.scenes)) {
      for (const channel of Object.keys(levels)) {
        if (!names.includes(channel)) {
          context.addIssue({ code: 'custom', path: ['scenes', scene, channel], message: `scene "${scene}" sets unknown channel "${channel}" (channels: ${names.join(', ')})` });
        }
      }
    }
    checkDistinctPins(
      Object.entries(props.channels).map(([name, spec]): [(string | number)[], PinRef] => [['channels', name, 'pin'], spec.pin]),
      context,
    );
  })
  .transform((props) => {
    const off: Record<string, number> = Object.fromEntries(Object.keys(props.channels).map((channel) => [channel, 0]));
    const scenes: Record<string, Record<string, number>> = { off, ...props.scenes };
    return { ...props, scenes };
  });
export type FirmataPwmLightingProps = z.infer<typeof firmataPwmLightingProps>;
