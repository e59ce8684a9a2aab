import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { ResolvedCacheOptions } from '../options/cache-options.js';
import type { RedisConnection } from '../stores/redis/redis-connection.js';
import { FleetJob } from './fleet/fleet-job.js';
import { monitorKeys } from '../kernel/cache-keys.js';
import { FootprintGauges, type FootprintSeries } from './footprint/footprint-gauges.js';
import { footprintWork } from './footprint/footprint-sampler.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { RedisInfoGauges, type RedisInfoSeries } from './redis-info/redis-info-gauges.js';
import { redisInfoWork } from './redis-info/redis-info.js';

/**
 * The periodic measurements of a module on Redis (footprint, INFO): started once the application has booted (the store
 * is connected by then), stopped when it closes. Nothing runs without Redis.
 */
export class CacheMonitors implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly jobs: Array<FleetJob<unknown>> = [];
  private readonly footprintGauges?: FootprintGauges;

  constructor(
    options: ResolvedCacheOptions,
    connection: RedisConnection | null,
    metrics: CacheMetrics,
    series: { footprint: FootprintSeries; redisInfo: RedisInfoSeries },
  ) {
    if (connection === null) return;
    const { client } = connection;
    const logger = new RateLimitedLogger(`CacheMonitors:${options.namespace}`, 60_000);
    if (options.footprint !== undefined) {
      const gauges = new FootprintGauges(series.footprint);
      this.footprintGauges = gauges;
      const namespaces = () => new Set([...metrics.namespaces, ...options.namespaceEncodings.keys()]);
      const publish = (report: Parameters<FootprintGauges['publish']>[0]) => {
        gauges.publish(report);
        metrics.footprint(report);
      };
      this.jobs.push(
        new FleetJob(
          client,
          footprintWork(client, { ...options.footprint, ...monitorKeys(options.namespace, 'footprint') }, namespaces, publish),
          logger,
          metrics,
        ) as FleetJob<unknown>,
      );
    }
    if (options.redisInfo !== undefined) {
      const gauges = new RedisInfoGauges(options.namespace, series.redisInfo);
      const work = redisInfoWork(client, { ...options.redisInfo, ...monitorKeys(options.namespace, 'redis-info') }, (report) =>
        gauges.publish(report),
      );
      this.jobs.push(new FleetJob(client, work, logger, metrics) as FleetJob<unknown>);
    }
  }

  onApplicationBootstrap(): void {
    for (const job of this.jobs) job.start();
  }

  onModuleDestroy(): void {
    for (const job of this.jobs) job.stop();
    this.footprintGauges?.close();
  }
}
