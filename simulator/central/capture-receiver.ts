/**
 * The central side of capture uploads, as the central system would run it: receives chunks
 * (several receivers may share the load through an MQTT shared subscription — they meet in the
 * output folder, which is also the de-duplication record), reassembles, verifies the booth's
 * signature, decrypts with the central key, checks the package, writes it as one folder per
 * package (one file per capture + manifest.json), then acknowledges. A package id already
 * stored is acknowledged again but never stored twice: exactly once per package and capture.
 */
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { encodeTransaction } from '../../protocols/ansi-nist/transaction.ts';
import { sessionToTransaction, type SessionTransactionOptions } from '../../protocols/ansi-nist/session-transaction.ts';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { CaptureCrypto } from '../../protocols/capture/crypto-provider.ts';
import { openSealedPackage } from '../../protocols/capture/open-sealed.ts';
import type { CapturePackage } from '../../protocols/capture/package-codec.ts';
import { ackTopic, CHUNK_TOPIC_FILTER, decodeChunk, encodeAck, parseCaptureTopic, Reassembly, resumeTopic, encodeResume, type Chunk } from '../../protocols/capture/transfer-codec.ts';

export interface ReceiverReport {
  event: 'stored' | 'duplicate' | 'rejected' | 'resume' | 'an2-failed';
  boothId: string;
  packageId: string;
  detail: string;
}

export interface CaptureReceiverOptions {
  brokerUrl: string;
  outDir: string;
  crypto: CaptureCrypto;
  /** The booth's signature key, or undefined for a booth central does not know. */
  boothKey(boothId: string): KeyObject | undefined;
  /** Share the load with other receivers: `$share/<group>/…`. */
  shareGroup?: string;
  protocolVersion?: 4 | 5;
  /** Ask for missing chunks after this long without a new one. */
  resumeAfterMs?: number;
  report(report: ReceiverReport): void;
  /** Also write each stored package as `session.an2`, an ANSI/NIST-ITL 1-2011 transaction. */
  writeAnsiNist?: boolean;
  /** How the .an2 is written: e.g. each booth's UTC offset for the local dates (DAT). */
  ansiNist?: SessionTransactionOptions;
}

const EXTENSIONS = { GRAY8_RAW: 'gray', PNG: 'png', JPEG: 'jpg' } as const;

export class CaptureReceiver {
  readonly #options: CaptureReceiverOptions;
  readonly #resumeTimers = new Map<string, NodeJS.Timeout>();
  #client: MqttClient | undefined;

  constructor(options: CaptureReceiverOptions) {
    this.#options = options;
    mkdirSync(join(options.outDir, '.incoming'), { recursive: true });
  }

  async start(): Promise<void> {
    const { brokerUrl, shareGroup, protocolVersion } = this.#options;
    const filter = shareGroup ? `$share/${shareGroup}/${CHUNK_TOPIC_FILTER}` : CHUNK_TOPIC_FILTER;
    const client = mqtt.connect(brokerUrl, { protocolVersion: protocolVersion ?? 4, clean: true, reconnectPeriod: 1000 });
    this.#client = client;
    client.on('message', (topic, payload) =>
      // A file race with another receiver (a folder removed under us) must not kill this one:
      // the chunk is asked for again or re-sent by the booth.
      void this.onChunk(topic, payload).catch((error: unknown) =>
        this.#options.report({ event: 'rejected', boothId: '?', packageId: '?', detail: `chunk not handled: ${(error as Error).message}` }),
      ),
    );
    client.on('connect', () => void client.subscribeAsync(filter, { qos: 1 }));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.subscribeAsync(filter, { qos: 1 });
  }

