import type { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import type { FillTicket, L1Tier } from './l1-tier.js';

/** Reads keys from Redis, letting each reply fill the tier when its ticket allows. */
export type FetchMany = <T>(
  keys: readonly string[],
  fullKeys: readonly string[],
  tickets?: ReadonlyArray<FillTicket | undefined>,
) => Promise<Array<T | undefined>>;

/**
 * mget through the in-process tier: what it holds is served from memory, the rest in one Redis round trip whose
 * replies fill it. Values come back in the order asked.
 */
export async function mgetThroughL1<T>(
  tier: L1Tier,
  keys: readonly string[],
  fullKeys: readonly string[],
  fetch: FetchMany,
  metrics: CacheMetrics,
  /** The `cache` label the hits are counted under. */
  label: string,
): Promise<Array<T | undefined>> {
  const held = tier.lookupMany(fullKeys);
  if (held === undefined)
    return fetch<T>(
      keys,
      fullKeys,
      fullKeys.map((fullKey) => tier.beginFill(fullKey)),
    );
  const missing = held.flatMap((entry, i) => (entry === undefined ? [i] : []));
  metrics.hit(label, held.length - missing.length);
  for (let i = 0; i < held.length; i++) if (held[i] !== undefined) metrics.events.hit(label, keys[i], 'l1');
  const values = held.map((entry) => (entry === undefined ? undefined : (tier.valueOf(entry) as T)));
  if (missing.length === 0) return values;
  const missingFull = missing.map((i) => fullKeys[i]);
  const fetched = await fetch<T>(
    missing.map((i) => keys[i]),
    missingFull,
    missingFull.map((fullKey) => tier.beginFill(fullKey)),
  );
  missing.forEach((position, i) => (values[position] = fetched[i]));
  return values;
}
