import type { StoredEntries } from './stored-entries.js';
import type { Invalidator } from '../invalidation/invalidator.js';
import type { TagGuard } from '../invalidation/tags/tag-guard.js';
import type { L1Tier } from '../l1/l1-tier.js';
import type { FailureReporter } from '../telemetry/failure-reporter.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import type { CacheStore } from '../stores/cache-store.interface.js';

/** What every read path of one namespace works with (CacheManager builds it once and hands it to each). */
export interface NamespaceReads {
  store: CacheStore;
  entries: StoredEntries;
  metrics: CacheMetrics;
  failures: FailureReporter;
  tags: TagGuard;
  invalidator: Invalidator;
  /** The namespace's in-process tier, if on: served first, filled by lookups of fresh entries, evicted before writes. */
  l1?: L1Tier;
}
