/**
 * Sits between the serial port and the readline parser and bounds what the parser buffers: a
 * line that grows past `maxBytes` is cut there (the cut part ends with a newline so it is
 * discarded as a bad line) and the rest of it, up to its newline, is dropped. Without it a
 * device spewing bytes with no newline would grow the parser's buffer without limit.
 */
import { Transform, type TransformCallback } from 'node:stream';

const NEWLINE = 0x0a;
const CUT = Buffer.from('\n');

export class LineGuard extends Transform {
  readonly #maxBytes: number;
  readonly #onOverlong: () => void;
  #lineBytes = 0;
  #dropping = false;

  constructor(maxBytes: number, onOverlong: () => void) {
    super();
    this.#maxBytes = maxBytes;
    this.#onOverlong = onOverlong;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      if (chunk[i] === NEWLINE) {
        if (this.#dropping) from = i + 1; // the cut already ended this line
        this.#dropping = false;
        this.#lineBytes = 0;
        continue;
      }
      if (this.#dropping) continue;
      this.#lineBytes += 1;
      if (this.#lineBytes > this.#maxBytes) {
        out.push(chunk.subarray(from, i), CUT);
        this.#dropping = true;
        this.#onOverlong();
      }
    }
    if (!this.#dropping) out.push(chunk.subarray(from));
    callback(null, Buffer.concat(out));
  }
}
