import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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
   * Polls until the holder's value appears (returned raw), the lock is gone without a value,
   * or the wait budget is spent (both undefined: the caller loads it itself).
   */
  async waitForValue(fullKey: string, lockKey: string): Promise<Buffer | undefined> {
    const deadline = performance.now() + this.settings.maxWaitMs;
    while (performance.now() < deadline) {
      await sleep(this.settings.pollMs);
      const raw = await this.store.get(fullKey);
      if (raw != null) return raw;
      if (!(await this.store.has(lockKey))) return undefined;
    }
    return undefined;
  }
}

/** Lock keys live beside the namespace's keys; user keys may not start with this segment. */
export const LOCK_SEGMENT = '__lock__:';
