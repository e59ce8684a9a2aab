/** An invalidation to apply to the store, in the namespace's full key space. */
export type Invalidation =
  | { kind: 'keys'; fullKeys: readonly string[] }
  /** `keepReserved`: a user's prefix, which leaves the package's own keys under it (tokens, locks…) in place. */
  | { kind: 'prefix'; fullPrefix: string; keepReserved: boolean }
  | { kind: 'tags'; tags: readonly string[] };

export type PrefixInvalidation = Extract<Invalidation, { kind: 'prefix' }>;

/**
 * What one kept string costs beyond its characters, from above: the string's header, the queue's reference to it, and
 * its entry in the index of pending keys (a Map entry with its share of the hash table).
 */
const PER_STRING_BYTES = 128;
/** The kept call itself: its record, the invalidation object and its array. */
const PER_CALL_BYTES = 256;

/** Keys an invalidation names, for the queue's `maxKeys`: a prefix or a tag counts one. */
export function keyCount(invalidation: Invalidation): number {
  switch (invalidation.kind) {
    case 'keys':
      return invalidation.fullKeys.length;
    case 'prefix':
      return 1;
    case 'tags':
      return invalidation.tags.length;
  }
}

/** Heap an invalidation holds while kept, from above: two bytes a character (V8 keeps some strings in UTF-16). */
export function estimatedBytes(invalidation: Invalidation): number {
  switch (invalidation.kind) {
    case 'keys':
      return PER_CALL_BYTES + stringsBytes(invalidation.fullKeys);
    case 'prefix':
      return PER_CALL_BYTES + stringsBytes([invalidation.fullPrefix]);
    case 'tags':
      return PER_CALL_BYTES + stringsBytes(invalidation.tags);
  }
}

function stringsBytes(strings: readonly string[]): number {
  let bytes = 0;
  for (const text of strings) bytes += PER_STRING_BYTES + 2 * text.length;
  return bytes;
}
