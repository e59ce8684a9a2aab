import ms from 'ms';
import { CacheError, type CacheOperation } from './cache-error.js';
import { messages } from './messages.js';

/**
 * A time to live: a number of **milliseconds** (as in @nestjs/cache-manager 5+),
 * or a human string such as `'30s'`, `'5m'`, `'1h'`, `'2d'`. An entry's TTL may also be `'never'` (no expiry).
 */
export type Ttl = number | string;

/** The explicit "no expiry" of an entry's TTL: 0 never means it (a typo must not keep an entry forever). */
export const NEVER = 'never';

/**
 * An entry TTL of `'never'`, parsed: the entry records no logical expiry (header field 0) and is written to Redis
 * without PX. Stores take it as "no expiry" (see KeyValueStore).
 */
export const NO_EXPIRY = Number.POSITIVE_INFINITY;

/** The latest logical expiry an entry header records: 48 bits of ms since the epoch (the year 10889). */
const LATEST_EXPIRY_MS = 2 ** 48 - 1;
/**
 * The longest Redis TTL written: Redis takes PX up to 2^63 - 1 ms minus its clock, but a JavaScript number is an exact
 * integer (what ioredis sends) only up to 2^53 - 1.
 */
export const LONGEST_PX_MS = Number.MAX_SAFE_INTEGER;

/** The longest TTL an entry written now can have: its expiry must fit the header (about 8,800 years from 2026). */
export function maxTtlMs(now = Date.now()): number {
  return LATEST_EXPIRY_MS - now;
}

/**
 * Turns a Ttl into whole milliseconds; zero, negative, unparsable values and ones past `maxTtlMs()` are refused
 * (0 never silently means "no expiry"). `subject` names what is parsed in the error.
 */
export function parseTtl(ttl: unknown, operation: CacheOperation, key?: string, subject = 'ttl'): number {
  if (ttl === NEVER) throw new CacheError(operation, key, messages.ttlNeverHere(subject));
  const millis = typeof ttl === 'number' ? ttl : typeof ttl === 'string' && ttl !== '' ? ms(ttl as ms.StringValue) : undefined;
  if (typeof millis !== 'number' || !Number.isFinite(millis)) {
    throw new CacheError(operation, key, messages.ttlUnparsable(subject, describe(ttl)));
  }
  if (millis <= 0) {
    throw new CacheError(operation, key, messages.ttlNotPositive(subject, describe(ttl)));
  }
  const max = maxTtlMs();
  if (millis > max) throw new CacheError(operation, key, messages.ttlTooLong(`${subject} ${describe(ttl)}`, longest(max)));
  return Math.ceil(millis);
}

/**
 * An entry's TTL (set, getOrSet, @Cacheable, @CacheTTL, the module's `policy.ttl`): as parseTtl, and `'never'`
 * gives NO_EXPIRY.
 */
export function parseEntryTtl(ttl: unknown, operation: CacheOperation, key?: string, subject = 'ttl'): number {
  return ttl === NEVER ? NO_EXPIRY : parseTtl(ttl, operation, key, subject);
}

export function longest(maxMs: number): string {
  return `${maxMs} ms, about ${Math.floor(maxMs / (365.25 * 24 * 3_600_000))} years: its expiry is stored as 48-bit milliseconds since 1970`;
}

/** NaN and ±Infinity by name (JSON.stringify would print null), strings quoted, anything else as JSON shows it. */
function describe(ttl: unknown): string {
  return typeof ttl === 'number' ? String(ttl) : (JSON.stringify(ttl) ?? String(ttl));
}
