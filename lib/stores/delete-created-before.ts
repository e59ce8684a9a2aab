import { EntryKinds, entryKind } from '../entry/entry-format.js';
import type { KeyValueStore } from './cache-store.interface.js';

/**
 * `store.deleteCreatedBefore`, or for a store without it a read-then-delete: an entry written between the two is
 * removed, which the store's own method (atomic on the server) rules out.
 */
export async function deleteCreatedBefore(store: KeyValueStore, keys: readonly string[], createdBefore: number): Promise<number> {
  if (keys.length === 0) return 0;
  if (store.deleteCreatedBefore !== undefined) return store.deleteCreatedBefore(keys, createdBefore);
  const found = await store.mget(keys);
  return store.delete(keys.filter((_key, i) => isOlderThan(found[i], createdBefore)));
}

/**
 * Whether stored bytes are not an entry created at or after `createdBefore`: absent (nothing to remove either way), an
 * entry created before, or anything without a creation time of this format (an old format, a token).
 */
export function isOlderThan(bytes: Buffer | null | undefined, createdBefore: number): boolean {
  return bytes == null || entryKind(bytes) !== EntryKinds.Current || bytes.readUIntBE(CREATED_AT_OFFSET, 6) < createdBefore;
}

/** Where the header keeps the creation time (u48, ms since the epoch): see entry-format.ts. */
export const CREATED_AT_OFFSET = 4;
