import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CacheError } from '../kernel/cache-error.js';
import type { ResolvedCacheOptions } from '../options/cache-options.js';
import { EscapedLogger } from '../kernel/escaped-logger.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import { startupTimeoutMs } from '../stores/redis/redis-connection.js';

/**
 * Opens the store when its module initialises (verified with PING), so providers of importing modules can already
 * use (or warm) the cache in their own onModuleInit; closes what it owns when the app closes.
 */
export class CacheStoreLifecycle implements OnModuleInit, OnModuleDestroy {
  /** Escaped: the startup failure it logs quotes Redis's or the network's message. */
  private readonly logger: EscapedLogger;

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly store: CacheStore,
  ) {
    this.logger = new EscapedLogger(`CacheModule:${options.namespace}`);
  }

  async onModuleInit(): Promise<void> {
    if (this.store.kind === 'memory') {
      this.logger.log('No Redis configured: using the embedded in-process store (not shared between instances)');
      return;
    }
    try {
      await this.connectWithinDeadline();
    } catch (error) {
      const failure = CacheError.wrap('connect', undefined, error);
      if (this.options.failOnStartup) {
        await this.store.close(); // Nest calls no onModuleDestroy after a failed init: stop the reconnect loop here
        throw failure;
      }
      this.logger.warn(`Redis is not reachable at startup (${failure.message}); the cache will serve once it is`);
    }
  }

  /**
   * ioredis's connect() may never settle (no Sentinel answering, or every one refusing its password: it retries them
   * forever), and the app's boot must not wait on it: past the deadline the cache starts as if Redis were down.
   */
  private connectWithinDeadline(): Promise<void> {
    const connecting = this.store.connect();
    const deadlineMs = startupTimeoutMs(this.options.operationTimeoutMs);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${deadlineMs} ms`)), deadlineMs);
      connecting.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }
}
