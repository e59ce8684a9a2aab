import type { KeepReplies } from '../entry/entry-codec.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import type { L1Tier } from './l1-tier.js';

/**
 * Reads keys from Redis and decodes them (counting hits and misses): the values, after `keep` took each reply it may
 * serve (the bytes as read, what was decoded of them) and refused those it could not copy (a miss then).
 */
export type FetchMany = <T>(keys: readonly string[], fullKeys: readonly string[], keep?: KeepReplies) => Promise<Array<T | undefined>>;

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
  // A held value that cannot be copied (clone) is read from Redis like a key the tier does not hold.
  const values = held.map((entry, i) => (entry === undefined ? undefined : (tier.valueOf(entry, fullKeys[i]) as T | undefined)));
  const missing = values.flatMap((value, i) => (value === undefined ? [i] : []));
  metrics.lookups(label, keys, values, 'l1', false); // what was not served is read below and counted there
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
    return await fetch<T>(keys, fullKeys, (i, bytes, value) => tier.keep(tickets[i], bytes, value));
  } catch (error) {
    tickets.forEach((ticket) => tier.abandon(ticket)); // harmless for those already kept
    throw error;
  }
}
