/**
 * Turns the raw request target into path segments, refusing instead of normalising. `new URL()`
 * would quietly fold `/ui/../../etc` into `/etc`; a static server that trusts that fold has only
 * the folding between it and the file system. Here any `.` or `..` segment, an encoded slash or
 * backslash, a NUL or a dotfile is a refusal, so a path can only ever name something below its root.
 */

export type RequestPath = { ok: true; segments: string[]; trailingSlash: boolean } | { ok: false; reason: string };

export function parseRequestPath(target: string): RequestPath {
  const rawPath = target.split(/[?#]/, 1)[0] ?? '';
  if (!rawPath.startsWith('/')) return { ok: false, reason: 'the path must start with "/"' };
  const rawSegments = rawPath.slice(1).split('/');
  const trailingSlash = rawSegments.length > 0 && rawSegments[rawSegments.length - 1] === '';
  if (trailingSlash) rawSegments.pop();
  const segments: string[] = [];
  for (const raw of rawSegments) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, reason: 'bad percent-encoding' };
    }
    if (segment === '') return { ok: false, reason: 'empty path segment' };
    if (segment.startsWith('.')) return { ok: false, reason: 'dot segments and hidden files are not served' };
    if (/[/\\\0]/.test(segment)) return { ok: false, reason: 'forbidden character in a path segment' };
    segments.push(segment);
  }
  return { ok: true, segments, trailingSlash };
}
