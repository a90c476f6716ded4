/** A transaction that breaks ANSI/NIST-ITL 1-2011 traditional encoding: says where, to the byte. */
export class AnsiNistError extends Error {
  readonly code = 'EBADAN2K';
  /** Record type being read or written, when known. */
  readonly recordType: number | undefined;
  /** Field number (e.g. 999 for DATA), when known. */
  readonly field: number | undefined;
  /** Byte offset in the whole transaction, when reading. */
  readonly offset: number | undefined;

  constructor(message: string, where: { recordType?: number; field?: number; offset?: number } = {}) {
    const place = [
      where.recordType === undefined ? undefined : `Type-${where.recordType}`,
      where.field === undefined || where.recordType === undefined ? undefined : `field ${where.recordType}.${String(where.field).padStart(3, '0')}`,
      where.offset === undefined ? undefined : `byte ${where.offset}`,
    ].filter((part) => part !== undefined);
    super(place.length > 0 ? `${place.join(', ')}: ${message}` : message);
    this.name = 'AnsiNistError';
    this.recordType = where.recordType;
    this.field = where.field;
    this.offset = where.offset;
  }
}
