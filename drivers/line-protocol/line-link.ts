/**
 * One open serial line to a line-protocol device: serialport + a line-length guard +
 * @serialport/parser-readline, requests matched to answers by sequence id, numbered events
 * handed up in order, a keep-alive PING, and counters of everything bad that came in.
 *
 * The link ends ("lost") when the port closes under it, a write fails, or `keepAliveMisses`
 * PINGs in a row get no answer — the last one is what notices a device that vanished without
 * the operating system telling us (a USB adapter whose far side died, a PTY whose peer hung).
 * Nothing received is ever logged or kept: a pen sample is biometric data.
 */
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import { errAnswer, LineError, openError } from './errors.ts';
import { decodeLine, encodeRequest, MAX_LINE_BYTES, type EventFrame, type Fields, type ResponseFrame } from './framing.ts';
import { LineGuard } from './line-guard.ts';

/** Counters a device reports in its health detail. They outlive a link (kept by the device). */
export interface LineStats {
  /** Lines discarded: bad framing, checksum, bytes, or noise before a `$`. */
  badLines: number;
  /** Lines cut at MAX_LINE_BYTES (also counted in badLines). */
  overlongLines: number;
  /** Answers whose request had already timed out or been abandoned. */
  lateAnswers: number;
  /** Event numbers skipped (events that never arrived intact). */
  lostEvents: number;
  /** Well-framed events with missing or out-of-range fields. */
  badEvents: number;
  /** Keep-alive PINGs that got no answer in time. */
  missedPings: number;
}

export const newLineStats = (): LineStats => ({ badLines: 0, overlongLines: 0, lateAnswers: 0, lostEvents: 0, badEvents: 0, missedPings: 0 });

export interface LineLinkOptions {
  path: string;
  baudRate: number;
  clock: Clock;
  stats: LineStats;
  /** A PING goes out this often; each one has this long to be answered. */
  keepAliveMs: number;
  /** This many unanswered PINGs in a row end the link. */
  keepAliveMisses: number;
  onEvent(event: EventFrame): void;
  onLost(reason: string): void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** The link's own deadline, on top of the signal's. */
  timeoutMs?: number;
}

interface Pending {
  verb: string;
  resolve(fields: Fields): void;
  reject(error: unknown): void;
}

/** Events held while the HELLO answer is checked; a device sends only a few (its state) then. */
const MAX_HELD_EVENTS = 64;

export class LineLink {
  readonly #port: SerialPort;
  readonly #options: LineLinkOptions;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #ended = false;
  #expectedEvent: number | undefined;
  #eventsOpen = false;
  #held: EventFrame[] = [];
  /** Sequence ids of the HELLOs sent on this link: any answer to one restarts event numbering. */
  readonly #helloSeqs = new Set<number>();
  #keepAlive: TimerHandle | undefined;
  #missedInRow = 0;
  #answering = true;
  #lastAnswerAt: number | undefined;

  private constructor(port: SerialPort, options: LineLinkOptions) {
    this.#port = port;
    this.#options = options;
    const guard = new LineGuard(MAX_LINE_BYTES + 1, () => (options.stats.overlongLines += 1));
    const parser = new ReadlineParser({ delimiter: '\n', encoding: 'latin1' });
    port.pipe(guard).pipe(parser);
    parser.on('data', (line: string) => this.receive(line));
    port.on('close', (error: (Error & { disconnected?: boolean }) | null) => {
      this.end(error?.disconnected ? 'the serial device disconnected' : 'the serial port closed');
    });
    port.on('error', (error: Error) => this.end(`serial port error: ${error.message}`));
  }

