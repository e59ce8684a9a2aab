/**
 * Key-value access to a backend. Keys arrive fully namespaced and values as finished entries (bytes),
 * so a store knows nothing of namespaces' meaning, TTL parsing or serialization.
 */
export interface KeyValueStore {
  // Every `ttlMs` a store is given is milliseconds to live, or `Infinity`: no expiry (an entry's ttl 'never', and
  // the tag tokens such an entry is stamped with).
  /** The stored bytes; null or undefined when absent (whichever is cheaper for the backend). */
  get(key: string): Promise<Buffer | null | undefined>;
  /** Values in the order asked. */
  mget(keys: readonly string[]): Promise<Array<Buffer | null | undefined>>;
  set(key: string, value: Buffer, ttlMs: number): Promise<unknown>;
  /**
   * Writes `value` only while the key still holds bytes starting with `expected` (an entry's header), atomically:
   * a background refresh never overwrites a `set` or an invalidation that came after the entry it replaces.
   * Resolves to whether it wrote. Optional: a store without it gets a read-then-write (not atomic).
   */
  setIfUnchanged?(key: string, expected: Buffer, value: Buffer, ttlMs: number): Promise<boolean>;
  /**
   * Takes a load lease, atomically: sets `lease` with `ttlMs` to live when the key is absent, or holds bytes starting
   * with `expected` (an entry the lookup found but may not serve: invalidated by tag, past its logical TTL), and
   * resolves to null; else resolves to what is there instead (a lease, whole, or the start of an entry). Read-through
   * takes a lease right before a load and writes the value with setIfUnchanged over it, so an invalidation of the key
   * during the load (which deletes the lease) wins. Optional: without it, a load writes unconditionally.
   */
  acquireLease?(key: string, lease: Buffer, ttlMs: number, expected?: Buffer): Promise<Buffer | null>;
  /** Deletes `key` only while it still holds `lease` (a load that stores nothing frees its key). Optional, with acquireLease. */
  releaseLease?(key: string, lease: Buffer): Promise<void>;
  /** Stores every entry (each with its own TTL); rejects if any write failed. */
  mset(entries: ReadonlyArray<StoreEntry>): Promise<void>;
  /** Removes keys, resolving to how many existed. */
  delete(keys: readonly string[]): Promise<number>;
  /**
   * Removes those of `keys` that hold no entry created at or after `createdBefore` (ms since the epoch, from the entry
   * header), atomically per key: a replayed invalidation never removes a write made after the call it replays. Keys
   * holding anything else (an old format, a token) are removed. Optional: a store without it gets a read-then-delete
   * (not atomic).
   */
  deleteCreatedBefore?(keys: readonly string[], createdBefore: number): Promise<number>;
  has(key: string): Promise<boolean>;
  /** Remaining milliseconds, `Infinity` for a key without expiry, or undefined when the key is absent. */
  ttl(key: string): Promise<number | undefined>;
  /**
   * Removes every key starting with `prefix` (taken literally), resolving to how many were removed; `options` narrow it
   * (a store of your own that ignores them removes every key under the prefix, reserved ones and newer entries too).
   */
  deletePrefix(prefix: string, options?: DeletePrefixOptions): Promise<number>;
}

/** What deletePrefix leaves in place. */
export interface DeletePrefixOptions {
  /** Keys under the prefix to keep: the package's own (tag tokens, locks…) when the prefix is a user's. */
  keep?: (key: string) => boolean;
  /** Remove entries created before this time only (ms since the epoch), as deleteCreatedBefore does. */
  createdBefore?: number;
}

/** Cross-process locks (the stampede lock) in the same backend as the entries. */
export interface LockStore {
  /** Sets `key` to `token` only if absent, expiring after `ttlMs`: true when this caller now holds the lock. */
  acquireLock(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Deletes `key` only if it still holds `token`. */
  releaseLock(key: string, token: string): Promise<void>;
}

/**
 * Tag tokens (tag invalidation): one random token per tag, compared with the token an entry was stamped with.
 * Each operation is one single-key command per token key (read them with KeyValueStore.mget), so it runs
 * unchanged on a Cluster. Tokens are ASCII strings.
 */
export interface TagTokenStore {
  /**
   * For each key: its token if it has one, else `candidates[i]`, which is then stored with `ttlMs` to live
   * (atomically per key: SET NX GET PX). Resolves to the tokens each key now holds.
   */
  ensureTokens(keys: readonly string[], candidates: readonly string[], ttlMs: number): Promise<string[]>;
  /** Replaces the token of each key that has one, keeping its TTL (SET XX KEEPTTL); absent keys stay absent. */
  replaceTokens(keys: readonly string[], tokens: readonly string[]): Promise<void>;
  /** Makes each existing key live at least `ttlMs` more, never shortening it (PEXPIRE GT). */
  extendTokens(keys: readonly string[], ttlMs: number): Promise<void>;
  /** Sets a token unconditionally with `ttlMs` to live. */
  putToken(key: string, token: string, ttlMs: number): Promise<void>;
}

/** Opening and closing a backend's connections. */
export interface StoreLifecycle {
  /** A name for logs and metrics: 'redis', 'memory', or a store of your own. */
  readonly kind: string;
  /** Opens and verifies the connection (idempotent). */
  connect(): Promise<void>;
  /** Releases what the store itself created. */
  close(): Promise<void>;
}

/** A backend that is a server the package can ask about itself (Redis): for health probes. */
export interface ServerProbe {
  /** One PING. */
  ping(): Promise<void>;
  /** The text of `INFO <section>` (on a Cluster, from one node). */
  info(section: string): Promise<string>;
}

/** Everything the CacheManager needs from a backend (pass your own as the `store` option). */
export interface CacheStore extends KeyValueStore, LockStore, TagTokenStore, StoreLifecycle {}

export interface StoreEntry {
  key: string;
  value: Buffer;
  ttlMs: number;
}
