/**
 * The kiosk API is for the touchscreen on the same PC only: it carries live fingerprint and
 * face previews and accepts the person's actions without authentication. Binding it to anything
 * but a loopback address would put both on the migration centre's network.
 */
import { BlockList, isIP } from 'node:net';

/** Explains the rule wherever a non-loopback address is refused (config and server). */
export const LOOPBACK_ONLY_MESSAGE =
  'expected a loopback address (127.0.0.0/8 or ::1): the kiosk API must never be reachable from the network';

/** True for a literal IPv4 address in 127.0.0.0/8 or the IPv6 loopback (any spelling). Host names are refused. */
export function isLoopbackAddress(host: string): boolean {
  const family = isIP(host);
  if (family === 0) return false;
  // Built per call: a module-level BlockList would be a singleton, and this runs a few times per start.
  const loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  return loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
}
