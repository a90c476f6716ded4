/**
 * The names and numbers of the kiosk protocol `booth-kiosk/1` (docs/kiosk-api.md is the
 * reference). A new major version gets a new path (/kiosk/v2) served beside this one; within a
 * major, fields and values are only ever added.
 */

export const KIOSK_PROTOCOL = 'booth-kiosk/1';
export const KIOSK_SOCKET_PATH = '/kiosk/v1';

/** Error codes of `{"type":"error"}` messages. */
export const KIOSK_ERROR_CODES = ['EBADMSG', 'EORDER', 'EPROTO', 'EINTERNAL'] as const;
export type KioskErrorCode = (typeof KIOSK_ERROR_CODES)[number];

/** WebSocket close codes the server uses (RFC 6455 §7.4 and the 4000–4999 private range). */
export const CLOSE_CODES = {
  /** The runtime is stopping. */
  goingAway: 1001,
  /** A frame larger than the limit (sent by ws itself). */
  messageTooBig: 1009,
  /** Too many kiosk connections: the client may retry later. */
  tryAgainLater: 1013,
  /** The client asked for a protocol this server does not speak. */
  unsupportedProtocol: 4001,
} as const;
