/**
 * Which pages may open the kiosk socket. Any web page shown on the booth PC could try to reach a
 * loopback WebSocket (browsers do not apply the same-origin policy to WebSockets), so a browser's
 * handshake must come from this server's own pages. Clients that send no Origin (tests, tools on
 * the PC) are not browsers and are let through.
 */
import { isLoopbackAddress } from './loopback-address.ts';

export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque "null" origin of file:// pages and sandboxed frames
  }
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const hostIsLocal = host === 'localhost' || isLoopbackAddress(host);
  const originPort = url.port === '' ? 80 : Number(url.port);
  return hostIsLocal && originPort === port;
}
