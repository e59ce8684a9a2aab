/** What to try, as GET / lists it: one entry per feature, each a request that works as written. */
export interface DemoRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  /** An operator's route: it needs the `X-Admin-Token` header, equal to the ADMIN_TOKEN the app was started with. */
  admin?: true;
  body?: Record<string, unknown>;
  shows: string;
}

export const DEMO_ROUTES: DemoRoute[] = [
  { method: 'GET', path: '/products/1', shows: 'CacheManager.getOrSet: a miss (slow), then hits; cache="direct" in /metrics' },
  { method: 'GET', path: '/products?ids=1,2,3', shows: 'CacheManager.mget/mset: many keys in one round trip' },
  { method: 'PUT', path: '/products/1', body: { price: 59 }, shows: 'CacheManager.invalidate after a write' },
  { method: 'GET', path: '/catalog/items/1', shows: '@Cacheable({ key, ttl: "10m", tags: { fromResult } }) on CatalogService.findOne' },
  { method: 'GET', path: '/catalog/items/99', shows: '@Cacheable nullTtl: a 404 ("not found" cached as null for 30s)' },
  { method: 'GET', path: '/catalog/search?tag=office&maxPrice=100', shows: '@Cacheable() with its default key, a hash of the filter' },
  {
    method: 'GET',
    path: '/catalog/categories/peripherals',
    shows: 'CacheInterceptor + @CacheTags(context => [`category:${name}`]): the category page, tagged (X-Cache MISS, then HIT)',
  },
  {
    method: 'PUT',
    path: '/catalog/items/1',
    body: { price: 79 },
    shows:
      '@CacheInvalidate({ tags, resultTags }): one invalidateTags call drops the item page and its category page (product:1, category:peripherals)',
  },
  { method: 'POST', path: '/catalog/items/1/refresh', shows: '@CachePut: reloads and overwrites the entry (see loadedAt)' },
  { method: 'GET', path: '/catalog/featured', shows: 'CacheInterceptor + @CacheTTL("30s"): X-Cache MISS, then HIT' },
  {
    method: 'GET',
    path: '/catalog/me/recommendations',
    headers: { Authorization: 'Bearer alice' },
    shows: '@CacheVary("authorization"): one cached page per caller (try Bearer bob)',
  },
  {
    method: 'GET',
    path: '/reports/daily',
    shows: 'A namespace on msgpack with compression: Dates and a Map come back as such; the report is stored compressed, ~3x smaller',
  },
  { method: 'GET', path: '/prices/sku-1', shows: 'getOrSet with refreshAhead: a hot price is refreshed before its 10 s expire; nobody waits (cache_loads_total{trigger="refresh"})' },
  { method: 'POST', path: '/prices/database/off', admin: true, shows: 'switch the pricing database off: GET /prices/sku-1 keeps answering (staleIfError: "10m"; see loadedAt and cache_stale_served_total)' },
  { method: 'POST', path: '/prices/database/on', admin: true, shows: 'and back on: the next read past the throttle window loads a fresh price' },
  { method: 'GET', path: '/prices?skus=sku-1,sku-2,sku-500', shows: '@Cacheable({ batch: true }): cached prices in one MGET, the database asked once for the rest' },
  { method: 'GET', path: '/prices/database', shows: 'queries the pricing database got (the @CacheWarmer loaded all 200 prices at startup, in the background)' },
  { method: 'DELETE', path: '/cache', admin: true, shows: 'CacheManager.clear: removes every key of the "sample" namespace' },
  { method: 'GET', path: '/metrics', shows: 'Prometheus: cache_hits_total, cache_misses_total, ... by namespace and cache; cache_footprint_* and cache_redis_* (footprint, redisInfo)' },
  {
    method: 'GET',
    path: '/health',
    shows: 'Terminus + CacheHealthIndicator: up with ping time, circuit and Redis memory; degraded while failing open',
  },
];
