import { isPastLogicalExpiry } from '../entry/logical-ttl.js';
import type { NamespaceReads } from './namespace-reads.js';
import { hasExtensions } from '../entry/entry-format.js';

type Found = ReadonlyArray<Buffer | null | undefined>;

/**
 * What a read may serve of the entries an MGET found: an entry whose tag was invalidated, one a pending invalidation
 * covers and one past its logical TTL (kept in Redis for read-through's stale window only) become null.
 */
export async function servableEntries(
  reads: Pick<NamespaceReads, 'tags' | 'invalidator'>,
  fullKeys: readonly string[],
  found: Found,
): Promise<Found> {
  const { tags, invalidator } = reads;
  const checked = found.some((bytes) => bytes != null && hasExtensions(bytes)) ? await tags.withoutInvalidated(found) : found;
  const pending = invalidator.pending.size > 0;
  return checked.map((bytes, i) =>
    bytes == null || isPastLogicalExpiry(bytes) || (pending && invalidator.pendingCovers(fullKeys[i], bytes)) ? null : bytes,
  );
}
