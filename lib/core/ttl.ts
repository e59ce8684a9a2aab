import ms from 'ms';
import { CacheError, type CacheOperation } from './cache-error.js';
import { staleWindowMs, type StalePolicy } from '../read-through/stale-policy.js';

/**
 * A time to live: a number of **milliseconds** (as in @nestjs/cache-manager 5+),
 * or a human string such as `'30s'`, `'5m'`, `'1h'`, `'2d'`.
 */
export type Ttl = number | string;

/** The latest logical expiry an entry header records: 48 bits of ms since the epoch (the year 10889). */
const LATEST_EXPIRY_MS = 2 ** 48 - 1;
/**
 * The longest Redis TTL written: Redis takes PX up to 2^63 - 1 ms minus its clock, but a JavaScript number is an exact
 * integer (what ioredis sends) only up to 2^53 - 1.
 */
const LONGEST_PX_MS = Number.MAX_SAFE_INTEGER;

/** The longest TTL an entry written now can have: its expiry must fit the header (about 8,800 years from 2026). */
export function maxTtlMs(now = Date.now()): number {
  return LATEST_EXPIRY_MS - now;
}

/**
 * Turns a Ttl into whole milliseconds; zero, negative, unparsable values and ones past `maxTtlMs()` are refused
 * (0 never silently means "no expiry"). `subject` names what is parsed in the error.
 */
export function parseTtl(ttl: unknown, operation: CacheOperation, key?: string, subject = 'ttl'): number {
  const millis = typeof ttl === 'number' ? ttl : typeof ttl === 'string' && ttl !== '' ? ms(ttl as ms.StringValue) : undefined;
  if (typeof millis !== 'number' || !Number.isFinite(millis)) {
    throw new CacheError(operation, key, `${subject} ${describe(ttl)} is neither milliseconds nor a duration like '30s', '5m', '1h'`);
  }
  if (millis <= 0) {
    throw new CacheError(operation, key, `${subject} must be positive, got ${describe(ttl)} (0 does not mean "no expiry")`);
  }
  const max = maxTtlMs();
  if (millis > max) throw new CacheError(operation, key, `${subject} ${describe(ttl)} is over the longest TTL an entry can have (${longest(max)})`);
  return Math.ceil(millis);
}

/**
 * Refuses an entry's TTL that only fits before its additions: spread by up to +`ttlJitter` its logical expiry must
 * still fit the header, and the Redis TTL (that plus the stale window) what Redis is sent. Called where a write's
 * TTL meets its policy, before any loader runs.
 */
export function assertEntryTtl(ttlMs: number, policy: StalePolicy, operation: CacheOperation, key: string | undefined): void {
  const spread = Math.ceil(ttlMs * (1 + policy.ttlJitter));
  const max = maxTtlMs();
  if (spread > max) {
    const jittered = `ttl ${ttlMs} ms with ttlJitter ${policy.ttlJitter} (up to ${spread} ms)`;
    throw new CacheError(operation, key, `${jittered} is over the longest TTL an entry can have (${longest(max)})`);
  }
  const window = staleWindowMs(policy);
  if (spread + window > LONGEST_PX_MS) {
    const physical = `ttl ${ttlMs} ms with ttlJitter ${policy.ttlJitter} and a stale window of ${window} ms`;
    throw new CacheError(operation, key, `${physical} is over the longest TTL Redis is sent (${LONGEST_PX_MS} ms)`);
  }
}

function longest(maxMs: number): string {
  return `${maxMs} ms, about ${Math.floor(maxMs / (365.25 * 24 * 3_600_000))} years: its expiry is stored as 48-bit milliseconds since 1970`;
}

/** NaN and ±Infinity by name (JSON.stringify would print null), strings quoted, anything else as JSON shows it. */
function describe(ttl: unknown): string {
  return typeof ttl === 'number' ? String(ttl) : (JSON.stringify(ttl) ?? String(ttl));
}
