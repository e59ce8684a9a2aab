import { parseEntryTtl, type Ttl } from '../kernel/ttl.js';

/** An entry's TTL in milliseconds (NO_EXPIRY for `'never'`): the given one, or the namespace's default. */
export type EntryTtlOf = (ttl: Ttl | undefined, key: string | undefined, operation: 'set' | 'mset' | 'getOrSet') => number;

export function entryTtlOf(defaultTtlMs: number): EntryTtlOf {
  return (ttl, key, operation) => (ttl === undefined ? defaultTtlMs : parseEntryTtl(ttl, operation, key));
}
