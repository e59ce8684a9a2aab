import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isLease } from '../entry/load-lease.js';
import { isPastLogicalExpiry } from '../entry/logical-ttl.js';
import type { CacheStore } from '../stores/cache-store.interface.js';

export interface StampedeLockSettings {
  /** How long a lock lives if its holder dies before releasing it. */
  ttlMs: number;
  /** How long a waiter polls for the holder's value before running the loader itself. */
  maxWaitMs: number;
  /** Pause between polls. */
  pollMs: number;
}

/**
 * Cross-process single flight: one instance runs the loader for a key while the others poll
 * for its value. Redis `SET NX PX` with a random token takes the lock; a compare-and-delete
 * script releases it, so a holder never frees a lock that expired and was taken by another.
 */
export class StampedeLock {
  constructor(
    private readonly store: CacheStore,
    private readonly settings: StampedeLockSettings,
  ) {}

  /** The token of a lock now held, or undefined when another instance holds it. */
  async acquire(lockKey: string): Promise<string | undefined> {
    const token = randomUUID();
    return (await this.store.acquireLock(lockKey, token, this.settings.ttlMs)) ? token : undefined;
  }

  release(lockKey: string, token: string): Promise<void> {
    return this.store.releaseLock(lockKey, token);
  }

  /**
   * Turns the lock held with `token` into a marker that the key's loader just failed, for `throttleMs`: every instance
   * then serves its stale value instead of retrying (one attempt per key per throttle window, fleet-wide). Our lock is
   * released, then the marker taken as a lock is: a lock that outlived its TTL and was taken by another instance is
   * left to it (a plain write would have turned it into the marker, and its waiters would have loaded too).
   */
  async markFailed(lockKey: string, token: string, throttleMs: number): Promise<void> {
    await this.store.releaseLock(lockKey, token);
    await this.store.acquireLock(lockKey, FAILED_MARKER, throttleMs);
  }

  /** Whether the lock another instance holds is a failure marker (else a load is in flight). */
  async isFailedMarker(lockKey: string): Promise<boolean> {
    return (await this.store.get(lockKey))?.toString('latin1') === FAILED_MARKER;
  }

  /**
   * Polls until the holder's value appears (returned raw), the lock is gone without a value,
   * or the wait budget is spent (both undefined: the caller loads it itself).
   */
  async waitForValue(fullKey: string, lockKey: string): Promise<Buffer | undefined> {
    const deadline = performance.now() + this.settings.maxWaitMs;
    while (performance.now() < deadline) {
      await sleep(this.settings.pollMs);
      // The lock before the value: the holder stores its value, then releases the lock, so a value read after the lock
      // was seen gone is there if it was stored. Read the other way round, a holder finishing between the two reads
      // looked like a lock gone without a value, and every waiter loaded again.
      const holder = await this.store.get(lockKey);
      const raw = await this.store.get(fullKey);
      // A lease: the holder's load has not stored yet. An entry past its logical TTL: what the holder is replacing (a
      // refresh or a stale-window load takes the lock and leaves the old entry in place until it writes).
      if (raw != null && !isLease(raw) && !isPastLogicalExpiry(raw)) return raw;
      // No lock, or a failure marker (no value is coming): load it.
      if (holder == null || holder.toString('latin1') === FAILED_MARKER) return undefined;
    }
    return undefined;
  }
}

/** What a lock key holds during a failed loader's throttle window (a random token never equals it). */
const FAILED_MARKER = 'loader-failed';

