/** The signature pad's own refusals (link and device errors come from ../line-protocol/errors.ts). */
import { LineError } from '../line-protocol/errors.ts';
import { MAX_PROMPT_BYTES } from './protocol.ts';

export function promptTooLong(prompt: string): string {
  return `the prompt is ${Buffer.byteLength(prompt, 'utf8')} UTF-8 bytes; the pad shows at most ${MAX_PROMPT_BYTES}`;
}

export function badHello(what: string): LineError {
  return new LineError('EBADMSG', `the HELLO answer ${what}`);
}
