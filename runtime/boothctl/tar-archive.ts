/**
 * A minimal POSIX ustar writer and reader for `boothctl bundle`. The support bundle only ever holds
 * regular files we generated ourselves, so this covers exactly that (no links, directories or
 * pax/GNU extensions) instead of pulling a tar dependency onto the booth. Both functions are pure:
 * the caller supplies every timestamp, so the same entries always give the same bytes.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export interface ArchiveEntry {
  /** Relative path inside the archive, `/`-separated. */
  name: string;
  /** File content; strings are written as UTF-8. */
  data: Uint8Array | string;
  /** Permission bits; 0o644 when absent. */
  mode?: number;
  /** Modification time; the epoch when absent (no hidden clock read keeps archives reproducible). */
  mtimeMs?: number;
}

const BLOCK = 512;
const NAME_MAX = 100;
const PREFIX_MAX = 155;
/** Largest size an 11-digit octal field can hold (8 GiB - 1). */
const SIZE_MAX = 0o77777777777;

/** Writes `value` as zero-padded octal filling `width - 1` digits plus the terminating NUL. */
function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  header.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}

/** Splits a name into ustar `prefix` and `name`; tar joins them back with a `/`. */
function splitName(entryName: string): { prefix: Buffer; name: Buffer } {
  const fail = (why: string): never => {
    throw new Error(`tar: entry name ${JSON.stringify(entryName)} ${why}`);
  };
  if (entryName === '') fail('is empty');
  if (entryName.startsWith('/')) fail('is absolute');
  if (entryName.includes('\0')) fail('contains a NUL byte');
  // `..` or empty segments could escape or confuse the extraction folder; a trailing `/` means a directory.
  if (entryName.split('/').some((segment) => segment === '..')) fail('contains a ".." segment');
  if (entryName.split('/').some((segment) => segment === '')) fail('has an empty path segment');
  const bytes = Buffer.from(entryName, 'utf8');
  if (bytes.length <= NAME_MAX) return { prefix: Buffer.alloc(0), name: bytes };
  // Split at a `/` (never inside a UTF-8 sequence: 0x2f is always a whole character).
  for (let slash = bytes.indexOf(0x2f); slash !== -1; slash = bytes.indexOf(0x2f, slash + 1)) {
    if (slash <= PREFIX_MAX && bytes.length - slash - 1 <= NAME_MAX) {
      return { prefix: bytes.subarray(0, slash), name: bytes.subarray(slash + 1) };
    }
  }
  return fail(`is too long for ustar (${bytes.length} bytes; at most ${PREFIX_MAX} + "/" + ${NAME_MAX})`);
}

/** The checksum is the byte sum of the header with its own 8-byte field counted as spaces. */
function headerChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

function buildHeader(entry: ArchiveEntry, size: number): Buffer {
  const { prefix, name } = splitName(entry.name);
  if (size > SIZE_MAX) throw new Error(`tar: entry ${JSON.stringify(entry.name)} is larger than ustar allows`);
  const header = Buffer.alloc(BLOCK);
  name.copy(header, 0);
  writeOctal(header, 100, 8, (entry.mode ?? 0o644) & 0o7777);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, Math.max(0, Math.floor((entry.mtimeMs ?? 0) / 1000)));
  header.write('0', 156, 'ascii'); // regular file
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  prefix.copy(header, 345);
  // Six octal digits, NUL, space: the layout POSIX specifies and every tar accepts.
  header.write(`${headerChecksum(header).toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

export function tarGz(entries: readonly ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    // A repeated name would silently overwrite the earlier file on extraction.
    if (seen.has(entry.name)) throw new Error(`tar: entry name ${JSON.stringify(entry.name)} appears twice`);
    seen.add(entry.name);
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data);
    parts.push(buildHeader(entry, data.length), data);
    const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (padding > 0) parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // end-of-archive marker
  return gzipSync(Buffer.concat(parts));
}

/** Reads a NUL-terminated (or full-width) text field. */
function readString(block: Buffer, offset: number, width: number): string {
  const field = block.subarray(offset, offset + width);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? width : end).toString('utf8');
}

function readOctal(block: Buffer, offset: number, width: number, at: number, what: string): number {
  const text = readString(block, offset, width).trim();
  if (!/^[0-7]+$/.test(text)) throw new Error(`tar: bad ${what} field in the header at byte offset ${at}`);
  return parseInt(text, 8);
}

/** Lists the regular files of a gzip'd ustar archive; strict, because it checks our own bundles. */
export function readTarGz(archive: Uint8Array): Array<{ name: string; data: Buffer }> {
  const tar = gunzipSync(archive);
  const files: Array<{ name: string; data: Buffer }> = [];
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return files; // end-of-archive marker
    const stored = readOctal(header, 148, 8, offset, 'checksum');
    if (stored !== headerChecksum(header)) throw new Error(`tar: header checksum mismatch at byte offset ${offset}`);
    if (readString(header, 257, 6) !== 'ustar') throw new Error(`tar: not a ustar header at byte offset ${offset}`);
    const type = header[156];
    if (type !== 0x30 && type !== 0) throw new Error(`tar: unsupported entry type at byte offset ${offset}`);
    const size = readOctal(header, 124, 12, offset, 'size');
    const prefix = readString(header, 345, PREFIX_MAX);
    const name = readString(header, 0, NAME_MAX);
    const start = offset + BLOCK;
    if (start + size > tar.length) throw new Error(`tar: entry at byte offset ${offset} is truncated`);
    files.push({ name: prefix ? `${prefix}/${name}` : name, data: Buffer.from(tar.subarray(start, start + size)) });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new Error(`tar: archive ends at byte offset ${offset} without an end-of-archive marker`);
}
