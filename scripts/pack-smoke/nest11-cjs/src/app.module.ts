import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { cacheModule } from './cache.config';
import { HealthController } from './health.controller';
import { ProductsController } from './products/products.controller';
import { ProductsService } from './products/products.service';

@Module({
  imports: [ConfigModule.forRoot({ isGlobal: true }), PrometheusModule.register(), TerminusModule, cacheModule()],
  controllers: [ProductsController, HealthController],
  providers: [ProductsService],
})
export class AppModule {}
