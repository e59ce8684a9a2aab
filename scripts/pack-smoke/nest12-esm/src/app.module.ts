import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { cacheModule } from './cache.config.js';
import { HealthController } from './health.controller.js';
import { ProductsController } from './products/products.controller.js';
import { ProductsService } from './products/products.service.js';

// No PrometheusModule here: @willsoto/nestjs-prometheus's main entry is CommonJS that require()s the ESM-only NestJS 12,
// which Jest's loader refuses before Node 24.9 (the sample app, booted with node, serves /metrics with it).
@Module({
  imports: [ConfigModule.forRoot({ isGlobal: true }), TerminusModule, cacheModule()],
  controllers: [ProductsController, HealthController],
  providers: [ProductsService],
})
export class AppModule {}
