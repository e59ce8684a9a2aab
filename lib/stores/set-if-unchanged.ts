import { startsWithBytes } from '../entry/entry-format.js';
import type { KeyValueStore } from './cache-store.interface.js';

/**
 * `store.setIfUnchanged`, or for a store without it a read-then-write: a write landing between the two is overwritten,
 * which the store's own method (atomic on the server) rules out.
 */
export async function setIfUnchanged(store: KeyValueStore, key: string, expected: Buffer, value: Buffer, ttlMs: number): Promise<boolean> {
  if (store.setIfUnchanged !== undefined) return store.setIfUnchanged(key, expected, value, ttlMs);
  const current = await store.get(key);
  if (current == null || !startsWithBytes(current, expected)) return false;
  await store.set(key, value, ttlMs);
  return true;
}
