import { LRUCache } from 'lru-cache';
import { startsWithBytes } from '../entry/entry-format.js';
import { isLease } from '../entry/load-lease.js';
import type { CacheStore, DeletePrefixOptions, StoreEntry } from './cache-store.interface.js';
import { isOlderThan } from './delete-created-before.js';

/**
 * The embedded default: an in-process LRU used when no Redis is configured,
 * so an app runs with no infrastructure. Not shared between processes.
 */
export class MemoryStore implements CacheStore {
  readonly kind = 'memory';
  private readonly lru: LRUCache<string, Buffer | string>;

  constructor(maxEntries: number) {
    // ttlResolution 0: a fresh clock on every check, so a TTL never reads longer than it was set.
    this.lru = new LRUCache<string, Buffer | string>({ max: maxEntries, ttlAutopurge: false, ttlResolution: 0 });
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.entry(key);
  }

  async mget(keys: readonly string[]): Promise<Array<Buffer | undefined>> {
    return keys.map((key) => this.entry(key));
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.lru.set(key, value, { ttl: lruTtl(ttlMs) });
  }

  async setIfUnchanged(key: string, expected: Buffer, value: Buffer, ttlMs: number): Promise<boolean> {
    const current = this.entry(key);
    if (current === undefined || !startsWithBytes(current, expected)) return false;
    this.lru.set(key, value, { ttl: lruTtl(ttlMs) });
    return true;
  }

  async acquireLease(key: string, lease: Buffer, ttlMs: number, expected?: Buffer): Promise<Buffer | null> {
    const current = this.entry(key);
    const replaceable = current === undefined || (expected !== undefined && startsWithBytes(current, expected));
    if (current !== undefined && (isLease(current) || !replaceable)) return current;
    this.lru.set(key, lease, { ttl: lruTtl(ttlMs) });
    return null;
  }

  async releaseLease(key: string, lease: Buffer): Promise<void> {
    if (this.entry(key)?.equals(lease)) this.lru.delete(key);
  }

  async mset(entries: ReadonlyArray<StoreEntry>): Promise<void> {
    for (const { key, value, ttlMs } of entries) this.lru.set(key, value, { ttl: lruTtl(ttlMs) });
  }

  async delete(keys: readonly string[]): Promise<number> {
    let removed = 0;
    for (const key of keys) if (this.lru.delete(key)) removed++;
    return removed;
  }

  async has(key: string): Promise<boolean> {
    return this.lru.has(key);
  }

  async ttl(key: string): Promise<number | undefined> {
    if (!this.lru.has(key)) return undefined;
    return Math.floor(this.lru.getRemainingTTL(key)); // whole milliseconds, as Redis PTTL
  }

  async deleteCreatedBefore(keys: readonly string[], createdBefore: number): Promise<number> {
    let removed = 0;
    for (const key of keys) if (isOlderThan(this.entry(key), createdBefore) && this.lru.delete(key)) removed++;
    return removed;
  }

  async deletePrefix(prefix: string, { keep, createdBefore }: DeletePrefixOptions = {}): Promise<number> {
    const doomed = [...this.lru.keys()].filter((key) => key.startsWith(prefix) && keep?.(key) !== true);
    return createdBefore === undefined ? this.delete(doomed) : this.deleteCreatedBefore(doomed, createdBefore);
  }

  async ensureTokens(keys: readonly string[], candidates: readonly string[], ttlMs: number): Promise<string[]> {
    return keys.map((key, i) => {
      const token = this.lru.get(key);
      if (token !== undefined) return String(token);
      this.lru.set(key, candidates[i], { ttl: lruTtl(ttlMs) });
      return candidates[i];
    });
  }

  async replaceTokens(keys: readonly string[], tokens: readonly string[]): Promise<void> {
    keys.forEach((key, i) => {
      if (this.lru.has(key)) this.lru.set(key, tokens[i], { ttl: lruTtl(this.lru.getRemainingTTL(key)) });
    });
  }

  async extendTokens(keys: readonly string[], ttlMs: number): Promise<void> {
    for (const key of keys) {
      const token = this.lru.get(key);
      if (token !== undefined && this.lru.getRemainingTTL(key) < ttlMs) this.lru.set(key, token, { ttl: lruTtl(ttlMs) });
    }
  }

  async putToken(key: string, token: string, ttlMs: number): Promise<void> {
    this.lru.set(key, token, { ttl: lruTtl(ttlMs) });
  }

  async acquireLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (this.lru.has(key)) return false;
    this.lru.set(key, token, { ttl: lruTtl(ttlMs) });
    return true;
  }

  async releaseLock(key: string, token: string): Promise<void> {
    if (this.lru.get(key) === token) this.lru.delete(key);
  }

  async connect(): Promise<void> {}

  /** Entries are Buffers; locks and tag tokens are strings, read back as their bytes (as Redis returns them). */
  private entry(key: string): Buffer | undefined {
    const value = this.lru.get(key);
    return typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}

/** lru-cache's TTL for a store TTL: 0 is its "no expiry", which an infinite TTL ('never') means. */
function lruTtl(ttlMs: number): number {
  return ttlMs === Infinity ? 0 : ttlMs;
}
