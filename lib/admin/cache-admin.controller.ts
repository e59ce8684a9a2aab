import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  ServiceUnavailableException,
  UseGuards,
  type CanActivate,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CacheError } from '../kernel/cache-error.js';
import { CacheManager } from '../core/cache-manager.js';
import type { CacheStats } from '../telemetry/cache-stats.js';
import { checkedInvalidateRequest, checkedKey } from './admin-input.js';

/** What POST /cache/invalidate answers. */
export interface InvalidateResult {
  /** Keys removed by `keys` and by `prefix`. */
  removed: number;
  /** Tags invalidated (their entries stay in Redis until their TTL but are never served again). */
  tags: number;
}

/**
 * The operations controller, made per `forRoot` so its guard and path are the application's. It finds the app's
 * CacheManager wherever CacheModule was imported (it need not be global).
 */
export function cacheAdminController(guard: Type<CanActivate> | CanActivate, path: string): Type<unknown> {
  @Controller(path)
  @UseGuards(guard)
  class CacheAdminController {
    private manager?: CacheManager;

    constructor(@Inject(ModuleRef) private readonly modules: ModuleRef) {}

    @Get('stats')
    stats(): CacheStats {
      return this.cache.stats();
    }

    @Delete('keys/:key')
    async deleteKey(@Param('key') key: string): Promise<{ removed: number }> {
      const checked = checkedKey(key);
      return { removed: await unavailableOnCacheError(this.cache.invalidate(checked)) };
    }

    @Post('invalidate')
    @HttpCode(200)
    async invalidate(@Body() body: unknown): Promise<InvalidateResult> {
      const { keys, prefix, tags } = checkedInvalidateRequest(body);
      const removed = await unavailableOnCacheError(
        Promise.all([keys ? this.cache.invalidate(keys) : 0, prefix !== undefined ? this.cache.invalidatePrefix(prefix) : 0]),
      );
      if (tags !== undefined) await unavailableOnCacheError(this.cache.invalidateTags(tags));
      return { removed: removed[0] + removed[1], tags: tags?.length ?? 0 };
    }

    private get cache(): CacheManager {
      this.manager ??= this.modules.get(CacheManager, { strict: false });
      return this.manager;
    }
  }
  return CacheAdminController;
}

/**
 * The input was checked: a CacheError now is Redis failing (an invalidation that failed for an outage is kept and
 * replayed, the caller is told it is not done yet).
 */
async function unavailableOnCacheError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof CacheError) throw new ServiceUnavailableException(error.message);
    throw error;
  }
}
