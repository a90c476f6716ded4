/**
 * The primary host application's STATE message (Sparkplug 3.0): a UTF-8 JSON object
 * `{"online": true|false, "timestamp": <ms UTC>}`, retained, on `spBv1.0/STATE/<host>`.
 */
export type HostState = { ok: true; online: boolean; timestamp: number } | { ok: false; reason: string };

const MAX_STATE_BYTES = 1024;

export function parseHostState(payload: Uint8Array): HostState {
  if (payload.byteLength > MAX_STATE_BYTES) return { ok: false, reason: `STATE payload of ${payload.byteLength} bytes is too large` };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    return { ok: false, reason: `STATE payload is not UTF-8 JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'STATE payload is not a JSON object' };
  const { online, timestamp } = value as Record<string, unknown>;
  if (typeof online !== 'boolean') return { ok: false, reason: 'STATE "online" must be true or false' };
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return { ok: false, reason: 'STATE "timestamp" must be a number' };
  return { ok: true, online, timestamp };
}

export function encodeHostState(online: boolean, timestamp: number): Buffer {
  return Buffer.from(JSON.stringify({ online, timestamp }));
}
