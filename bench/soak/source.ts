import { Redis } from 'ioredis';
import { epochNow, sourceKey, type SourceValue } from './keyspace.js';

/**
 * The source of truth the loaders read: a redis-server of its own (the "database"), never faulted. The writer commits
 * `{ k, v, w }` there before it invalidates the cache; a loader returns what it read, stamped with when it read it.
 */
export class Source {
  /** [key index, epoch ms] of every load, drained by the reporter. */
  readonly loads: Array<[number, number]> = [];
  private readonly redis: Redis;

  constructor(url: string) {
    // No command timeout: the database is not what the soak breaks, and a loader that failed would be a false error.
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: null });
  }

  async load(index: number): Promise<SourceValue> {
    const readAt = epochNow();
    this.loads.push([index, readAt]);
    const raw = await this.redis.get(sourceKey(index));
    const stored = raw === null ? { k: index, v: 0, w: 0 } : (JSON.parse(raw) as Omit<SourceValue, 'r'>);
    return { ...stored, r: readAt };
  }

  async commit(values: Array<Omit<SourceValue, 'r'>>): Promise<void> {
    await this.redis.mset(...values.flatMap((value) => [sourceKey(value.k), JSON.stringify(value)]));
  }

  close(): void {
    this.redis.disconnect();
  }
}
