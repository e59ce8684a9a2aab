import { shouldRefreshEarly } from './refresh-ahead.js';

/**
 * One entry policy: how an entry's TTL becomes its lifetime (jitter, stale windows: `entryLifetime`) and how read-through
 * treats its age (`freshnessOf`). Resolved once per module and per namespace (`policy` options), and per call or
 * decorator only when it overrides a field (`resolveEntryPolicy(overrides, base)`, the clone-with of the level above).
 */
export interface EntryPolicy {
  /** XFetch β for refresh-ahead; undefined: off. */
  refreshBeta: number | undefined;
  /** After the logical TTL, serve the old value this long while one background load replaces it. */
  staleWhileRevalidateMs: number;
  /** After the logical TTL, serve the old value this long when the loader fails or passes loaderTimeoutMs. */
  staleIfErrorMs: number;
  /** Soft timeout of a load that has a stale value to fall back on; undefined: wait for the loader. */
  loaderTimeoutMs: number | undefined;
  /** TTLs are spread by ± this fraction. */
  ttlJitter: number;
  /** After a failed load, the key's stale value is served without calling the loader again for this long. */
  failedLoaderThrottleMs: number;
}

export const DEFAULT_FAILED_LOADER_THROTTLE_MS = 10_000;

export const NO_ENTRY_POLICY: EntryPolicy = {
  refreshBeta: undefined,
  staleWhileRevalidateMs: 0,
  staleIfErrorMs: 0,
  loaderTimeoutMs: undefined,
  ttlJitter: 0,
  failedLoaderThrottleMs: DEFAULT_FAILED_LOADER_THROTTLE_MS,
};

/** How long an entry stays in Redis past its logical expiry: the longer stale window. */
export function staleWindowMs(policy: EntryPolicy): number {
  return Math.max(policy.staleWhileRevalidateMs, policy.staleIfErrorMs);
}

/** The logical TTL of an entry written now: the TTL spread by ± ttlJitter, so keys written together expire apart. */
export function jitteredTtlMs(ttlMs: number, policy: EntryPolicy, random: () => number = Math.random): number {
  if (policy.ttlJitter === 0) return ttlMs;
  return Math.max(1, Math.round(ttlMs * (1 + policy.ttlJitter * (2 * random() - 1))));
}

/** How long an entry written now lives: `logicalMs` until it is stale (the TTL spread by jitter), `physicalMs` in Redis. */
export interface EntryLifetime {
  logicalMs: number;
  /** The logical TTL plus the longer stale window: Redis keeps the entry that long for stale serving. */
  physicalMs: number;
}

/** The one place a write's TTL becomes its lifetime (every write path: set, mset, read-through, batch, warming). */
export function entryLifetime(ttlMs: number, policy: EntryPolicy): EntryLifetime {
  const logicalMs = jitteredTtlMs(ttlMs, policy);
  return { logicalMs, physicalMs: logicalMs + staleWindowMs(policy) };
}

/**
 * What read-through does with a found entry:
 * - fresh: serve it;
 * - refresh: serve it and refresh it in the background (refresh-ahead);
 * - revalidate: past its logical TTL, inside staleWhileRevalidate: serve it and reload it in the background;
 * - stale-if-error: past that, inside staleIfError: load, and serve it if the load fails or times out;
 * - expired: a miss.
 */
export type Freshness = 'fresh' | 'refresh' | 'revalidate' | 'stale-if-error' | 'expired';

/** `logicalExpiresAt` 0 (a legacy entry, none recorded) is always fresh: Redis expires it. */
export function freshnessOf(logicalExpiresAt: number, loadMicros: number, now: number, policy: EntryPolicy): Freshness {
  if (logicalExpiresAt === 0) return 'fresh';
  if (now < logicalExpiresAt) {
    return policy.refreshBeta !== undefined && shouldRefreshEarly(now, logicalExpiresAt, loadMicros / 1000, policy.refreshBeta)
      ? 'refresh'
      : 'fresh';
  }
  const age = now - logicalExpiresAt;
  if (age < policy.staleWhileRevalidateMs) return 'revalidate';
  if (age < policy.staleIfErrorMs) return 'stale-if-error';
  return 'expired';
}
