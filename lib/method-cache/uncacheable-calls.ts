import type { NamespaceEngine } from '../namespace/namespace-engine.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { KEY_HOOK, type KeyRefusal } from './key-encoding.js';

/**
 * Calls whose arguments the default key refuses run uncached: each is counted (cache_uncacheable_calls_total, by
 * reason) and each method is logged once, so a hot method with such an argument is visible without flooding the log.
 */
export class UncacheableCalls {
  /** `@Decorator Class.method` already logged: at most one entry per decorated method. */
  private readonly logged = new Set<string>();

  constructor(private readonly logger: RateLimitedLogger) {}

  report(engine: NamespaceEngine, decorator: string, cacheName: string, refusal: KeyRefusal): void {
    engine.metrics.uncacheableCall(cacheName, refusal.reason);
    const method = `@${decorator} ${cacheName}`;
    if (this.logged.has(method)) return;
    this.logged.add(method);
    const remedy =
      refusal.reason === 'class_instance'
        ? `give the class a ${KEY_HOOK}() method or the decorator a "key" function`
        : 'give the decorator a "key" function';
    this.logger.warn(
      `uncacheable:${method}`,
      `${method} runs uncached (${refusal.reason}): argument ${refusal.argument} is ${refusal.detail}; ${remedy}. Logged once per method.`,
    );
  }
}
