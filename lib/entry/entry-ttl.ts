import { CacheError, type CacheOperation } from '../kernel/cache-error.js';
import { LONGEST_PX_MS, longest, maxTtlMs, NO_EXPIRY } from '../kernel/ttl.js';
import { staleWindowMs, type EntryPolicy } from './entry-policy.js';
import { messages } from '../kernel/messages.js';

/**
 * Refuses an entry's TTL that only fits before its additions: spread by up to +`ttlJitter` its logical expiry must
 * still fit the header, and the Redis TTL (that plus the stale window) what Redis is sent. Called where a write's
 * TTL meets its policy, before any loader runs.
 */
export function assertEntryTtl(ttlMs: number, policy: EntryPolicy, operation: CacheOperation, key: string | undefined): void {
  if (ttlMs === NO_EXPIRY) return assertNoExpiryAllowed(policy, operation, key);
  const spread = Math.ceil(ttlMs * (1 + policy.ttlJitter));
  const max = maxTtlMs();
  if (spread > max) {
    const jittered = `ttl ${ttlMs} ms with ttlJitter ${policy.ttlJitter} (up to ${spread} ms)`;
    throw new CacheError(operation, key, messages.ttlTooLong(jittered, longest(max)));
  }
  const window = staleWindowMs(policy);
  if (spread + window > LONGEST_PX_MS) {
    const physical = `ttl ${ttlMs} ms with ttlJitter ${policy.ttlJitter} and a stale window of ${window} ms`;
    throw new CacheError(operation, key, messages.ttlOverRedis(physical, LONGEST_PX_MS));
  }
}

/**
 * Refresh-ahead and the stale windows are measured from the logical expiry, which a `'never'` entry does not have:
 * refused, naming the setting, rather than silently never refreshing or serving stale.
 */
export function assertNoExpiryAllowed(policy: EntryPolicy, operation: CacheOperation, key: string | undefined, subject = "ttl 'never'"): void {
  const needsExpiry = [
    policy.refreshBeta !== undefined && 'refreshAhead',
    policy.staleWhileRevalidateMs > 0 && 'staleWhileRevalidate',
    policy.staleIfErrorMs > 0 && 'staleIfError',
  ].filter((name): name is string => name !== false);
  if (needsExpiry.length > 0) {
    const names = needsExpiry.map((name) => `"${name}"`).join(' and ');
    throw new CacheError(operation, key, messages.neverWithStale(subject, names));
  }
}
