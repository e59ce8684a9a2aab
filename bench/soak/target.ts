import type { CacheModuleOptions } from '@datapunk/nestjs-cache';
import type { CacheTarget } from './protocol.js';

/** The module's `redis` option for a soak target: a single server (maybe behind the proxy) or the Cluster. */
export function cacheRedisOptions(target: CacheTarget): NonNullable<CacheModuleOptions['redis']> {
  return 'url' in target ? { url: target.url } : { cluster: { nodes: target.cluster } };
}
