/**
 * Escaping for the XML and HTML reports. Everything that comes from a scenario or a log is
 * untrusted: it goes through these and nothing else. Text content escapes `&`, `<` and `>` (so
 * `]]>` is harmless too); attribute values also quotes and the whitespace a parser would
 * otherwise normalise away. Characters XML 1.0 cannot hold are replaced first (report-text.ts).
 */
import { xmlSafe } from './report-text.ts';

const TEXT_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ATTRIBUTE_ENTITIES: Record<string, string> = {
  ...TEXT_ENTITIES,
  '"': '&quot;',
  "'": '&#39;',
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};

/** For element content. */
export function escapeText(text: string): string {
  return xmlSafe(text).replace(/[&<>]/g, (character) => TEXT_ENTITIES[character]!);
}

/** For a value inside double or single quotes. */
export function escapeAttribute(text: string): string {
  return xmlSafe(text).replace(/[&<>"'\n\r\t]/g, (character) => ATTRIBUTE_ENTITIES[character]!);
}
