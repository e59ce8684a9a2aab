import { CacheError, type CacheOperation } from '../core/cache-error.js';
import type { FailureReporter } from '../observability/failure-reporter.js';
import type { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import type { CacheSerializer } from '../serialization/cache-serializer.interface.js';
import type { CacheStore } from '../stores/cache-store.interface.js';

/** Values to stored strings and back, counting hits and misses and handling corrupt entries. */
export class EntryCodec {
  constructor(
    private readonly serializer: CacheSerializer,
    private readonly metrics: CacheMetrics,
    private readonly failures: FailureReporter,
    private readonly store: CacheStore,
    private readonly maxValueBytes: number,
  ) {}

  encode(key: string, value: unknown, operation: CacheOperation): string {
    if (value === undefined) throw new CacheError(operation, key, 'undefined cannot be stored (a miss already reads as undefined)');
    let raw: string;
    try {
      raw = this.serializer.serialize(value);
    } catch (error) {
      this.metrics.error(operation, 'serialization');
      throw new CacheError(operation, key, `value cannot be stored: ${(error as Error).message}`, { cause: error });
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only values near the limit need counting.
    if (raw.length * 3 > this.maxValueBytes) {
      const bytes = Buffer.byteLength(raw);
      if (bytes > this.maxValueBytes) {
        this.metrics.error(operation, 'too_large');
        throw new CacheError(operation, key, `value is ${bytes} bytes, over maxValueBytes (${this.maxValueBytes})`);
      }
    }
    return raw;
  }

  /** A raw entry (null/undefined: absent) to a value (a hit) or undefined (a miss). */
  decode<T>(key: string, fullKey: string, raw: string | null | undefined, label: string): T | undefined {
    const value = raw == null ? undefined : this.parse<T>(key, fullKey, raw);
    if (value === undefined) this.metrics.miss(label);
    else this.metrics.hit(label);
    return value;
  }

  /** Decodes a batch, counting its hits and misses once rather than per key. */
  decodeMany<T>(
    keys: readonly string[],
    fullKeys: readonly string[],
    raws: ReadonlyArray<string | null | undefined>,
    label: string,
  ): Array<T | undefined> {
    let hits = 0;
    const values = raws.map((raw, index) => {
      const value = raw == null ? undefined : this.parse<T>(keys[index], fullKeys[index], raw);
      if (value !== undefined) hits++;
      return value;
    });
    if (hits > 0) this.metrics.hit(label, hits);
    if (values.length > hits) this.metrics.miss(label, values.length - hits);
    return values;
  }

  /** An entry that cannot be decoded is treated as absent: counted as an error, logged and removed. */
  private parse<T>(key: string, fullKey: string, raw: string): T | undefined {
    try {
      return this.serializer.deserialize(raw) as T;
    } catch (error) {
      this.metrics.error('deserialize', 'corrupt');
      this.failures.warn('deserialize', `entry "${key}" could not be decoded and is treated as a miss: ${(error as Error).message}`);
      this.store.delete([fullKey]).catch(() => undefined); // best effort: the next read-through rewrites it anyway
      return undefined;
    }
  }
}
