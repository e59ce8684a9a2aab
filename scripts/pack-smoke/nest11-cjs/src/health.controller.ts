import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorResult } from '@nestjs/terminus';
import { CacheHealthIndicator } from '@datapunk/nestjs-cache/health';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cache: CacheHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    // The cast: CacheHealthResult's status includes 'degraded' (Terminus 12), which Terminus 11's
    // HealthIndicatorResult does not, so without it tsc refuses the indicator under Terminus 11.
    return this.health.check([() => this.cache.isHealthy('cache') as Promise<HealthIndicatorResult>]);
  }
}
