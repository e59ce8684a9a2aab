import { CacheError, type CacheOperation } from '../kernel/cache-error.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { errorReason } from '../kernel/redis-error-classifier.js';
import type { CacheMetrics } from './cache-metrics.js';

/** One place that counts, wraps and (for fail-open paths) logs cache failures. */
export class FailureReporter {
  constructor(
    private readonly metrics: CacheMetrics,
    private readonly logger: RateLimitedLogger,
  ) {}

  /** Counts a failed direct operation and returns the CacheError to throw. */
  failed(operation: CacheOperation, key: string | undefined, error: unknown, startedAt: number): CacheError {
    this.metrics.observe(operation, 'error', startedAt);
    const reason = errorReason(error);
    const failure = CacheError.wrap(operation, key, error);
    this.metrics.error(operation, reason, key, failure);
    return failure;
  }

  /** Counts and logs (rate-limited) a failure the caller will not see: the call is served without the cache. */
  failedOpen(operation: CacheOperation, key: string, error: unknown, startedAt: number): void {
    const wrapped = this.failed(operation, key, error, startedAt);
    this.logger.warn(`${operation}:${errorReason(error)}`, `${wrapped.message.replace(/\.$/, '')}; serving without the cache`);
  }

  /** Logs (rate-limited) a loaded value the codec refused to store; the caller still gets it. */
  notStored(key: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn('set:refused', `${message.replace(/\.$/, '')}; returned without storing`);
  }

  warn(category: string, message: string): void {
    this.logger.warn(category, message);
  }
}
