import { hasExtensions } from '../entry/entry-format.js';
import type { Invalidator } from '../invalidation/invalidator.js';
import type { TagGuard } from '../invalidation/tags/tag-guard.js';
import type { Call } from './read-through-call.js';
import type { StoredEntries } from './stored-entries.js';

export interface AdoptEntryDeps {
  invalidator: Invalidator;
  entries: StoredEntries;
  tags: TagGuard;
}

/**
 * The value of an entry another instance stored, read under the key's lock (by its holder or a waiter), when its tag
 * stamps still hold and it decodes; undefined otherwise. The call then stands on that entry, as on one it looked up,
 * for the calls that join it. `hitLabel`: count the read as a hit or miss of that label (else it is not counted).
 */
export async function adoptEntry<T>(deps: AdoptEntryDeps, call: Call<T>, bytes: Buffer, hitLabel?: string): Promise<T | undefined> {
  const { key, fullKey } = call;
  if (!(await deps.invalidator.tagsHold(bytes, undefined, undefined, fullKey))) return undefined;
  const value = hitLabel === undefined ? deps.entries.peek<T>(key, fullKey, bytes) : deps.entries.decode<T>(key, fullKey, bytes, hitLabel);
  if (value === undefined) return undefined;
  call.stored = bytes;
  if (hasExtensions(bytes)) call.basis = deps.tags.stampsFor(bytes) ?? 'unverifiable';
  return value;
}
