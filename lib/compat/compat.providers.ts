import type { Provider } from '@nestjs/common';
import { CacheManager } from '../core/cache-manager.js';
import { Cache, CACHE_MANAGER } from '../core/compat-cache.js';
import { ManagerBackedCache } from '../core/manager-backed-cache.js';
import { NamespaceRegistry } from '../namespace/namespace-registry.js';

/** `CACHE_MANAGER` and `Cache` (one instance under both tokens, as in @nestjs/cache-manager), served by the module's CacheManager. */
export const compatProviders: Provider[] = [
  {
    provide: CACHE_MANAGER,
    useFactory: (manager: CacheManager, registry: NamespaceRegistry) => new ManagerBackedCache(manager, registry.root),
    inject: [CacheManager, NamespaceRegistry],
  },
  { provide: Cache, useExisting: CACHE_MANAGER },
];

/** Their tokens, which CacheModule exports. */
export const compatTokens = [CACHE_MANAGER, Cache];
