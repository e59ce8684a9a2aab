// @datapunk/nestjs-cache/admin: the HTTP admin endpoints (invalidate by key, prefix or tag).
export { CacheAdminModule } from './admin/cache-admin.module.js';
export type { CacheAdminOptions } from './admin/cache-admin.options.js';
export type { InvalidateResult } from './admin/cache-admin.controller.js';
