import type { FactoryProvider, ModuleMetadata, Provider, Type } from '@nestjs/common';
import { CacheError } from '../kernel/cache-error.js';
import { NEVER, type Ttl } from '../kernel/ttl.js';
import type { CacheModuleOptions } from '../options/cache-options.js';

/** The namespace `CacheModule.register()` uses when none is given (forRoot requires one). */
export const DEFAULT_REGISTER_NAMESPACE = 'cache';

/**
 * Options of `CacheModule.register()` / `registerAsync()`, the @nestjs/cache-manager way: every `forRoot` option, with
 * `namespace` optional (default `'cache'`), `ttl` as the peer names `policy.ttl`, and `isGlobal` inline.
 */
export type CacheRegisterOptions = Omit<CacheModuleOptions, 'namespace'> & {
  /** Prefix of every key. Default: `'cache'`. Give each service its own before sharing a Redis. */
  namespace?: string;
  /**
   * @nestjs/cache-manager's name for `policy.ttl`: milliseconds, `'5m'`, or `'never'`.
   * @default 'never' (as @nestjs/cache-manager: an entry set without a TTL does not expire), unless `policy.ttl` is given
   */
  ttl?: Ttl;
  /** Register the module globally. Default: `false`. */
  isGlobal?: boolean;
};

/** What `registerAsync({ useClass })` / `useExisting` instantiate, as in @nestjs/cache-manager. */
export interface CacheOptionsFactory {
  createCacheOptions(): CacheRegisterOptions | Promise<CacheRegisterOptions>;
}

/** `CacheModule.registerAsync()` options, as in @nestjs/cache-manager (`extraProviders` included). */
export interface CacheRegisterAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory?: (...args: any[]) => CacheRegisterOptions | Promise<CacheRegisterOptions>; // eslint-disable-line @typescript-eslint/no-explicit-any
  inject?: FactoryProvider['inject'];
  useClass?: Type<CacheOptionsFactory>;
  useExisting?: Type<CacheOptionsFactory>;
  /** Providers registered in the cache module, so the options factory can inject them. */
  extraProviders?: Provider[];
  /** Register the module globally. Default: `false`. */
  isGlobal?: boolean;
}

/** Options of @nestjs/cache-manager that configure Keyv stores or cache-manager features this package has no use for. */
const PEER_ONLY_OPTIONS: Record<string, string> = {
  stores: 'Keyv stores are not used: give `redis: { url }` (or host/port, a client, a cluster) instead',
  nonBlocking: 'it concerns several Keyv stores; there is one Redis store here',
  refreshAllStores: 'it concerns several Keyv stores; there is one Redis store here',
  refreshThreshold:
    '{ ttl: T, refreshThreshold: R } is { ttl: T - R, staleWhileRevalidate: R } here (the value is served for T, and ' +
    'reloaded in the background once less than R is left), or refreshAhead: { beta: 1 } to refresh hot keys early by their load time',
  cacheId: 'there is no cache id; the namespace identifies the cache',
};

/** Connection settings that cache-manager 4/5 stores took beside `store:`; left here they would be ignored. */
const LEGACY_CONNECTION_OPTIONS = ['host', 'port', 'password', 'username', 'db', 'url', 'socket', 'auth_pass', 'no_ready_check'];

/** Settings measured from an expiry: with them, register() cannot default to "no expiry". */
const EXPIRY_SETTINGS = ['refreshAhead', 'staleWhileRevalidate', 'staleIfError'] as const;

/** Turns register() options into forRoot() options, refusing peer options that would otherwise be silently ignored. */
export function fromRegisterOptions(options: CacheRegisterOptions | undefined | null): CacheModuleOptions {
  if (options === undefined || options === null) return { namespace: DEFAULT_REGISTER_NAMESPACE, policy: { ttl: NEVER } };
  if (typeof options !== 'object') {
    throw new CacheError('configure', undefined, `CacheModule.register options must be an object, got ${typeof options}`);
  }
  for (const name of Object.keys(options)) {
    const reason = PEER_ONLY_OPTIONS[name];
    if (reason !== undefined)
      throw new CacheError('configure', undefined, `option "${name}" of @nestjs/cache-manager is not supported: ${reason}`);
    if (LEGACY_CONNECTION_OPTIONS.includes(name))
      throw new CacheError(
        'configure',
        undefined,
        `option "${name}" is a connection setting of a cache-manager store: give it inside redis: { ... } (redis: { url }, or redis: { host, port, options: { password, username, db } })`,
      );
  }
  const { ttl, isGlobal: _isGlobal, namespace, ...rest } = options;
  for (const other of ['defaultTtl', 'policy.ttl'] as const) {
    const given = other === 'defaultTtl' ? rest.defaultTtl : rest.policy?.ttl;
    if (ttl !== undefined && given !== undefined)
      throw new CacheError('configure', undefined, `options "ttl" and "${other}" name the same setting: give one`);
  }
  // The deprecated `defaultTtl` is left to forRoot's resolver, which warns about it (and refuses it beside policy.ttl).
  if (rest.defaultTtl !== undefined) return { ...rest, namespace: namespace ?? DEFAULT_REGISTER_NAMESPACE };
  const policy = { ...rest.policy, ttl: ttl ?? rest.policy?.ttl ?? peerDefaultTtl(options) };
  return { ...rest, namespace: namespace ?? DEFAULT_REGISTER_NAMESPACE, policy };
}

/**
 * The peer keeps an entry set without a TTL, in a cache registered without one, forever: so does register(). With a
 * setting measured from an expiry there is no such default to keep: the boot says to give `ttl`.
 */
function peerDefaultTtl(options: CacheRegisterOptions): Ttl {
  const policy = options.policy !== null && typeof options.policy === 'object' ? options.policy : {};
  const needsExpiry = [
    ...EXPIRY_SETTINGS.filter((name) => options[name] !== undefined),
    ...EXPIRY_SETTINGS.filter((name) => policy[name] !== undefined).map((name) => `policy.${name}`),
  ];
  if (needsExpiry.length === 0) return NEVER;
  throw new CacheError(
    'configure',
    undefined,
    `CacheModule.register() without "ttl" keeps entries without expiry (as @nestjs/cache-manager), which ${needsExpiry.map((name) => `"${name}"`).join(' and ')} cannot work with: give "ttl"`,
  );
}
