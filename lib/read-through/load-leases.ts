import { headerOf } from '../entry/entry-format.js';
import { isLease, newLease } from '../entry/load-lease.js';
import type { KeyValueStore, StoreEntry } from '../stores/cache-store.interface.js';
import { setIfUnchanged } from '../stores/set-if-unchanged.js';
import { MAX_LOAD_MS } from './in-flight.js';

/**
 * What a load may write over: `lease`, the lease it took (or joined); `occupied`, an entry was written since the
 * lookup (that writer won: the load's value is returned, not stored); `unconditional`, the store has no leases.
 */
export type LeaseHold = { lease: Buffer; own: boolean } | 'occupied' | 'unconditional';


/**
 * Leases around read-through loads (Facebook's memcache leases), so that a value loaded before an invalidation of its
 * key is never stored after it. A lease is taken right before the loader runs; `invalidate`, `invalidatePrefix` and
 * `clear` delete it with the key, and the write-back replaces only that very lease. A loader elsewhere that finds a
 * lease joins it (its load started after the lease too): the first write-back wins, the others are superseded.
 */
export class LoadLeases {
  constructor(private readonly store: KeyValueStore) {}

  /**
   * Takes or joins the lease of a key before its loader runs. `seen`: the entry the lookup found but may not serve
   * (the lease replaces it while unchanged). A lease lives MAX_LOAD_MS, or the loader timeout when longer: a load that
   * outlives it is not stored. Rejects when the store failed: the load then stores nothing.
   */
  async take(fullKey: string, loaderTimeoutMs: number | undefined, seen: Buffer | null | undefined): Promise<LeaseHold> {
    if (this.store.acquireLease === undefined) return 'unconditional';
    const lease = newLease();
    const expected = seen == null || isLease(seen) ? undefined : headerOf(seen);
    const blocker = await this.store.acquireLease(fullKey, lease, Math.max(MAX_LOAD_MS, loaderTimeoutMs ?? 0), expected);
    if (blocker == null) return { lease, own: true };
    return isLease(blocker) ? { lease: blocker, own: false } : 'occupied';
  }

  /**
   * Leases of many keys, taken in one tick (one round trip; one per node on a Cluster). When any fails, those taken
   * are freed and it rejects: the batch then stores nothing, and must not leave its keys leased.
   */
  async takeMany(fullKeys: readonly string[], loaderTimeoutMs: number | undefined, seen: ReadonlyArray<Buffer | null | undefined>): Promise<LeaseHold[]> {
    const taken = await Promise.allSettled(fullKeys.map((fullKey, i) => this.take(fullKey, loaderTimeoutMs, seen[i])));
    const failed = taken.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed === undefined) return taken.map((outcome) => (outcome as PromiseFulfilledResult<LeaseHold>).value);
    taken.forEach((outcome, i) => outcome.status === 'fulfilled' && this.release(fullKeys[i], outcome.value));
    throw failed.reason;
  }

  /**
   * Writes loaded entries, each over the lease it holds, in one tick; those without leases (a store without them) in
   * one mset. Resolves to whether each was stored; rejects when the store failed.
   */
  async writeMany(entries: readonly StoreEntry[], holds: readonly LeaseHold[]): Promise<boolean[]> {
    const plain = entries.filter((_, i) => holds[i] === 'unconditional');
    const [, ...leased] = await Promise.all([
      plain.length > 0 ? this.store.mset(plain) : undefined,
      ...entries.map(({ key, value, ttlMs }, i) => (holds[i] === 'unconditional' ? true : this.write(key, holds[i], value, ttlMs))),
    ]);
    return leased as boolean[];
  }

  /**
   * Frees the key of a lease this process took when its load stores nothing (it failed, or its value is not cached),
   * so the key reads as absent to `has` at once; best effort: the lease expires anyway. A joined lease is left alone.
   */
  release(fullKey: string, hold: LeaseHold | null | undefined): void {
    if (hold == null || typeof hold !== 'object' || !hold.own || this.store.releaseLease === undefined) return;
    this.store.releaseLease(fullKey, hold.lease).catch(() => undefined);
  }

  /** Writes a loaded entry over the lease it holds; resolves to whether it was stored (false: superseded). */
  async write(fullKey: string, hold: LeaseHold, entry: Buffer, ttlMs: number): Promise<boolean> {
    if (hold === 'occupied') return false;
    if (hold === 'unconditional') {
      await this.store.set(fullKey, entry, ttlMs);
      return true;
    }
    return setIfUnchanged(this.store, fullKey, hold.lease, entry, ttlMs);
  }
}
