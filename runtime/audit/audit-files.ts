/**
 * The files of one audit chain and how to read their ends without reading them whole.
 *
 * `<dir>/audit.log` is the file being written. A rotated file is named after the sequence number
 * of its first record, `audit.<seq>.log`, so the names order the chain and a missing middle file
 * can be named. `audit.pre-chain*.log` holds lines written before the log was chained (kept,
 * never verified) and `audit.lock` serialises writers of different processes.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface ChainFile {
  name: string;
  path: string;
  /** The seq of its first record as its name says; undefined for the current file. */
  firstSeq: number | undefined;
}

export interface AuditFiles {
  dir: string;
  /** `audit` for `audit.log`. */
  stem: string;
  /** Rotated files oldest first, then the current file when it exists. */
  chain: ChainFile[];
  /** Files kept from before the chain existed (not part of it). */
  preChain: string[];
}

export function auditStem(path: string): string {
  return basename(path).replace(/\.log$/, '');
}

export function rotatedName(stem: string, firstSeq: number): string {
  return `${stem}.${firstSeq}.log`;
}

export function preChainName(stem: string, dir: string, now: number): string {
  const plain = `${stem}.pre-chain.log`;
  return existsSync(join(dir, plain)) ? `${stem}.pre-chain.${now}.log` : plain;
}

/** The chain's files as they are on disk now. `path` is the current file, `<dir>/audit.log`. */
export function listAuditFiles(path: string): AuditFiles {
  const dir = dirname(path);
  const stem = auditStem(path);
  const current = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') names = [];
    else throw error;
  }
  const rotatedPattern = new RegExp(`^${escape(stem)}\\.([1-9][0-9]*)\\.log$`);
  const rotated: ChainFile[] = [];
  const preChain: string[] = [];
  for (const name of names) {
    const match = rotatedPattern.exec(name);
    if (match) rotated.push({ name, path: join(dir, name), firstSeq: Number(match[1]) });
    else if (name.startsWith(`${stem}.pre-chain`) && name.endsWith('.log')) preChain.push(name);
  }
  rotated.sort((a, b) => a.firstSeq! - b.firstSeq!);
  const chain = names.includes(current) ? [...rotated, { name: current, path, firstSeq: undefined }] : rotated;
  return { dir, stem, chain, preChain: preChain.sort() };
}

export interface TailLine {
  text: string;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
}

export interface Tail {
  /** The last complete lines (each ended by a newline), oldest first, at most the number asked. */
  lines: TailLine[];
  /** Bytes after the last newline: a torn write (power cut) or a line being written now. */
  fragment: { offset: number; bytes: Buffer } | undefined;
}

/**
 * Reads the last `count` complete lines of the open file `fd` of `size` bytes, backwards in
 * chunks: a few KiB for a typical tail however long the file.
 */
export function readTail(fd: number, size: number, count: number, chunkBytes = 64 * 1024): Tail {
  let start = size;
  let buffer = Buffer.alloc(0);
  let newlines = 0;
  while (start > 0 && newlines <= count) {
    const length = Math.min(chunkBytes, start);
    start -= length;
    const chunk = Buffer.alloc(length);
    readFully(fd, chunk, start);
    for (const byte of chunk) if (byte === 0x0a) newlines += 1;
    buffer = Buffer.concat([chunk, buffer]);
  }
  const lastNewline = buffer.lastIndexOf(0x0a);
  const fragmentStart = lastNewline + 1;
  const fragment = fragmentStart < buffer.length ? { offset: start + fragmentStart, bytes: buffer.subarray(fragmentStart) } : undefined;
  const lines: TailLine[] = [];
  if (lastNewline >= 0) {
    let end = lastNewline;
    for (;;) {
      // (lastIndexOf with a negative start counts from the end: never hand it one.)
      const previous = end > 0 ? buffer.lastIndexOf(0x0a, end - 1) : -1;
      // The first piece is a whole line only when the buffer begins at the start of the file.
      if (previous < 0 && start > 0) break;
      const lineStart = previous + 1;
      lines.unshift({ text: buffer.toString('utf8', lineStart, end), offset: start + lineStart });
      if (lines.length >= count || previous < 0) break;
      end = previous;
    }
  }
  return { lines, fragment };
}

/**
 * The last `count` complete lines of the whole chain, oldest first, reading backwards from the
 * current file into rotated ones as far as needed. A torn last line is left out.
 */
export function readChainTail(path: string, count: number): Array<{ file: string; text: string }> {
  const found: Array<{ file: string; text: string }> = [];
  const files = listAuditFiles(path).chain;
  for (let index = files.length - 1; index >= 0 && found.length < count; index -= 1) {
    const file = files[index]!;
    let fd: number;
    try {
      fd = openSync(file.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // rotated away meanwhile
      throw error;
    }
    try {
      const tail = readTail(fd, fstatSync(fd).size, count - found.length);
      found.unshift(...tail.lines.map((line) => ({ file: file.name, text: line.text })));
    } finally {
      closeSync(fd);
    }
  }
  return found;
}

export function readFully(fd: number, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const read = readSync(fd, into, done, into.length - done, position + done);
    if (read === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += read;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
