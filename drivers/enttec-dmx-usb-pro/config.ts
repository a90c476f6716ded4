/**
 * Manifest `props` of an `enttec,dmx-usb-pro` lighting device. The channel and scene names
 * default to the ones `sim,lighting` uses, so a manifest can swap the simulator for the real
 * widget without the session code noticing.
 *
 * ```yaml
 * - id: lights
 *   compatible: enttec,dmx-usb-pro
 *   bus: { type: serial, path: /dev/serial/by-id/usb-ENTTEC_DMX_USB_PRO_EN123456-if00-port0 }
 *   props:
 *     channels: { key: { slot: 1, fineSlot: 2 }, fill: { slot: 3, fineSlot: 4 }, ambient: 5, scanner: 6 }
 *     fadeMs: 300
 * ```
 */
import { z } from 'zod';
import { UNIVERSE_SLOTS } from './protocol.ts';
import type { ChannelPatch } from './universe.ts';

const slot = z.number().int().min(1).max(UNIVERSE_SLOTS);
const level = z.number().min(0).max(100);

/** A channel is a slot number (8-bit), or `{ slot, fineSlot }` for a 16-bit coarse/fine pair. */
const channel = z
  .union([slot, z.object({ slot, fineSlot: slot.optional() }).strict()])
  .transform((value): ChannelPatch => (typeof value === 'number' ? { slot: value } : value));

const DEFAULT_CHANNELS: Record<string, ChannelPatch> = {
  key: { slot: 1, fineSlot: 2 },
  fill: { slot: 3, fineSlot: 4 },
  ambient: { slot: 5 },
  scanner: { slot: 6 },
};

const DEFAULT_SCENES: Record<string, Record<string, number>> = {
  off: { key: 0, fill: 0, ambient: 0, scanner: 0 },
  idle: { key: 0, fill: 0, ambient: 40, scanner: 0 },
  welcome: { key: 30, fill: 30, ambient: 80, scanner: 0 },
  fingerprint: { key: 20, fill: 20, ambient: 60, scanner: 100 },
  portrait: { key: 90, fill: 70, ambient: 50, scanner: 0 },
};

export const dmxUsbProProps = z
  .object({
    /** Channel name → DMX slot(s). */
    channels: z.record(z.string().min(1), channel).default(DEFAULT_CHANNELS),
    /** Scene name → levels (percent) of some channels; channels a scene does not name keep their level. */
    scenes: z.record(z.string().min(1), z.record(z.string(), level)).default(DEFAULT_SCENES),
    /** How long setLevel and setScene take to move from the current levels to the new ones; 0 jumps. */
    fadeMs: z.number().int().min(0).max(60_000).default(0),
    /** Interval between frames during a fade: 25 ms is 40 frames a second, the widget's top output rate. */
    fadeFrameMs: z.number().int().min(23).max(1000).default(25),
    /** Resend the whole universe when no frame went out for this long (fixtures black out without DMX). */
    refreshMs: z.number().int().min(25).max(60_000).default(1000),
    /** Ask the widget for its serial number this often to prove it is still there; 0 turns this off. */
    keepAliveMs: z.number().int().min(0).max(60_000).default(1000),
    /** How long the widget may take to answer a request. */
    answerTimeoutMs: z.number().int().min(10).max(10_000).default(500),
    /** Consecutive unanswered keep-alive requests after which the widget counts as gone (`lost`). */
    lostAfterMisses: z.number().int().min(1).max(100).default(2),
    /** Open fails with ETIMEDOUT when the widget has not identified itself within this time. */
    identifyTimeoutMs: z.number().int().min(50).max(30_000).default(2000),
    /** Identification requests are repeated this often during open (a freshly enumerated widget may miss the first). */
    identifyRetryMs: z.number().int().min(10).max(5000).default(250),
    /** An incomplete frame from the widget is dropped when no byte follows for this long. */
    interByteTimeoutMs: z.number().int().min(5).max(5000).default(100),
  })
  .strict()
  .superRefine((props, context) => {
    const owners = new Map<number, string>();
    for (const [name, patch] of Object.entries(props.channels)) {
      for (const used of patch.fineSlot === undefined ? [patch.slot] : [patch.slot, patch.fineSlot]) {
        const owner = owners.get(used);
        if (owner !== undefined) {
          context.addIssue({ code: 'custom', path: ['channels', name], message: `slot ${used} is already used by channel "${owner}"` });
        }
        owners.set(used, name);
      }
    }
    const names = Object.keys(props.channels);
    if (names.length === 0) context.addIssue({ code: 'custom', path: ['channels'], message: 'at least one channel is needed' });
    for (const [scene, levels] of Object.entries(props.scenes)) {
      for (const name of Object.keys(levels)) {
        if (!names.includes(name)) {
          context.addIssue({
            code: 'custom',
            path: ['scenes', scene, name],
            message: `scene "${scene}" sets unknown channel "${name}" (channels: ${names.join(', ')})`,
          });
        }
      }
    }
  });

export type DmxUsbProProps = z.infer<typeof dmxUsbProProps>;
