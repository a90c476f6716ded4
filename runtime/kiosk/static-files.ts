/**
 * Serves the kiosk's own files — the UI, the message catalogues, the voice prompts — read-only,
 * from a few folders ("mounts"). Every file served is proven to lie inside its mount after
 * symlinks are resolved, so neither `..` nor a symlink can reach the rest of the disk.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import type { BoothLogger } from '../logging/logger.ts';
import { contentTypeFor } from './content-types.ts';
import { parseRequestPath } from './request-path.ts';

export interface StaticMount {
  /** The leading path segments that select this mount (`['voice']`); `[]` matches everything left. */
  prefix: readonly string[];
  /** The folder served; absent: the mount exists but has nothing (every path is 404). */
  root: string | undefined;
  /** Which paths below the prefix may be served at all; default: any. */
  accepts?: (segments: readonly string[]) => boolean;
}

const ALLOWED_METHODS = 'GET, HEAD';

/** Answers one request from the first mount whose prefix matches. Never throws. */
export async function serveStatic(
  request: IncomingMessage,
  response: ServerResponse,
  mounts: readonly StaticMount[],
  logger: BoothLogger,
): Promise<void> {
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendPlain(response, 405, 'method not allowed: the kiosk server only serves files (GET, HEAD)\n', { Allow: ALLOWED_METHODS });
      return;
    }
    const path = parseRequestPath(request.url ?? '');
    if (!path.ok) {
      logger.debug({ event: 'kiosk.static-refused', reason: path.reason }, 'static path refused');
      sendPlain(response, 404, 'not found\n');
      return;
    }
    const mount = mounts.find((candidate) => candidate.prefix.every((segment, index) => path.segments[index] === segment));
    const below = mount ? path.segments.slice(mount.prefix.length) : [];
    const file =
      mount?.root !== undefined && (mount.accepts?.(below) ?? true)
        ? await resolveFileInside(mount.root, below, path.trailingSlash || below.length === 0)
        : undefined;
    if (!file) {
      sendPlain(response, 404, 'not found\n');
      return;
    }
    response.writeHead(200, {
      'Content-Type': contentTypeFor(file.path),
      'Content-Length': file.size,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', (error) => {
      logger.warn({ event: 'kiosk.static-read-failed', err: error }, 'a kiosk file could not be read');
      response.destroy();
    });
    stream.pipe(response);
  } catch (error) {
    logger.error({ event: 'kiosk.static-failed', err: error }, 'serving a kiosk file failed');
    if (!response.headersSent) sendPlain(response, 500, 'internal error\n');
    else response.destroy();
  }
}

export function sendPlain(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(message),
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(message);
}

/**
 * The real path of the file `segments` names below `root` (its index.html when it is a folder
 * and `folderIndex` allows), or undefined when there is none or it resolves outside `root`.
 */
async function resolveFileInside(
  root: string,
  segments: readonly string[],
  folderIndex: boolean,
): Promise<{ path: string; size: number } | undefined> {
  const realRoot = await realpathOrUndefined(root);
  if (realRoot === undefined) return undefined;
  let real = await realpathOrUndefined(join(realRoot, ...segments));
  if (real === undefined || !isInside(realRoot, real)) return undefined;
  let info = await stat(real);
  if (info.isDirectory()) {
    if (!folderIndex) return undefined;
    real = await realpathOrUndefined(join(real, 'index.html'));
    if (real === undefined || !isInside(realRoot, real)) return undefined;
    info = await stat(real);
  }
  return info.isFile() ? { path: real, size: info.size } : undefined;
}

async function realpathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

function isInside(root: string, path: string): boolean {
  const rootWithSep = root.endsWith(sep) ? root : root + sep;
  return path === root || path.startsWith(rootWithSep);
}
