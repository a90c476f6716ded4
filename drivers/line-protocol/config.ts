/** Props every line-protocol device shares, and the serial bus it needs from the manifest. */
import { z } from 'zod';

export const lineProps = {
  /** A PING goes out this often, and each PING has this long to be answered. */
  keepAliveMs: z.number().int().min(50).max(60_000).default(1000),
  /** Unanswered PINGs in a row after which the device counts as lost (3 × 1000 ms: lost 3–4 s after it went quiet). */
  keepAliveMisses: z.number().int().min(1).max(100).default(3),
  /** HELLO is repeated this often while opening, until the device answers one. */
  helloRetryMs: z.number().int().min(20).max(10_000).default(500),
};

/** The manifest's `bus: { type: serial, path, baudRate }`, checked (drivers do not import runtime/). */
export function serialBus(bus: { type: string; path?: string; baudRate?: number }): { path: string; baudRate: number } {
  if (bus.type !== 'serial' || !bus.path) throw new Error(`a line-protocol device needs a serial bus with a path, not "${bus.type}"`);
  return { path: bus.path, baudRate: bus.baudRate ?? 115_200 };
}
