import type { ResolvedCacheOptions } from '../../options/cache-options.js';
import type { HealthTarget } from './health-target.js';
import { judgeHealth, type CacheHealthReport, type CacheHealthResult } from './cache-health-report.js';
import { HealthProbe } from './health-probe.js';
import { terminusResult } from './terminus-result.js';

/**
 * The cache's health for `@nestjs/terminus` (an optional peer: nothing is loaded until a check runs):
 * `health.check([() => cacheHealth.isHealthy('cache')])`. Never throws, and answers within `health.timeout`
 * (default 1 s) even when Redis hangs; however many checks run, Redis gets at most one PING per second.
 */
export class CacheHealthIndicator {
  private readonly probe?: HealthProbe;

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly backend: HealthTarget,
  ) {
    if (backend.probe !== undefined) this.probe = new HealthProbe(backend.probe, options.health.timeoutMs);
  }

  /** The result under `key`: up, degraded (failing open, or Redis memory near its limit) or down (only when `required`). */
  async isHealthy<Key extends string>(key: Key): Promise<CacheHealthResult<Key>> {
    return terminusResult(key, await this.report());
  }

  /** The same judgement without Terminus. */
  async report(): Promise<CacheHealthReport> {
    const probe = await this.probe?.check();
    return judgeHealth({
      store: this.backend.store.kind,
      probe,
      circuit: this.backend.breaker?.state,
      required: this.options.required,
      memoryThreshold: this.options.health.memoryThreshold,
    });
  }
}
