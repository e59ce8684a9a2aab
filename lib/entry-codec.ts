import { CacheError, type CacheOperation } from './cache-error.js';
import type { FailureReporter } from './failure-reporter.js';
import type { CacheMetrics } from './metrics/cache-metrics.js';
import type { CacheSerializer } from './serialization/cache-serializer.interface.js';
import type { CacheStore } from './stores/cache-store.interface.js';

/** Values to stored strings and back, counting hits and misses and handling corrupt entries. */
export class EntryCodec {
  constructor(
    private readonly serializer: CacheSerializer,
    private readonly metrics: CacheMetrics,
    private readonly failures: FailureReporter,
    private readonly store: CacheStore,
  ) {}

  encode(key: string, value: unknown, operation: CacheOperation): string {
    if (value === undefined) throw new CacheError(operation, key, 'undefined cannot be stored (a miss already reads as undefined)');
    try {
      return this.serializer.serialize(value);
    } catch (error) {
      this.metrics.error(operation, 'serialization');
      throw new CacheError(operation, key, `value cannot be stored: ${(error as Error).message}`, { cause: error });
    }
  }

  /** A raw entry to a value (a hit), or undefined (a miss). An undecodable entry is a miss, counted, logged and removed. */
  decode<T>(key: string, fullKey: string, raw: string | undefined, label: string): T | undefined {
    if (raw === undefined) {
      this.metrics.miss(label);
      return undefined;
    }
    try {
      const value = this.serializer.deserialize(raw) as T;
      this.metrics.hit(label);
      return value;
    } catch (error) {
      this.metrics.miss(label);
      this.metrics.error('deserialize', 'corrupt');
      this.failures.warn('deserialize', `entry "${key}" could not be decoded and is treated as a miss: ${(error as Error).message}`);
      this.store.delete([fullKey]).catch(() => undefined); // best effort: the next read-through rewrites it anyway
      return undefined;
    }
  }
}
