import { SetMetadata, type ExecutionContext } from '@nestjs/common';
import { parseTtl, type Ttl } from '../core/ttl.js';

export const CACHE_KEY_METADATA = 'datapunk:nestjs-cache:http-key';
export const CACHE_TTL_METADATA = 'datapunk:nestjs-cache:http-ttl';
export const CACHE_VARY_METADATA = 'datapunk:nestjs-cache:http-vary';

/** Something a cached response depends on: a request header name, or any function of the request. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CacheVarySource = string | ((request: any) => string | undefined);

/** A fixed cache key for a route (instead of its URL), as in @nestjs/cache-manager. */
export const CacheKey = (key: string) => SetMetadata(CACHE_KEY_METADATA, key);

/** A route's TTL, or (as in @nestjs/cache-manager) a function of the request's context that returns one, or a promise of one. */
export type CacheTtlSetting = Ttl | ((context: ExecutionContext) => Ttl | Promise<Ttl>);

/** The TTL of a route's cached responses: milliseconds or `'30s'`/`'5m'`, or a function of the context. */
export const CacheTTL = (ttl: CacheTtlSetting) => {
  if (typeof ttl !== 'function') parseTtl(ttl, 'configure', undefined, '@CacheTTL');
  return SetMetadata(CACHE_TTL_METADATA, ttl);
};

/**
 * Opts a route into caching per caller: the response is cached separately for each value of
 * these headers or functions (hashed, never stored in plain text). Without it, requests that
 * carry Authorization or Cookie are neither served from nor stored in the cache.
 */
export const CacheVary = (...sources: CacheVarySource[]) => SetMetadata(CACHE_VARY_METADATA, sources);
