/**
 * What the CacheManager needs from a backend. Keys arrive fully namespaced and values
 * already serialized, so a store knows nothing of namespaces' meaning, TTL parsing or JSON.
 */
export interface CacheStore {
  /** A name for logs and metrics: 'redis' or 'memory'. */
  readonly kind: string;
  /** The raw value; null or undefined when absent (whichever is cheaper for the backend). */
  get(key: string): Promise<string | null | undefined>;
  mget(keys: readonly string[]): Promise<Array<string | null | undefined>>;
  set(key: string, value: string, ttlMs: number): Promise<unknown>;
  mset(entries: ReadonlyArray<StoreEntry>): Promise<void>;
  /** Removes keys, resolving to how many existed. */
  delete(keys: readonly string[]): Promise<number>;
  has(key: string): Promise<boolean>;
  /** Remaining milliseconds, or undefined when the key is absent. */
  ttl(key: string): Promise<number | undefined>;
  /** Removes every key starting with `prefix`, resolving to how many were removed. */
  clear(prefix: string): Promise<number>;
  /** Sets `key` to `token` only if absent (SET NX PX): true when this caller now holds the lock. */
  acquireLock(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Deletes `key` only if it still holds `token`. */
  releaseLock(key: string, token: string): Promise<void>;
  /** Opens and verifies the connection (idempotent). */
  connect(): Promise<void>;
  /** Releases what the store itself created. */
  close(): Promise<void>;
}

export interface StoreEntry {
  key: string;
  value: string;
  ttlMs: number;
}
