import { LRUCache } from 'lru-cache';
import type { CacheStore, StoreEntry } from './cache-store.interface.js';

/**
 * The embedded default: an in-process LRU used when no Redis is configured,
 * so an app runs with no infrastructure. Not shared between processes.
 */
export class MemoryStore implements CacheStore {
  readonly kind = 'memory';
  private readonly lru: LRUCache<string, string>;

  constructor(maxEntries: number) {
    this.lru = new LRUCache<string, string>({ max: maxEntries, ttlAutopurge: false });
  }

  async get(key: string): Promise<string | undefined> {
    return this.lru.get(key);
  }

  async mget(keys: readonly string[]): Promise<Array<string | undefined>> {
    return keys.map((key) => this.lru.get(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.lru.set(key, value, { ttl: ttlMs });
  }

  async mset(entries: ReadonlyArray<StoreEntry>): Promise<void> {
    for (const { key, value, ttlMs } of entries) this.lru.set(key, value, { ttl: ttlMs });
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
    return this.lru.getRemainingTTL(key);
  }

  async clear(prefix: string): Promise<number> {
    let removed = 0;
    for (const key of [...this.lru.keys()]) {
      if (key.startsWith(prefix) && this.lru.delete(key)) removed++;
    }
    return removed;
  }

  async acquireLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (this.lru.has(key)) return false;
    this.lru.set(key, token, { ttl: ttlMs });
    return true;
  }

  async releaseLock(key: string, token: string): Promise<void> {
    if (this.lru.get(key) === token) this.lru.delete(key);
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {
    this.lru.clear();
  }
}
