import type { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import type { L1Tier } from './l1-tier.js';

/** Reads keys from Redis: the stored bytes (what may be served of them) and the values decoded from them. */
export type FetchMany = <T>(
  keys: readonly string[],
  fullKeys: readonly string[],
) => Promise<{ found: ReadonlyArray<Buffer | null | undefined>; values: Array<T | undefined> }>;

/**
 * mget through the in-process tier: what it holds is served from memory, the rest in one Redis round trip whose
 * replies fill it (each under a ticket taken before the read was sent). Values come back in the order asked.
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
  if (held === undefined) return fetchFilling<T>(tier, keys, fullKeys, fetch);
  const missing = held.flatMap((entry, i) => (entry === undefined ? [i] : []));
  metrics.hit(label, held.length - missing.length);
  for (let i = 0; i < held.length; i++) if (held[i] !== undefined) metrics.events.hit(label, keys[i], 'l1');
  const values = held.map((entry) => (entry === undefined ? undefined : (tier.valueOf(entry) as T)));
  if (missing.length === 0) return values;
  const fetched = await fetchFilling<T>(
    tier,
    missing.map((i) => keys[i]),
    missing.map((i) => fullKeys[i]),
    fetch,
  );
  missing.forEach((position, i) => (values[position] = fetched[i]));
  return values;
}

/** One fetch whose replies may fill the tier: tickets are taken before it is sent, kept or abandoned after. */
async function fetchFilling<T>(
  tier: L1Tier,
  keys: readonly string[],
  fullKeys: readonly string[],
  fetch: FetchMany,
): Promise<Array<T | undefined>> {
  const tickets = fullKeys.map((fullKey) => tier.beginFill(fullKey));
  try {
    const { found, values } = await fetch<T>(keys, fullKeys);
    tickets.forEach((ticket, i) => tier.keep(ticket, found[i], values[i]));
    return values;
  } catch (error) {
    tickets.forEach((ticket) => tier.abandon(ticket));
    throw error;
  }
}
