/**
 * Simulated passport/ID reader. A test presents an MRZ (or barcode, or an unreadable page);
 * `read` waits for it. The text is personal data: nothing here logs it.
 */
import { z } from 'zod';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type {
  DocumentRead,
  DocumentReader,
  DocumentReaderCapability,
  DocumentReaderEvents,
} from '../../hal/document-reader.ts';
import { SimDevice } from './sim-device.ts';

export const simDocumentReaderProps = z
  .object({
    latencyMs: z.number().int().min(0).max(10_000).default(50),
    serial: z.string().default('SIM-DOC-0001'),
  })
  .strict();
export type SimDocumentReaderProps = z.infer<typeof simDocumentReaderProps>;

type Presented = { kind: 'mrz' | 'barcode'; text: string } | { kind: 'unreadable' };

export class SimDocumentReader extends SimDevice<DocumentReaderEvents, DocumentReaderCapability> implements DocumentReader {
  readonly deviceClass = 'document-reader' as const;
  readonly capabilities: ReadonlySet<DocumentReaderCapability> = new Set(['mrz', 'barcode']);
  protected readonly model = 'SimDoc MRZ-2';
  #presented: Presented | undefined;
  #waiter: (() => void) | undefined;

  constructor(context: DeviceContext, props: SimDocumentReaderProps) {
    super(context, props);
  }

  read(options?: IoOptions): Promise<DocumentRead> {
    return this.command('read', options, { timeoutMs: 30_000 }, async (signal) => {
      while (!this.#presented) {
        await new Promise<void>((resolve, reject) => {
          this.#waiter = resolve;
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      }
      const presented = this.#presented;
      return this.roundTrip(signal, () => {
        if (presented.kind === 'unreadable') throw this.error('EBADMSG', 'read', 'MRZ check digits do not verify');
        return { kind: presented.kind, text: presented.text, readAt: this.clock.now() };
      });
    });
  }

  /** Test hook: lay a passport with these MRZ lines on the reader. */
  presentMrz(lines: readonly string[]): void {
    this.present({ kind: 'mrz', text: lines.join('\n') });
  }

  /** Test hook: show a queue ticket barcode. */
  presentBarcode(text: string): void {
    this.present({ kind: 'barcode', text });
  }

  /** Test hook: a document the reader cannot decode (glare, damaged MRZ). */
  presentUnreadable(): void {
    this.present({ kind: 'unreadable' });
  }

  /** Test hook: take the document away. */
  removeDocument(): void {
    if (!this.#presented) return;
    this.#presented = undefined;
    (this as DocumentReader).emit('presence', false);
  }

  private present(document: Presented): void {
    this.#presented = document;
    (this as DocumentReader).emit('presence', true);
    this.#waiter?.();
    this.#waiter = undefined;
  }
}
