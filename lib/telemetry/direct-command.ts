import type { CacheOperation } from '../kernel/cache-error.js';
import type { FailureReporter } from './failure-reporter.js';
import type { CacheMetrics } from './cache-metrics.js';

/** Runs one direct store command, timing it and turning a failure into a counted CacheError. */
export type DirectCommand = <T>(operation: CacheOperation, key: string | undefined, command: () => Promise<T>) => Promise<T>;

export function directCommand(metrics: CacheMetrics, failures: FailureReporter): DirectCommand {
  return async (operation, key, command) => {
    const startedAt = performance.now();
    try {
      const result = await command();
      metrics.observe(operation, 'ok', startedAt);
      return result;
    } catch (error) {
      throw failures.failed(operation, key, error, startedAt);
    }
  };
}
