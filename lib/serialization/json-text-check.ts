import { MAX_NESTING_DEPTH } from './nesting.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const ZERO = 0x30;
const NINE = 0x39;
/** A run of more digits than this may be past Number.MAX_VALUE (~1.8e308). */
const LONGEST_SURE_DIGITS = 300;

/**
 * JSON text of at most this many bytes needs no scan before JSON.parse: it cannot nest deeper than MAX_NESTING_DEPTH
 * (each level takes a byte) nor hold a run of more than LONGEST_SURE_DIGITS digits, so only an exponent can overflow.
 */
export const SHORT_JSON_BYTES = Math.min(LONGEST_SURE_DIGITS, MAX_NESTING_DEPTH);

/** A digit followed by e or E: every JSON exponent is one (in a string it is a harmless false alarm). */
const EXPONENT = /\d[eE]/;

/** Whether short JSON text may hold a number that overflows to ±Infinity (then the parsed value must be walked). */
export function mayHoldExponent(text: string): boolean {
  return EXPONENT.test(text);
}

/**
 * Reads JSON text before JSON.parse does, refusing nesting deeper than MAX_NESTING_DEPTH: JSON.parse takes seconds
 * over a million levels, and the writer refuses such a value anyway. Returns whether a number in it could overflow to
 * ±Infinity (one with an exponent, or a very long one), the other thing the writer refuses: only then must the
 * parsed value be walked. Strings are skipped whole, so brackets and digits inside them do not count.
 */
export function checkJsonText(bytes: Uint8Array): { mayOverflow: boolean } {
  let depth = 0;
  let digits = 0;
  let mayOverflow = false;
  const end = bytes.length;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i];
    if (byte >= ZERO && byte <= NINE) {
      if (++digits > LONGEST_SURE_DIGITS) mayOverflow = true;
      continue;
    }
    if ((byte | 0x20) === 0x65 && digits > 0) mayOverflow = true; // 'e' or 'E' after a digit: an exponent
    digits = 0;
    if (byte === QUOTE) {
      i++;
      while (i < end && bytes[i] !== QUOTE) i += bytes[i] === BACKSLASH ? 2 : 1;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > MAX_NESTING_DEPTH) throw new TypeError(`the value nests deeper than ${MAX_NESTING_DEPTH} levels, which JSON entries may not`);
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return { mayOverflow };
}

/** Refuses a parsed value holding ±Infinity (JSON text such as 1e999): the writer refuses it, the reader too. */
export function assertFiniteNumbers(value: unknown): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`the value holds ${value}, which JSON entries may not (it is stored as null)`);
  } else if (Array.isArray(value)) {
    for (const element of value) assertFiniteNumbers(element);
  } else if (value !== null && typeof value === 'object') {
    for (const key in value) assertFiniteNumbers((value as Record<string, unknown>)[key]);
  }
}
