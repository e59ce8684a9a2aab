import { Inject, Injectable, Optional, StreamableFile, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { Cache, CACHE_MANAGER } from '../core/compat-cache.js';
import { engineBehind } from '../core/manager-backed-cache.js';
import type { NamespaceEngine } from '../namespace/namespace-engine.js';
import type { Ttl } from '../kernel/ttl.js';
import type { ResolvedHttpOptions } from '../options/cache-options.js';
import { resolveHttpOptions } from '../options/resolve-http-options.js';
import { tagSourceOf, type TagSource } from '../invalidation/tags/tag-guard.js';
import { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import {
  CACHE_KEY_METADATA,
  CACHE_TAGS_METADATA,
  CACHE_TTL_METADATA,
  CACHE_VARY_METADATA,
  type CacheKeyFactory,
  type CacheTagsSetting,
  type CacheTtlSetting,
  type CacheVarySource,
} from './cache-http.decorators.js';
import { credentialsOf, keyedByCredentials, variedHeaders, variesOnASecret, variesOnCredentials } from './credential-headers.js';
import { AUTHORITY_HEADERS, authorityOf } from './http-authority.js';
import { headerOf, isStorableResponse, varyOf, type HttpRequest, type HttpResponse } from './http-messages.js';
import { varyDigest } from './vary-digest.js';
import { interceptThroughCache } from './intercept-through-cache.js';

/** Marks a request already handled, so a route under both a global and a local interceptor is cached once (not deadlocked on itself). */
const INTERCEPTED = Symbol('datapunk.nestjs-cache.intercepted');

/** The handler and its class, where route metadata is looked up. */
type RouteTargets = Parameters<Reflector['getAllAndOverride']>[1];

/** Site and URL longer than this are hashed so a key never outgrows the key limit. */
const MAX_PLAIN_URL = 256;

/**
 * Caches GET responses, safely by default: the key holds the site (Host) and the URL; requests with credentials
 * (Authorization, Cookie, Proxy-Authorization, X-Api-Key, `http.credentialHeaders`) are passed through unless the
 * route declares what the response varies on (@CacheVary); responses that set cookies, are private, or whose `Vary`
 * names a header the key does not hold are not stored; concurrent misses on one route run the handler once. Adds `X-Cache`.
 *
 * Shaped as @nestjs/cache-manager's, so subclasses written for it keep working: it injects `CACHE_MANAGER` and
 * `Reflector` (constructor) and `HttpAdapterHost` (property), all three protected, and asks the protected hooks
 * `isRequestCacheable(context)` and `trackBy(context)`. When `CACHE_MANAGER` is a test double rather than this
 * module's Cache, it caches through that double as the peer does (get, then set).
 */
@Injectable()
export class CacheInterceptor implements NestInterceptor {
  @Optional()
  @Inject(HttpAdapterHost)
  protected readonly httpAdapterHost?: HttpAdapterHost;

  /** Methods the default isRequestCacheable lets through, as in @nestjs/cache-manager. Keys hold the method. */
  protected allowedMethods = ['GET'];

  constructor(
    @Inject(CACHE_MANAGER) protected readonly cacheManager: Cache,
    protected readonly reflector: Reflector,
  ) {}

  private readonly logger = new RateLimitedLogger('CacheInterceptor');
  /** The http settings when CACHE_MANAGER is a test double (no module options to read them from): the defaults. */
  private fallbackSettings?: ResolvedHttpOptions;

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<HttpRequest & { [INTERCEPTED]?: true }>();
    const response = context.switchToHttp().getResponse<HttpResponse>();
    if (request[INTERCEPTED]) return next.handle();
    request[INTERCEPTED] = true;
    if (!this.isRequestCacheable(context) || headerOf(request, 'cache-control')?.includes('no-store')) return next.handle();

    const targets = [context.getHandler(), context.getClass()];
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    const engine = engineBehind(this.cacheManager);
    const keyed = await this.keyFor(context, request, targets, route, engine);
    if (keyed === undefined) return next.handle();
    const { key, inKey, perCaller } = keyed;
    if (engine === undefined) {
      const ttl = await this.peerTtlOf(context, targets, route);
      return interceptThroughCache(this.cacheManager, key, ttl, next, (state) => this.setCacheHeader(response, state), this.logger);
    }
    const ttlMs = await this.ttlOf(engine, context, targets, key, route);
    if (ttlMs === undefined) return next.handle();
    const tags = await this.tagsOf(engine, context, targets, key, route);
    if (tags === null) return next.handle();
    const run = () => lastValueFrom(next.handle(), { defaultValue: undefined });
    let ranHandler = false;
    const entry = await engine.reads.readThrough<CachedResponse>(
      key,
      async () => {
        ranHandler = true;
        const body = await run();
        const entry = { body };
        const storable = body !== undefined && !(body instanceof StreamableFile) && isStorableResponse(response, perCaller);
        if (!storable || !this.keyHoldsVary(response, inKey, route)) unshareable.add(entry);
        return entry;
      },
      { label: route, ttlFor: (entry) => (unshareable.has(entry) ? undefined : ttlMs), ttlHintMs: ttlMs, tags },
    );
    // A response that may not be stored may not be shared either: a caller that joined its flight runs its own handler.
    if (!ranHandler && unshareable.has(entry)) return of(await run());
    this.setCacheHeader(response, ranHandler ? 'MISS' : 'HIT');
    return of(entry.body);
  }

  /**
   * Whether this request may be served from and stored in the cache at all, as @nestjs/cache-manager's hook: by default
   * its method is in `allowedMethods` (GET). Override it to exclude requests; credentials are checked after it.
   */
  protected isRequestCacheable(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    return this.allowedMethods.includes(request.method ?? '');
  }

  private setCacheHeader(response: HttpResponse, state: 'HIT' | 'MISS'): void {
    this.httpAdapterHost?.httpAdapter?.setHeader(response, 'X-Cache', state);
  }

  /**
   * The request's key; the request headers it holds (a response's Vary may name those); whether it is per caller
   * (@CacheVary). Undefined: serve the request uncached (a credential the route does not vary on, a vary function
   * that names nobody, no key from trackBy).
   */
  private async keyFor(
    context: ExecutionContext,
    request: HttpRequest,
    targets: RouteTargets,
    route: string,
    engine: NamespaceEngine | undefined,
  ): Promise<{ key: string; inKey: ReadonlySet<string>; perCaller: boolean } | undefined> {
    const vary = this.reflector.getAllAndOverride<CacheVarySource[] | undefined>(CACHE_VARY_METADATA, targets);
    const varied = variedHeaders(vary);
    const settings = engine?.options.http ?? (this.fallbackSettings ??= resolveHttpOptions(undefined));
    const credentials = credentialsOf(request, settings.credentialHeaders);
    if (!variesOnCredentials(credentials, vary, varied)) return undefined;
    const values = vary?.map((source) => (typeof source === 'function' ? source(request) : headerOf(request, source)) ?? '');
    // A vary function that names nobody (no user id, no tenant) would put every credentialed caller under one key,
    // unless the credential headers themselves are part of the key.
    if (!keyedByCredentials(credentials, varied) && vary?.some((source, i) => typeof source === 'function' && values![i] === ''))
      return undefined;
    const tracked = await this.trackedKey(context, route);
    if (tracked === undefined) return undefined;
    // A @CacheKey says what identifies the response; any other key is per site (multi-tenant by hostname).
    const bySite = this.reflector.get(CACHE_KEY_METADATA, context.getHandler()) === undefined;
    const digest = values && varyDigest(values, variesOnASecret(varied, settings.credentialHeaders), settings, this.logger);
    return {
      key: keyOf(request.method ?? 'GET', bySite ? authorityOf(request) : undefined, tracked, digest),
      inKey: bySite ? new Set([...varied, ...AUTHORITY_HEADERS]) : varied,
      perCaller: vary !== undefined,
    };
  }

  /**
   * Whether the key holds every request header the response's `Vary` names: else another caller, whose request differs
   * in one of them, would be served this response. Such a response is not stored (logged); `Vary: *` never is.
   */
  private keyHoldsVary(response: HttpResponse, inKey: ReadonlySet<string>, route: string): boolean {
    const outside = varyOf(response).filter((name) => !inKey.has(name));
    if (outside.length === 0) return true;
    const remedy = outside.includes('*')
      ? 'a response that varies on anything is never stored'
      : `add @CacheVary(${outside.map((name) => JSON.stringify(name)).join(', ')}) to cache one response per value`;
    this.logger.warn(
      `vary:${route}`,
      `${route} answered with Vary ${JSON.stringify(outside.join(', '))}, which its cache key does not hold: not stored (${remedy})`,
    );
    return false;
  }

  /**
   * The route's TTL in ms. A @CacheTTL function may return a promise (as the peer's may); one that yields no valid
   * TTL leaves this request uncached (logged), rather than failing a request the handler could serve.
   */
  private async ttlOf(
    engine: NamespaceEngine,
    context: ExecutionContext,
    targets: RouteTargets,
    key: string,
    route: string,
  ): Promise<number | undefined> {
    const setting = this.reflector.getAllAndOverride<CacheTtlSetting | undefined>(CACHE_TTL_METADATA, targets);
    try {
      return engine.ttlOf(typeof setting === 'function' ? await setting(context) : setting, key, 'set');
    } catch (error) {
      this.logger.warn(`ttl:${route}`, `@CacheTTL of ${route}: ${(error as Error).message}; serving uncached`);
      return undefined;
    }
  }

  /** The route's @CacheTTL as the peer hands it to its cache (a test double here): as given, or its function's result. */
  private async peerTtlOf(context: ExecutionContext, targets: RouteTargets, route: string): Promise<Ttl | undefined> {
    const setting = this.reflector.getAllAndOverride<CacheTtlSetting | undefined>(CACHE_TTL_METADATA, targets);
    try {
      return typeof setting === 'function' ? await setting(context) : setting;
    } catch (error) {
      this.logger.warn(`ttl:${route}`, `@CacheTTL of ${route}: ${(error as Error)?.message ?? String(error)}; stored without one`);
      return undefined;
    }
  }

  /**
   * The route's @CacheTags as read-through takes them (undefined: none). null when a tags function threw or named
   * tags that break the rules: as for @CacheTTL, the request is served uncached (logged) rather than failed.
   */
  private async tagsOf(
    engine: NamespaceEngine,
    context: ExecutionContext,
    targets: RouteTargets,
    key: string,
    route: string,
  ): Promise<TagSource<CachedResponse> | undefined | null> {
    const setting = this.reflector.getAllAndOverride<CacheTagsSetting | undefined>(CACHE_TAGS_METADATA, targets);
    if (setting === undefined) return undefined;
    try {
      return tagSourceOf(typeof setting === 'function' ? await setting(context) : setting, key);
    } catch (error) {
      this.logger.warn(`tags:${route}`, `@CacheTags of ${route}: ${(error as Error)?.message ?? String(error)}; serving uncached`);
      return null;
    }
  }

  /**
   * What identifies the response, as @nestjs/cache-manager's `trackBy` hook: the route's @CacheKey (a string, or its
   * function's result), else the request URL. Override it in a subclass to key otherwise; `undefined` (or `null`)
   * leaves the request uncached. Unless the route has a @CacheKey, the key also holds the site (Host, and
   * X-Forwarded-Host when present). Credentials are handled before it is asked (see @CacheVary).
   */
  protected trackBy(context: ExecutionContext): string | undefined | null | Promise<string | undefined | null> {
    const setting = this.reflector.get<string | CacheKeyFactory | undefined>(CACHE_KEY_METADATA, context.getHandler());
    if (typeof setting === 'function') return setting(context);
    if (setting !== undefined) return setting;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    return request.originalUrl ?? request.url ?? '/';
  }

  /** trackBy's key; one that throws or is not a non-empty string leaves the request uncached (logged), as for @CacheTTL. */
  private async trackedKey(context: ExecutionContext, route: string): Promise<string | undefined> {
    try {
      const key = await this.trackBy(context);
      if (key === undefined || key === null) return undefined;
      if (typeof key === 'string' && key !== '') return key;
      throw new Error(`the key must be a non-empty string, got ${JSON.stringify(key)}`);
    } catch (error) {
      this.logger.warn(`key:${route}`, `cache key of ${route}: ${(error as Error)?.message ?? String(error)}; serving uncached`);
      return undefined;
    }
  }
}

/** What is stored for a route: the body in an envelope, so "not storable" can be marked on the object itself. */
interface CachedResponse {
  body: unknown;
}

/** Envelopes of responses that must be neither stored nor shared with concurrent callers. */
const unshareable = new WeakSet<CachedResponse>();

/**
 * `http:GET:<site><url>[:<digest of the varied values>]`, or `http:GET:<@CacheKey>[:<digest>]` (another method, where
 * isRequestCacheable lets one through, in place of GET). `<site>` (authorityOf)
 * holds no "/" nor "|", so a site and a URL (or, from a trackBy override, `<site>|<key>`) read back one way only.
 * Past 256 characters, the site and URL are hashed so a key never outgrows the key limit.
 */
function keyOf(method: string, site: string | undefined, tracked: string, digest: string | undefined): string {
  const plain = site === undefined ? tracked : `${site}${tracked.startsWith('/') ? '' : '|'}${tracked}`;
  const key = `http:${method}:${plain.length > MAX_PLAIN_URL ? hash(plain) : plain}`;
  return digest === undefined ? key : `${key}:${digest}`;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}
