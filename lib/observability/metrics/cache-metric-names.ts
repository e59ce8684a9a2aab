/** Every metric this package exports, declared once: name, help and labels. */
export const CACHE_METRICS = {
  hits: {
    name: 'cache_hits_total',
    help: 'Cache lookups that found a value.',
    labelNames: ['namespace', 'cache'],
  },
  misses: {
    name: 'cache_misses_total',
    help: 'Cache lookups that found no value (including undecodable entries).',
    labelNames: ['namespace', 'cache'],
  },
  errors: {
    name: 'cache_errors_total',
    help: 'Cache operations that failed, by operation and reason (connection, timeout, circuit_open, oom, readonly, loading, cluster, other, serialization, too_large, corrupt, unknown_format, uncloneable).',
    labelNames: ['namespace', 'operation', 'reason'],
  },
  operations: {
    name: 'cache_operations_total',
    help: 'Cache operations by outcome (status "ok" or "error").',
    labelNames: ['namespace', 'operation', 'status'],
  },
  duration: {
    name: 'cache_operation_duration_seconds',
    help: 'Time a cache operation took, in seconds (loader time excluded for getOrSet).',
    labelNames: ['namespace', 'operation'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  },
  invalidationsPending: {
    name: 'cache_invalidations_pending',
    help: 'Invalidations (keys, prefixes, tags, clear) that failed while Redis was unreachable and wait to be applied once it answers.',
    labelNames: ['namespace'],
  },
  invalidationsDropped: {
    name: 'cache_invalidations_dropped_total',
    help: 'Pending invalidations given up before Redis answered again, by reason (age: older than the queue keeps them; size: another version\'s clearVersion past the bounds while the queue is collapsed).',
    labelNames: ['namespace', 'reason'],
  },
  invalidationsCollapsed: {
    name: 'cache_invalidations_collapsed_total',
    help: 'Times the queue of pending invalidations overflowed and became one invalidation of the whole namespace, by the bound it passed (entries, keys, bytes).',
    labelNames: ['namespace', 'reason'],
  },
  loads: {
    name: 'cache_loads_total',
    help: 'Loader runs by what triggered them: miss (a caller waited for it), refresh (refresh-ahead, before expiry), stale (revalidating a stale entry, or a load in its stale-if-error window), warm (cache.warm / @CacheWarmer). Failed runs count too.',
    labelNames: ['namespace', 'cache', 'trigger'],
  },
  loadDuration: {
    name: 'cache_load_duration_seconds',
    help: 'Time a loader run took, in seconds, by trigger (a run past loaderTimeout is observed when it ends).',
    labelNames: ['namespace', 'cache', 'trigger'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  staleServed: {
    name: 'cache_stale_served_total',
    help: 'Answers served from an entry past its logical TTL, by reason (revalidating: staleWhileRevalidate or another instance is loading; loader_error; loader_timeout; redis_down).',
    labelNames: ['namespace', 'cache', 'reason'],
  },
  loadRaces: {
    name: 'cache_load_races_total',
    help: 'Loads that lost a race, by reason: superseded (the key was invalidated, written or stored by another load while it ran: the value was returned, not stored); abandoned (still running past its join bound, loaderTimeout or else 60 s: later calls started their own load).',
    labelNames: ['namespace', 'cache', 'reason'],
  },
  uncacheableCalls: {
    name: 'cache_uncacheable_calls_total',
    help: 'Decorated method calls run uncached because the default key cannot encode an argument, by reason (function, symbol, class_instance, cycle, too_deep, too_large, key_hook_failed, unreadable).',
    labelNames: ['namespace', 'cache', 'reason'],
  },
  warmKeys: {
    name: 'cache_warm_keys_total',
    help: 'Keys handled by cache.warm and @CacheWarmer, by result (loaded, skipped: still fresh, failed: the loader threw, or the key or value was refused).',
    labelNames: ['namespace', 'result'],
  },
  l1Hits: {
    name: 'cache_l1_hits_total',
    help: 'Lookups answered by the in-process tier (also counted in cache_hits_total).',
    labelNames: ['namespace'],
  },
  l1Entries: {
    name: 'cache_l1_entries',
    help: 'Entries held by the in-process tier.',
    labelNames: ['namespace'],
  },
  l1Bytes: {
    name: 'cache_l1_bytes',
    help: 'Bytes held by the in-process tier (decoded size of its entries, what l1.maxBytes counts).',
    labelNames: ['namespace'],
  },
  l1Flushes: {
    name: 'cache_l1_flushes_total',
    help: 'Times the in-process tier was emptied, by reason (disconnect: a subscriber or a tracking data connection lost; lease: no heartbeat echoed within maxStaleness; flushall; topology: the masters changed).',
    labelNames: ['namespace', 'reason'],
  },
  circuit: {
    name: 'cache_circuit_state',
    help: 'State of the circuit breaker in front of Redis: 0 closed, 1 open (commands paused), 2 half-open (probing).',
    labelNames: ['namespace'],
  },
  valueBytes: {
    name: 'cache_value_bytes',
    help: 'Size of each entry written, in bytes as stored (header included, after compression).',
    labelNames: ['namespace'],
    buckets: [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304],
  },
  compressionSaved: {
    name: 'cache_compression_saved_bytes_total',
    help: 'Bytes compression kept out of Redis: serialized size minus compressed size, summed over the entries written compressed.',
    labelNames: ['namespace'],
  },
  footprintKeys: {
    name: 'cache_footprint_keys',
    help: 'Estimated number of keys the namespace holds in Redis (sampled; see cache_footprint_relative_error).',
    labelNames: ['namespace'],
  },
  footprintBytes: {
    name: 'cache_footprint_bytes',
    help: 'Estimated bytes of Redis memory the namespace occupies (MEMORY USAGE of sampled keys times the estimated key count).',
    labelNames: ['namespace'],
  },
  footprintRelativeError: {
    name: 'cache_footprint_relative_error',
    help: 'Relative standard error of the footprint estimate (estimate "keys" or "bytes"); 0 when counted exactly, 1 when the namespace was not seen in the sample.',
    labelNames: ['namespace', 'estimate'],
  },
  footprintAge: {
    name: 'cache_footprint_age_seconds',
    help: 'Seconds since the footprint estimate was sampled (by whichever instance of the fleet took the turn).',
    labelNames: ['namespace'],
  },
  fleetReportsRejected: {
    name: 'cache_fleet_reports_rejected_total',
    help: 'Shared measurement reports (measurement "footprint" or "redisInfo") read from Redis and ignored, by reason (too_large, not_json, invalid: a field missing, not a finite non-negative number); this module never writes such a report.',
    labelNames: ['namespace', 'measurement', 'reason'],
  },
  redisUsedMemory: {
    name: 'cache_redis_used_memory_bytes',
    help: 'Redis used_memory (INFO), summed over the masters: what the allocator holds for data and overhead.',
    labelNames: ['namespace'],
  },
  redisMaxMemory: {
    name: 'cache_redis_maxmemory_bytes',
    help: 'Redis maxmemory (INFO), summed over the masters; 0 means no limit.',
    labelNames: ['namespace'],
  },
  redisEvictedKeys: {
    name: 'cache_redis_evicted_keys_total',
    help: 'Keys Redis evicted because of maxmemory (INFO evicted_keys), counted since this process first read INFO; server-wide, not only this namespace.',
    labelNames: ['namespace'],
  },
  redisExpiredKeys: {
    name: 'cache_redis_expired_keys_total',
    help: 'Keys Redis removed because their TTL passed (INFO expired_keys), counted since this process first read INFO; server-wide.',
    labelNames: ['namespace'],
  },
  redisFragmentation: {
    name: 'cache_redis_mem_fragmentation_ratio',
    help: 'Redis mem_fragmentation_ratio (INFO: RSS / used_memory), the highest over the masters.',
    labelNames: ['namespace'],
  },
} as const;

/** A metric declared above. */
export type CacheMetricSpec = (typeof CACHE_METRICS)[keyof typeof CACHE_METRICS];