  /** Opens the port and terminates whatever partial line the device may hold. */
  static async open(options: LineLinkOptions, signal: AbortSignal): Promise<LineLink> {
    const port = new SerialPort({ path: options.path, baudRate: options.baudRate, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(openError(options.path, error)) : resolve())));
    const link = new LineLink(port, options);
    if (signal.aborted) {
      await link.close();
      throw signal.reason;
    }
    link.write('\r\n');
    return link;
  }

  get up(): boolean {
    return !this.#ended;
  }

  /** False after a request or PING timed out, until the device answers anything again. */
  get answering(): boolean {
    return this.#answering;
  }

  get lastAnswerAt(): number | undefined {
    return this.#lastAnswerAt;
  }

  /** Sends `verb` and resolves with the fields of its `OK`; rejects with a LineError otherwise. */
  request(verb: string, fields: Fields = {}, options: RequestOptions = {}): Promise<Fields> {
    if (this.#ended) return Promise.reject(new LineError('ENODEV', 'the serial line is down'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#seq = this.#seq >= 65_535 ? 1 : this.#seq + 1;
    const seq = this.#seq;
    // After 65 535 requests the ids come round again: an id stands for its newest request only.
    const stale = this.#pending.get(seq);
    stale?.reject(new LineError('ETIMEDOUT', `no answer to ${stale.verb} before its sequence id came round again`));
    this.#helloSeqs.delete(seq);
    if (verb === 'HELLO') this.#helloSeqs.add(seq);
    return new Promise<Fields>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const settle = () => {
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(seq);
      };
      const onAbort = () => {
        settle();
        if ((signal?.reason as { code?: string } | undefined)?.code === 'ETIMEDOUT') this.#answering = false;
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        const limit = options.timeoutMs;
        timer = this.#options.clock.setTimeout(() => {
          settle();
          this.#answering = false;
          reject(new LineError('ETIMEDOUT', `no answer to ${verb} within ${limit} ms`));
        }, limit);
      }
      this.#pending.set(seq, {
        verb,
        resolve: (answer) => {
          settle();
          resolve(answer);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      this.write(encodeRequest(seq, verb, fields));
    });
  }

  /**
   * HELLO, repeated every `retryMs` until the device answers one: a device that was still
   * powering up when the port opened misses the first. A slow device may answer several; the
   * first answer counts, and every HELLO answer restarts the event numbering (the device
   * restarts it too).
   */
  hello(fields: Fields, signal: AbortSignal, retryMs: number): Promise<Fields> {
    return new Promise<Fields>((resolve, reject) => {
      let done = false;
      let retry: TimerHandle | undefined;
      const sent: number[] = [];
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        retry?.cancel();
        // The other HELLOs stop waiting; their answers, if any, still restart the numbering.
        for (const seq of sent) this.#pending.get(seq)?.reject(new LineError('ECANCELED', 'superseded HELLO'));
        settle();
      };
      const attempt = () => {
        if (done || this.#ended) return;
        if (signal.aborted) return finish(() => reject(signal.reason));
        retry = this.#options.clock.setTimeout(attempt, retryMs);
        const answer = this.request('HELLO', fields, { signal });
        sent.push(this.#seq);
        answer.then(
          (reply) => finish(() => resolve(reply)),
          (error: unknown) => finish(() => reject(error)),
        );
      };
      attempt();
    });
  }

  /** Starts handing events up (they were held while the HELLO answer was checked). */
  openEvents(): void {
    this.#eventsOpen = true;
    const held = this.#held;
    this.#held = [];
    for (const event of held) this.#options.onEvent(event);
  }

  startKeepAlive(): void {
    if (this.#keepAlive || this.#ended) return;
    const { clock, keepAliveMs, keepAliveMisses, stats } = this.#options;
    const tick = () => {
      if (this.#ended) return;
      this.#keepAlive = clock.setTimeout(tick, keepAliveMs);
      this.request('PING', {}, { timeoutMs: keepAliveMs }).then(
        () => (this.#missedInRow = 0),
        (error: unknown) => {
          if (!(error instanceof LineError) || error.code !== 'ETIMEDOUT' || this.#ended) {
            this.#missedInRow = 0; // an ERR answer still proves the device is there
            return;
          }
          stats.missedPings += 1;
          this.#missedInRow += 1;
          if (this.#missedInRow >= keepAliveMisses) {
            this.end(`no answer to ${keepAliveMisses} keep-alive PINGs in a row (${keepAliveMisses * keepAliveMs} ms)`);
          }
        },
      );
    };
    tick();
  }

  /** Closes the port on purpose; pending requests fail with ENODEV, no `lost` is reported. */
  async close(): Promise<void> {
    if (!this.#ended) this.shutdown(new LineError('ENODEV', 'the serial line was closed'));
    if (!this.#port.isOpen) return;
    await new Promise<void>((resolve) => this.#port.close(() => resolve()));
  }

  private end(reason: string): void {
    if (this.#ended) return;
    this.shutdown(new LineError('ENODEV', reason));
    if (this.#port.isOpen) this.#port.close(() => undefined);
    this.#options.onLost(reason);
  }

  private shutdown(error: LineError): void {
    this.#ended = true;
    this.#keepAlive?.cancel();
    this.#keepAlive = undefined;
    for (const pending of [...this.#pending.values()]) pending.reject(error);
    this.#pending.clear();
    this.#held = [];
  }

  private write(line: string): void {
    if (this.#ended) return;
    this.#port.write(Buffer.from(line, 'latin1'), (error) => {
      if (error) this.end(`write failed: ${error.message}`);
    });
  }

  private receive(line: string): void {
    if (this.#ended) return;
    const { stats } = this.#options;
    const decoded = decodeLine(line);
    if ('empty' in decoded) return;
    if (decoded.noise) stats.badLines += 1;
    if ('bad' in decoded) {
      stats.badLines += 1;
      return;
    }
    const frame = decoded.frame;
    if (frame.kind === 'response') this.answer(frame);
    else this.event(frame);
  }

  private answer(frame: ResponseFrame): void {
    this.#answering = true;
    this.#lastAnswerAt = this.#options.clock.now();
    // Events numbered from 0 follow a HELLO answer at once, maybe in the same read: restart the
    // numbering here, before anything else is parsed, not when the caller's await resumes.
    const toHello = this.#helloSeqs.has(frame.seq);
    if (toHello && frame.ok) this.#expectedEvent = 0;
    const pending = this.#pending.get(frame.seq);
    if (!pending) {
      if (!toHello) this.#options.stats.lateAnswers += 1; // a repeated HELLO's answer is expected
      return;
    }
    if (frame.ok) pending.resolve(frame.fields);
    else pending.reject(errAnswer(pending.verb, frame.fields.code, frame.fields.msg));
  }

  private event(frame: EventFrame): void {
    const { stats } = this.#options;
    if (this.#expectedEvent === undefined) return; // from before our HELLO: another session's
    const gap = (frame.eseq - this.#expectedEvent + 65_536) % 65_536;
    // A number just behind the expected one is a repeat, not 65 000 lost events.
    if (gap > 32_768) return;
    stats.lostEvents += gap;
    this.#expectedEvent = (frame.eseq + 1) % 65_536;
    if (this.#eventsOpen) {
      this.#options.onEvent(frame);
    } else if (this.#held.length < MAX_HELD_EVENTS) {
      this.#held.push(frame);
    } else {
      stats.lostEvents += 1;
    }
  }
}
