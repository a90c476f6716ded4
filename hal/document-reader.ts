/**
 * Document reader: reads the machine-readable zone of a passport or ID card, or a queue ticket
 * barcode. The text read is personal data: callers must not log it.
 */
import type { Device, IoOptions } from './device.ts';

export interface DocumentRead {
  kind: 'mrz' | 'barcode';
  /** MRZ lines joined with '\n', or the barcode text. */
  text: string;
  readAt: number;
}

export type DocumentReaderCapability = 'mrz' | 'barcode';

export interface DocumentReaderEvents {
  /** A document was put on (true) or taken off (false) the reader. */
  presence: [present: boolean];
}

export interface DocumentReader extends Device<DocumentReaderEvents, DocumentReaderCapability> {
  readonly deviceClass: 'document-reader';
  /** Waits for a document and reads it. ETIMEDOUT when none comes; EBADMSG when unreadable. */
  read(options?: IoOptions): Promise<DocumentRead>;
}
