import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheAdminModule } from '@datapunk/nestjs-cache/admin';
import { AdminTokenGuard } from './admin-token.guard.js';
import { HealthController } from './health.controller.js';

/** What operators use: GET /health (Terminus), and the cache operations endpoint behind a token (ADMIN_TOKEN). */
@Module({
  imports: [TerminusModule.forRoot(), CacheAdminModule.forRoot({ guard: AdminTokenGuard })],
  controllers: [HealthController],
})
export class OperationsModule {}
