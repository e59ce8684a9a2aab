// @datapunk/nestjs-cache/health: the Terminus health indicator and its report.
export { CacheHealthIndicator } from './observability/health/cache-health.indicator.js';
export type {
  CacheHealthReason,
  CacheHealthReport,
  CacheHealthResult,
  CacheHealthStatus,
} from './observability/health/cache-health-report.js';
