import type { CanActivate, ModuleMetadata, Type } from '@nestjs/common';

/** Options of `CacheAdminModule.forRoot()`. */
export interface CacheAdminOptions {
  /**
   * Who may use the endpoint: a guard class (built by Nest, with `imports` for its dependencies) or instance. Required:
   * the endpoint deletes cache entries, so the module refuses to mount without one.
   */
  guard: Type<CanActivate> | CanActivate;
  /** Route prefix of the three routes. Default: `'cache'` (`GET /cache/stats`, …). */
  path?: string;
  /** Modules the guard's dependencies come from. Default: none. */
  imports?: ModuleMetadata['imports'];
}
