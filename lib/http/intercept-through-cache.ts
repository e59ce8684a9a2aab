import { StreamableFile, type CallHandler } from '@nestjs/common';
import { lastValueFrom, of, type Observable } from 'rxjs';
import type { Cache } from '../core/compat-cache.js';
import type { Ttl } from '../kernel/ttl.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';

/**
 * The interceptor's flow when `CACHE_MANAGER` is not this module's Cache (a test double, from `overrideProvider` or a
 * providers list): @nestjs/cache-manager's own, so a unit test written for it sees the calls it expects: `get`; on a
 * hit the value; on a miss the handler, then `set(key, body[, ttl])`, whose failure is logged, not thrown. Single
 * flight, tags and `Vary` checks need the CacheManager and are not applied; credentials still are (by the caller).
 */
export async function interceptThroughCache(
  cache: Cache,
  key: string,
  ttl: Ttl | undefined,
  next: CallHandler,
  mark: (state: 'HIT' | 'MISS') => void,
  logger: RateLimitedLogger,
): Promise<Observable<unknown>> {
  const cached = await cache.get(key);
  if (cached !== undefined && cached !== null) {
    mark('HIT');
    return of(cached);
  }
  const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
  if (body !== undefined && !(body instanceof StreamableFile)) {
    try {
      await (ttl === undefined ? cache.set(key, body) : cache.set(key, body, ttl));
    } catch (error) {
      logger.warn('set:double', `storing "${key}" in CACHE_MANAGER failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }
  mark('MISS');
  return of(body);
}
