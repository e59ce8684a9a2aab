import { SetMetadata, type ExecutionContext } from '@nestjs/common';
import { CacheError } from '../kernel/cache-error.js';
import { parseEntryTtl, type Ttl } from '../kernel/ttl.js';
import { validTags } from '../invalidation/tags/tag-rules.js';

export const CACHE_KEY_METADATA = 'datapunk:nestjs-cache:http-key';
export const CACHE_TTL_METADATA = 'datapunk:nestjs-cache:http-ttl';
export const CACHE_VARY_METADATA = 'datapunk:nestjs-cache:http-vary';
export const CACHE_TAGS_METADATA = 'datapunk:nestjs-cache:http-tags';

/** Something a cached response depends on: a request header name, or any function of the request. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CacheVarySource = string | ((request: any) => string | undefined);

/** A route's cache key computed per request, as in @nestjs/cache-manager: `undefined` leaves the request uncached. */
export type CacheKeyFactory = (context: ExecutionContext) => string | undefined | Promise<string | undefined>;

/**
 * A fixed cache key for a route (instead of its URL), or a function of the context returning one, as in
 * @nestjs/cache-manager. Read from the route only (as the peer does): on a controller it would put every route under one key.
 */
export const CacheKey = (key: string | CacheKeyFactory) => {
  if (typeof key !== 'function' && (typeof key !== 'string' || key === '')) {
    throw new CacheError('configure', undefined, `@CacheKey takes a non-empty string or a function of the context, got ${JSON.stringify(key)}`);
  }
  return SetMetadata(CACHE_KEY_METADATA, key);
};

/** A route's TTL, or (as in @nestjs/cache-manager) a function of the request's context that returns one, or a promise of one. */
export type CacheTtlSetting = Ttl | ((context: ExecutionContext) => Ttl | Promise<Ttl>);

/** The TTL of a route's cached responses: milliseconds, `'30s'`/`'5m'` or `'never'`, or a function of the context. */
export const CacheTTL = (ttl: CacheTtlSetting) => {
  if (typeof ttl !== 'function') parseEntryTtl(ttl, 'configure', undefined, '@CacheTTL');
  return SetMetadata(CACHE_TTL_METADATA, ttl);
};

/**
 * Opts a route into caching per caller: the response is cached separately for each value of these headers or
 * functions (hashed, never stored in plain text; credential headers with HMAC-SHA256 under `http.varySecret`).
 * Without it, requests that carry a credential (Authorization, Cookie, Proxy-Authorization, X-Api-Key, or a header of
 * `http.credentialHeaders`) are neither served from nor stored in the cache. Name a header here, too, when the handler
 * answers with `Vary` on it: a response whose Vary names a header the key does not hold is not stored.
 */
export const CacheVary = (...sources: CacheVarySource[]) => SetMetadata(CACHE_VARY_METADATA, sources);

/** Tags of a route's cached responses computed per request, as @CacheTTL's function is: from the context, or a promise of them. */
export type CacheTagsFunction = (context: ExecutionContext) => readonly string[] | Promise<readonly string[]>;

/** What @CacheTags stores: its static tags, or its function. */
export type CacheTagsSetting = readonly string[] | CacheTagsFunction;

/**
 * Tags of a route's (or a controller's) cached responses, for `CacheManager.invalidateTags`: static strings, or a
 * function of the request's context. Static tags that break the rules throw when the class is defined; a function
 * that throws or returns such tags leaves that request uncached (logged), as an invalid @CacheTTL does.
 */
export function CacheTags(...tags: string[]): ClassDecorator & MethodDecorator;
export function CacheTags(tags: CacheTagsFunction): ClassDecorator & MethodDecorator;
export function CacheTags(...tags: Array<string | CacheTagsFunction>): ClassDecorator & MethodDecorator {
  return (target: object, propertyKey?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = `@CacheTags on ${propertyKey === undefined ? (target as { name: string }).name : `${target.constructor.name}.${String(propertyKey)}`}`;
    SetMetadata(CACHE_TAGS_METADATA, tagsSetting(tags, where))(target, propertyKey!, descriptor!);
  };
}

/** The setting @CacheTags stores: one function, or strings that follow the tag rules (checked now, so a bad one fails the boot). */
function tagsSetting(tags: Array<string | CacheTagsFunction>, where: string): CacheTagsSetting {
  if (tags.length === 1 && typeof tags[0] === 'function') return tags[0];
  if (tags.length === 0 || tags.some((tag) => typeof tag !== 'string')) {
    throw new CacheError('configure', undefined, `${where}: takes one or more tags, or a single function of the context`);
  }
  try {
    return validTags(tags, 'configure', undefined);
  } catch (error) {
    // validTags says what is wrong after its "configure: " prefix; this names the route instead.
    throw new CacheError('configure', undefined, `${where}: ${(error as Error).message.replace(/^configure: /, '')}`);
  }
}