  async stop(): Promise<void> {
    for (const timer of this.#resumeTimers.values()) clearTimeout(timer);
    this.#resumeTimers.clear();
    await this.#client?.endAsync(true);
    this.#client = undefined;
  }

  /** Handles one chunk message; exposed so tests can feed crafted bytes. */
  async onChunk(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseCaptureTopic(topic);
    if (!parsed.ok || parsed.value.kind !== 'chunk') return;
    const { boothId, packageId } = parsed.value;
    let chunk: Chunk;
    try {
      chunk = decodeChunk(payload);
      if (chunk.packageId !== packageId) throw new Error(`chunk is for package ${chunk.packageId}, topic says ${packageId}`);
    } catch (error) {
      return this.reject(boothId, packageId, `bad chunk: ${(error as Error).message}`);
    }
    const packageSha256 = Buffer.from(chunk.packageSha256).toString('hex');
    const stored = join(this.#options.outDir, packageId);
    if (existsSync(stored)) return this.repeatOfStored(boothId, packageId, chunk);
    const incoming = join(this.#options.outDir, '.incoming', packageId);
    writeChunk(incoming, chunk.index, payload);
    if (existsSync(stored)) {
      // Stored by another receiver since the check above, maybe after it cleared the incoming
      // folder: this chunk must not stay behind there.
      removeShared(incoming);
      return this.repeatOfStored(boothId, packageId, chunk);
    }
    const have = countChunks(incoming);
    this.scheduleResume(boothId, packageId, incoming);
    if (have < chunk.count) return;
    this.clearResume(packageId);
    // Several receivers may count the same complete set (each wrote a chunk of it): only the one
    // that moves the folder away completes the package; the folder is then its own to read.
    const claimed = claimFolder(incoming);
    if (!claimed || countChunks(claimed) < chunk.count) {
      // Another receiver claimed this set first (what was moved here, if anything, is a partial
      // set of repeats that arrived meanwhile). That receiver stores and acknowledges.
      if (claimed) rmSync(claimed, { recursive: true, force: true });
      return this.claimedElsewhere(boothId, packageId, packageSha256);
    }
    try {
      await this.complete(boothId, packageId, claimed);
    } finally {
      rmSync(claimed, { recursive: true, force: true });
    }
  }

  /** Reassembles, verifies and stores a claimed chunk set; reports and acknowledges the verdict. */
  private async complete(boothId: string, packageId: string, claimed: string): Promise<void> {
    let pkg: CapturePackage;
    let sealedHash: string;
    try {
      const reassembly = new Reassembly({ packageId });
      for (const name of readdirSync(claimed).filter((file) => file.endsWith('.chunk'))) reassembly.add(decodeChunk(readFileSync(join(claimed, name))));
      const sealedBytes = reassembly.assemble();
      sealedHash = createHash('sha256').update(sealedBytes).digest('hex');
      pkg = openSealedPackage(sealedBytes, { packageId, boothId }, this.#options.crypto, this.#options.boothKey);
    } catch (error) {
      rmSync(claimed, { recursive: true, force: true });
      return this.reject(boothId, packageId, (error as Error).message);
    }
    // Everything is read: the chunks go before the booth hears any verdict, so nobody (a test, an
    // operator) finds them still there after it.
    rmSync(claimed, { recursive: true, force: true });
    const stored = join(this.#options.outDir, packageId);
    let ansiNist: Uint8Array | undefined;
    if (this.#options.writeAnsiNist) {
      try {
        ansiNist = encodeTransaction(sessionToTransaction(pkg, this.#options.ansiNist));
      } catch (error) {
        // The package itself is sound and is stored; only its interchange copy could not be made.
        this.#options.report({ event: 'an2-failed', boothId, packageId, detail: (error as Error).message });
      }
    }
    const staging = `${claimed}.staging`;
    let won: boolean;
    try {
      writePackage(staging, pkg, sealedHash, ansiNist);
      won = storeFolder(staging, stored);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    // Repeats of chunks that came in while this package was being stored are of no use now.
    removeShared(join(this.#options.outDir, '.incoming', packageId));
    // A full set of repeats claimed by another receiver may have been stored first: then this is
    // the duplicate, and the package is stored, so acknowledging it again is right.
    if (!won) return this.duplicate(boothId, packageId, sealedHash, 'stored by another receiver first; acknowledged, not stored twice');
    this.#options.report({ event: 'stored', boothId, packageId, detail: `${pkg.captures.length} captures` });
    await this.ack(boothId, packageId, 'accepted');
  }

  /** A chunk of a package already stored: only the last chunk triggers the answer, so one resent package gives one ack, not one per chunk. */
  private async repeatOfStored(boothId: string, packageId: string, chunk: Chunk): Promise<void> {
    if (chunk.index !== chunk.count - 1) return;
    await this.duplicate(boothId, packageId, Buffer.from(chunk.packageSha256).toString('hex'), 'already stored; acknowledged again, not stored twice');
  }

  /** Acknowledges a package that is already stored, or rejects another package under its id. */
  private async duplicate(boothId: string, packageId: string, packageSha256: string, detail: string): Promise<void> {
    const manifest = JSON.parse(readFileSync(join(this.#options.outDir, packageId, 'manifest.json'), 'utf8')) as { sealedSha256: string };
    if (manifest.sealedSha256 !== packageSha256) {
      return this.reject(boothId, packageId, 'package id already stored with different content');
    }
    this.#options.report({ event: 'duplicate', boothId, packageId, detail });
    await this.ack(boothId, packageId, 'accepted');
  }

  /**
   * Another receiver completes this package. Once it is stored, acknowledging again is harmless;
   * before that, only the receiver that stores it may say `accepted` (the booth erases the
   * package on that word), so this one stays silent and the other acknowledges.
   */
  private async claimedElsewhere(boothId: string, packageId: string, packageSha256: string): Promise<void> {
    if (existsSync(join(this.#options.outDir, packageId))) {
      return this.duplicate(boothId, packageId, packageSha256, 'stored by another receiver; acknowledged again, not stored twice');
    }
    this.#options.report({ event: 'duplicate', boothId, packageId, detail: 'being stored by another receiver, which acknowledges it' });
  }

  private async reject(boothId: string, packageId: string, reason: string): Promise<void> {
    this.#options.report({ event: 'rejected', boothId, packageId, detail: reason });
    await this.ack(boothId, packageId, 'rejected', reason);
  }

  private async ack(boothId: string, packageId: string, status: 'accepted' | 'rejected', reason?: string): Promise<void> {
    const ack = status === 'rejected' ? { packageId, status, reason: reason ?? 'rejected' } : { packageId, status };
    await this.#client?.publishAsync(ackTopic(boothId), Buffer.from(encodeAck(ack)), { qos: 1 }).catch(() => undefined);
  }

  private scheduleResume(boothId: string, packageId: string, incoming: string): void {
    this.clearResume(packageId);
    const timer = setTimeout(() => {
      this.#resumeTimers.delete(packageId);
      // The package may have been completed, rejected or stored by another receiver meanwhile.
      if (!existsSync(incoming)) return;
      if (existsSync(join(this.#options.outDir, packageId))) {
        removeShared(incoming); // repeats that came in while it was stored
        return;
      }
      let chunks: string[];
      try {
        chunks = readdirSync(incoming).filter((name) => name.endsWith('.chunk'));
      } catch {
        return;
      }
      const first = chunks[0];
      if (!first) return;
      const { count } = decodeChunk(readFileSync(join(incoming, first)));
      const have = new Set(chunks.map((name) => Number(name.split('.')[0])));
      const missing = Array.from({ length: count }, (_, index) => index).filter((index) => !have.has(index));
      if (missing.length === 0) return;
      this.#options.report({ event: 'resume', boothId, packageId, detail: `asking for ${missing.length} missing chunks` });
      void this.#client?.publishAsync(resumeTopic(boothId), Buffer.from(encodeResume({ packageId, missing })), { qos: 1 }).catch(() => undefined);
    }, this.#options.resumeAfterMs ?? 5000);
    timer.unref();
    this.#resumeTimers.set(packageId, timer);
  }

  private clearResume(packageId: string): void {
    clearTimeout(this.#resumeTimers.get(packageId));
    this.#resumeTimers.delete(packageId);
  }
}

/** Writes a chunk into the package's incoming folder, again in a new one if it was just claimed. */
function writeChunk(incoming: string, index: number, payload: Buffer): void {
  for (let attempt = 1; ; attempt += 1) {
    try {
      mkdirSync(incoming, { recursive: true });
      // Chunks are transient (a lost one is asked for again), so no fsync; the package itself is.
      writeAtomically(join(incoming, `${index}.chunk`), payload, false);
      return;
    } catch (error) {
      // Another receiver moved the folder away (claimed or removed it) under our mkdir or write.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw error;
    }
  }
}

/**
 * Removes a folder other receivers may remove or write into at the same time. Two recursive
 * removals of one folder race (each stops, "done", at an entry the other removed first, and a
 * chunk written meanwhile stays behind), so it is first renamed to a name of its own: one
 * receiver wins and removes it alone; a chunk written later goes to a new folder, whose writer
 * sees the package stored and removes that one.
 */
function removeShared(dir: string): void {
  const mine = `${dir}.removing-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(dir, mine);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // gone, or another receiver is removing it
    throw error;
  }
  rmSync(mine, { recursive: true, force: true });
}

/** The chunk files in a folder; 0 when the folder is gone (claimed by another receiver). */
function countChunks(dir: string): number {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.chunk')).length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/**
 * Claims a complete chunk set by renaming its folder to a name of its own: of several receivers
 * (threads, processes) renaming the same folder, exactly one succeeds, the others get ENOENT.
 * Returns the claimed folder, or undefined when another receiver claimed it first.
 */
function claimFolder(incoming: string): string | undefined {
  const claimed = `${incoming}.claim-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(incoming, claimed);
    return claimed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Moves a fully written staging folder to its final name. A folder already there (another
 * receiver's, never empty: it holds manifest.json) makes the rename fail: false, nothing replaced.
 */
function storeFolder(staging: string, stored: string): boolean {
  try {
    renameSync(staging, stored);
    return true;
  } catch (error) {
    if (existsSync(join(stored, 'manifest.json'))) return false;
    throw error;
  }
}

/** One file per capture and a manifest (ids, kinds, sizes, hashes: nothing about the person). */
function writePackage(dir: string, pkg: CapturePackage, sealedSha256: string, ansiNist: Uint8Array | undefined): void {
  mkdirSync(dir, { recursive: true });
  const captures = pkg.captures.map((capture, index) => {
    const file = `${String(index).padStart(2, '0')}-${capture.kind.toLowerCase()}-${capture.position}-a${capture.attempt}.${EXTENSIONS[capture.format]}`;
    writeAtomically(join(dir, file), capture.image);
    return {
      captureId: capture.captureId,
      file,
      sha256: createHash('sha256').update(capture.image).digest('hex'),
      bytes: capture.image.byteLength,
      kind: capture.kind,
      position: capture.position,
      format: capture.format,
      width: capture.width,
      height: capture.height,
      quality: capture.quality,
      attempt: capture.attempt,
    };
  });
  const manifest = {
    packageId: pkg.packageId,
    sessionId: pkg.sessionId,
    boothId: pkg.boothId,
    createdAtMs: pkg.createdAtMs,
    outcome: pkg.outcome.result,
    language: pkg.language,
    missingFingers: pkg.missingFingers,
    sealedSha256,
    captures,
  };
  writeAtomically(join(dir, 'manifest.json'), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  if (ansiNist) writeAtomically(join(dir, 'session.an2'), ansiNist); // before the folder's fsync below
  const fd = openSync(dir, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

function writeAtomically(path: string, bytes: Uint8Array, durable = true): void {
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
