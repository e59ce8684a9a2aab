// @datapunk/nestjs-cache/compat: the @nestjs/cache-manager-shaped facade, for code moving over from that package.
export { Cache, CACHE_MANAGER, type CacheListEntry, type WrapTtl } from './core/compat-cache.js';
export type { CacheOptionsFactory, CacheRegisterAsyncOptions, CacheRegisterOptions } from './compat/register-options.js';
