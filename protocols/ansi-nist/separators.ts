/** The four information separators of traditional encoding (ANSI/NIST-ITL 1-2011, Annex B). */
export const FS = 0x1c; // ends a record
export const GS = 0x1d; // between fields
export const RS = 0x1e; // between subfields
export const US = 0x1f; // between information items

export const isSeparator = (byte: number): boolean => byte >= FS && byte <= US;
