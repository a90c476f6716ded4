/**
 * The screen text of a message, adjusted for the speech engine. Words in capitals are emphasis on
 * the screen (RIGHT, LEFT, THUMBS) but espeak-ng spells short all-capital words letter by letter
 * ("S, A, Ğ"), so they are spoken in lower case; "OK", the signature pad's button, stays as written
 * because it is said as letters.
 */
import type { Language } from '../../protocols/kiosk/session-contract.ts';

const SPELLED_AS_LETTERS = new Set(['OK']);
// A run of letters (and the Uzbek ʻ ʼ inside them), so "OʻNG" is one word.
const WORD = /[\p{L}\p{M}ʻʼ]+/gu;

export function spokenText(text: string, language: Language): string {
  return text.replace(WORD, (word) => {
    if (SPELLED_AS_LETTERS.has(word)) return word;
    const letters = [...word].filter((char) => /\p{L}/u.test(char) && char.toLowerCase() !== char.toUpperCase());
    const isCapitals = letters.length >= 2 && letters.every((char) => char === char.toUpperCase());
    return isCapitals ? word.toLocaleLowerCase(language) : word;
  });
}
