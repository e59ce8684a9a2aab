import type { EntryCodec, KeepReplies } from '../entry/entry-codec.js';
import { EntryError } from '../entry/entry-error.js';
import type { EntryMeta, TagStamp } from '../entry/entry-format.js';
import { isLease } from '../entry/load-lease.js';
import type { FailureReporter } from '../telemetry/failure-reporter.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import type { KeyValueStore } from '../stores/cache-store.interface.js';
import { CacheError, type CacheOperation } from '../kernel/cache-error.js';
import { maxTtlMs, NO_EXPIRY } from '../kernel/ttl.js';

/**
 * Takes a decoded reply besides the caller (the in-process tier, under the ticket its read took; undefined: a miss):
 * false when it could not copy the value, and the read must then be a miss too. Called once per key read.
 */
export type KeepReply = (value: unknown) => boolean;

/**
 * Decides what the pure codec's answers mean for a namespace: a value that cannot be encoded is a
 * counted CacheError; an entry that cannot be decoded is a miss, counted, logged and removed; a value the
 * in-process tier cannot copy (`l1.clone`) is a miss, counted and logged (not removed: it may be valid).
 * Hits and misses are counted here, once per lookup (once per batch for mget).
 */
export class StoredEntries {
  constructor(
    private readonly codec: EntryCodec,
    private readonly metrics: CacheMetrics,
    private readonly failures: FailureReporter,
    private readonly store: KeyValueStore,
  ) {}

  /**
   * The entry to store for `value`, written now with `ttlMs` to live (and `loadMicros` of loading), stamped with
   * its tags' tokens.
   */
  encode(key: string, value: unknown, operation: CacheOperation, ttlMs: number, loadMicros = 0, stamps?: readonly TagStamp[]): Buffer {
    if (value === undefined) throw new CacheError(operation, key, 'undefined cannot be stored (a miss already reads as undefined)');
    const createdAt = Date.now();
    // Calls check the TTL before loading; a TTL computed from the loaded value, spread by jitter, is caught here.
    const never = ttlMs === NO_EXPIRY;
    if (!never && ttlMs > maxTtlMs(createdAt))
      throw new CacheError(operation, key, `ttl ${ttlMs} ms (after ttlJitter) is over the longest TTL an entry can have`);
    // A logical expiry of 0 is "none": the entry is fresh until removed (ttl 'never').
    const meta: EntryMeta = { createdAt, logicalExpiresAt: never ? 0 : createdAt + ttlMs, loadMicros };
    try {
      const entry = this.codec.encode(value, meta, stamps);
      this.metrics.valueStored(entry);
      return entry;
    } catch (error) {
      const reason = error instanceof EntryError ? error.reason : 'serialization';
      const failure = new CacheError(operation, key, (error as Error).message, { cause: error, reason: reason === 'too_large' ? 'too_large' : 'serialization' });
      this.metrics.error(operation, reason, key, failure);
      throw failure;
    }
  }

  /** Stored bytes (null/undefined: absent) to a value (a hit) or undefined (a miss), which `keep` takes too. */
  decode<T>(key: string, fullKey: string, bytes: Buffer | null | undefined, label: string, keep?: KeepReply): T | undefined {
    let value = bytes == null ? undefined : this.read<T>(key, fullKey, bytes);
    if (keep !== undefined && !keep(value)) value = this.notCopied(key);
    if (value === undefined) this.metrics.miss(label, key);
    else this.metrics.hit(label, key);
    return value;
  }

  /** Decodes an entry without counting a hit or a miss (for a stale entry: what the lookup amounts to is decided later). */
  peek<T>(key: string, fullKey: string, bytes: Buffer): T | undefined {
    return this.read<T>(key, fullKey, bytes);
  }

  /** Decodes a batch, counting its hits and misses once rather than per key. */
  decodeMany<T>(
    keys: readonly string[],
    fullKeys: readonly string[],
    entries: ReadonlyArray<Buffer | null | undefined>,
    label: string,
    keep?: KeepReplies,
  ): Array<T | undefined> {
    const values = entries.map((bytes, index) => {
      let value = bytes == null ? undefined : this.read<T>(keys[index], fullKeys[index], bytes);
      if (keep !== undefined && !keep(index, bytes, value)) value = this.notCopied(keys[index]);
      return value;
    });
    this.metrics.lookups(label, keys, values, 'store', true);
    return values;
  }

  /** A decoded value the in-process tier could not copy (`l1.clone`): a miss, counted and logged. */
  private notCopied(key: string): undefined {
    const message = `entry "${key}" is treated as a miss: l1.clone could not copy its value (nested too deep)`;
    this.metrics.error('deserialize', 'uncloneable', key, new Error(message));
    this.failures.warn('deserialize:uncloneable', message);
    return undefined;
  }

  /**
   * An entry that cannot be decoded is treated as absent: counted as an error, logged and removed. The log line and the
   * error event say the key and the reason only: a decoder's message quotes the bytes it choked on (JSON.parse: up to
   * ~100 characters of the value), and values are the application's data.
   */
  private read<T>(key: string, fullKey: string, bytes: Buffer): T | undefined {
    if (isLease(bytes)) return undefined; // a load in flight holds the key: nothing stored yet
    try {
      return this.codec.decode(bytes) as T;
    } catch (error) {
      const reason = error instanceof EntryError ? error.reason : 'corrupt';
      const failure = new CacheError('deserialize', key, `entry could not be read (${reason}): treated as a miss and removed`);
      this.metrics.error('deserialize', reason, key, failure);
      this.failures.warn(`deserialize:${reason}`, failure.message);
      this.store.delete([fullKey]).catch(() => undefined); // best effort: the next read-through rewrites it anyway
      return undefined;
    }
  }
}
