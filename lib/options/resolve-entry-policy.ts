import { CacheError, type CacheOperation } from '../kernel/cache-error.js';
import { parseTtl } from '../kernel/ttl.js';
import type { EntryPolicy } from '../entry/entry-policy.js';
import type { StaleOptions } from './cache-options.js';
import { CACHE_DEFAULTS } from './defaults.js';

const FIELDS = ['refreshAhead', 'staleWhileRevalidate', 'staleIfError', 'loaderTimeout', 'ttlJitter'] as const;

/** Whether `options` set any refresh/stale field (a call that sets none shares its namespace's resolved policy). */
export function hasStaleOptions(options: StaleOptions | undefined): boolean {
  return options !== undefined && FIELDS.some((field) => options[field] !== undefined);
}

/**
 * The entry policy of a level (a namespace, a call, a decorator): `options`' fields over `base` (the level above), validated;
 * unchanged fields are `base`'s. Every error names the option as `name` spells it
 * (`option "staleIfError"`, `option "namespaces.x.staleIfError"`, `@Cacheable on X.y option "staleIfError"`).
 */
export function resolveEntryPolicy(
  options: StaleOptions | undefined,
  base: EntryPolicy,
  name: (option: string) => string,
  operation: CacheOperation = 'configure',
): EntryPolicy {
  if (!hasStaleOptions(options)) return base;
  const { refreshAhead, staleWhileRevalidate, staleIfError, loaderTimeout, ttlJitter } = options!;
  const fail = (option: string, expected: string, got: unknown): never => {
    throw new CacheError(operation, undefined, `${name(option)} must be ${expected}, got ${JSON.stringify(got)}`);
  };
  const window = (option: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (value === false || value === 0) return 0;
    return parseTtl(value, operation, undefined, name(option));
  };
  return {
    refreshBeta: resolveRefreshAhead(refreshAhead, base.refreshBeta, fail),
    staleWhileRevalidateMs: window('staleWhileRevalidate', staleWhileRevalidate, base.staleWhileRevalidateMs),
    staleIfErrorMs: window('staleIfError', staleIfError, base.staleIfErrorMs),
    loaderTimeoutMs:
      loaderTimeout === undefined
        ? base.loaderTimeoutMs
        : loaderTimeout === false || loaderTimeout === 0
          ? undefined
          : window('loaderTimeout', loaderTimeout, 0),
    ttlJitter:
      ttlJitter === undefined
        ? base.ttlJitter
        : typeof ttlJitter === 'number' && ttlJitter >= 0 && ttlJitter < 1
          ? ttlJitter
          : fail('ttlJitter', 'a fraction from 0 up to (not including) 1, e.g. 0.1 for ±10 %', ttlJitter),
    failedLoaderThrottleMs: base.failedLoaderThrottleMs,
  };
}

function resolveRefreshAhead(
  value: StaleOptions['refreshAhead'],
  fallback: number | undefined,
  fail: (option: string, expected: string, got: unknown) => never,
): number | undefined {
  if (value === undefined) return fallback;
  if (value === false) return undefined;
  if (value === true) return CACHE_DEFAULTS.whenOn.refreshAhead.beta;
  if (value === null || typeof value !== 'object') return fail('refreshAhead', 'false, true or { beta?: number }', value);
  const beta = value.beta ?? CACHE_DEFAULTS.whenOn.refreshAhead.beta;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0)
    return fail('refreshAhead.beta', 'a positive number (1 is the usual)', beta);
  return beta;
}
