import { Module, type DynamicModule } from '@nestjs/common';
import { CacheError } from '../kernel/cache-error.js';
import type { CacheAdminOptions } from './cache-admin.options.js';
import { cacheAdminController } from './cache-admin.controller.js';

/**
 * Opt-in operations endpoint for the app's cache: `GET /cache/stats`, `DELETE /cache/keys/:key` and
 * `POST /cache/invalidate` (`{ keys?, prefix?, tags? }`), behind a guard the application provides. Import it next to
 * `CacheModule`; it acts on the CacheManager of that module's namespace.
 */
@Module({})
export class CacheAdminModule {
  static forRoot(options: CacheAdminOptions): DynamicModule {
    const guard = options?.guard;
    if (
      guard === undefined ||
      guard === null ||
      (typeof guard !== 'function' && typeof (guard as { canActivate?: unknown }).canActivate !== 'function')
    ) {
      throw new CacheError(
        'configure',
        undefined,
        'CacheAdminModule.forRoot: option "guard" is required: a CanActivate class or instance that lets only operators in (the endpoint deletes cache entries)',
      );
    }
    const path = options.path ?? 'cache';
    if (typeof path !== 'string' || !/^[A-Za-z0-9/_-]*$/.test(path))
      throw new CacheError(
        'configure',
        undefined,
        `CacheAdminModule.forRoot: option "path" must be a route path, got ${JSON.stringify(path)}`,
      );
    return {
      module: CacheAdminModule,
      imports: options.imports ?? [],
      controllers: [cacheAdminController(guard, path)],
    };
  }
}
