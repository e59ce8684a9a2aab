/**
 * How many levels of objects, arrays, Maps and Sets a value may nest, for the built-in serializers, on write and on
 * read alike (a read that finds more calls the entry corrupt). msgpackr overflows the stack at ~1,200 levels, and a
 * value nested far deeper overflows the stack of whatever walks it next (structuredClone, JSON.stringify).
 */
export const MAX_NESTING_DEPTH = 1000;
