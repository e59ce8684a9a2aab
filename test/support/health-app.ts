import 'reflect-metadata';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { CacheHealthIndicator, CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cache: CacheHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.cache.isHealthy('cache')]);
  }
}

/** A Nest HTTP app (Express) serving `GET /health` through Terminus with the cache's indicator, as a user writes it. */
export async function bootHealthApp(options: CacheModuleOptions): Promise<INestApplication> {
  const module = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false }), CacheModule.forRoot(options)],
    controllers: [HealthController],
  }).compile();
  const app = module.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1'); // one listening server for every request (app.close() stops it)
  return app;
}
